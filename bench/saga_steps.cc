#include "saga_steps.h"

#include <chrono>
#include <mutex>
#include <vector>

#include "tripmesh/runtime/transport.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::bench {
namespace {

using Steady = std::chrono::steady_clock;

struct Seen {
  Steady::time_point at;
  std::string topic;
  std::string payload;
};

double Ms(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// One saga's marks, filled in the order the broker delivered its messages; a
// default (zero) time is a mark not seen.
struct Marks {
  Steady::time_point reserve, first_request, last_hold_ack, first_commit, last_book_ack;
};

void Account(const Marks& m, Steady::time_point reply, SagaSteps& out) {
  const Steady::time_point none{};
  if (m.first_request == none || m.last_hold_ack == none || m.first_commit == none ||
      m.last_book_ack == none) {
    return;
  }
  ++out.reservations;
  out.home_request.Add(Ms(m.reserve, m.first_request));
  out.participants_hold.Add(Ms(m.first_request, m.last_hold_ack));
  out.home_decision.Add(Ms(m.last_hold_ack, m.first_commit));
  out.participants_book.Add(Ms(m.first_commit, m.last_book_ack));
  out.home_reply.Add(Ms(m.last_book_ack, reply));
  out.total.Add(Ms(m.reserve, reply));
}

}  // namespace

struct SagaStepMonitor::Impl {
  std::unique_ptr<runtime::Transport> client;
  std::mutex mu;
  bool recording = false;
  std::vector<Seen> seen;
};

SagaStepMonitor::SagaStepMonitor(const std::string& broker) : impl_(std::make_unique<Impl>()) {
  impl_->client = PlainClient(broker, "bench-saga-steps");
  impl_->client->SetReceiver([impl = impl_.get()](runtime::InboundMessage m) {
    auto at = Steady::now();
    std::lock_guard lock(impl->mu);
    if (impl->recording) impl->seen.push_back({at, std::move(m.topic), std::move(m.payload)});
  });
  if (!impl_->client->Connect(std::chrono::seconds(5))) Die("saga steps: cannot connect");
  if (!impl_->client->Subscribe(topics::Everything(), 0)) Die("saga steps: cannot subscribe");
}

SagaStepMonitor::~SagaStepMonitor() { impl_->client->Disconnect(); }

void SagaStepMonitor::Start() {
  std::lock_guard lock(impl_->mu);
  impl_->seen.clear();
  impl_->recording = true;
}

SagaSteps SagaStepMonitor::Stop() {
  std::vector<Seen> seen;
  {
    std::lock_guard lock(impl_->mu);
    impl_->recording = false;
    seen.swap(impl_->seen);
  }
  // tripmesh/v1/companies/{home}/requests/{car}/reserve opens a saga;
  // .../companies/{to}/saga/{from}/{kind} mark its steps; a reservation on
  // vehicles/{car}/replies closes it.
  SagaSteps out;
  Marks open;
  bool is_open = false;
  const Steady::time_point none{};
  for (const auto& s : seen) {
    auto route = topics::ParseTopic(s.topic);
    if (!route) continue;
    if (route->kind == topics::Kind::kRequest &&
        topics::ParseOp(route->name) == topics::Op::kReserve) {
      open = Marks{s.at, none, none, none, none};
      is_open = true;
    } else if (is_open && route->kind == topics::Kind::kSaga) {
      using topics::SagaKind;
      auto kind = topics::ParseSagaKind(route->name).value_or(SagaKind::kAck);
      if (kind == SagaKind::kRequest && open.first_request == none) open.first_request = s.at;
      if (kind == SagaKind::kCommit && open.first_commit == none) open.first_commit = s.at;
      if (kind == SagaKind::kAck && s.payload.find("\"phase\":\"request\"") != std::string::npos) {
        open.last_hold_ack = s.at;
      }
      if (kind == SagaKind::kAck && s.payload.find("\"phase\":\"commit\"") != std::string::npos) {
        open.last_book_ack = s.at;
      }
    } else if (is_open && route->kind == topics::Kind::kVehicleReplies &&
               s.payload.find("\"type\":\"reservation\"") != std::string::npos) {
      Account(open, s.at, out);
      is_open = false;
    }
  }
  return out;
}

}  // namespace tripmesh::bench
