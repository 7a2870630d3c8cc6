#include "profile_world.h"

#include <thread>

namespace tripmesh::testing {

using namespace std::chrono_literals;

std::string ProfileCaseName(Profile profile, Backend backend) {
  return std::string(profile == Profile::kAir ? "air_" : "charging_") + BackendName(backend);
}

PlayedCoordinator::PlayedCoordinator(const std::string& broker, std::string from, std::string to)
    : from_(std::move(from)), to_(std::move(to)) {
  runtime::TransportOptions o;
  o.broker = broker;
  o.client_id = "played-" + from_ + "-to-" + to_;
  o.clean_start = true;
  transport_ = runtime::NewTransport(runtime::TransportKind::kMosquitto, o);
  transport_->SetReceiver([this](runtime::InboundMessage m) {
    std::lock_guard lock(mu_);
    acks_.push_back(std::move(m.payload));
  });
  connected_ =
      transport_->Connect(5s).has_value() &&
      transport_->Subscribe(topics::Saga(from_, to_, topics::SagaKind::kAck), 1).has_value();
}

PlayedCoordinator::~PlayedCoordinator() {
  if (transport_) transport_->Disconnect();
}

std::size_t PlayedCoordinator::Acks() {
  std::lock_guard lock(mu_);
  return acks_.size();
}

std::optional<std::string> PlayedCoordinator::Send(topics::SagaKind kind,
                                                   const std::string& payload) {
  if (!connected_) return std::nullopt;
  std::size_t before = Acks();
  if (!transport_->Publish({.topic = topics::Saga(to_, from_, kind), .payload = payload})) {
    return std::nullopt;
  }
  for (int i = 0; i < 200 && Acks() == before; ++i) std::this_thread::sleep_for(50ms);
  std::lock_guard lock(mu_);
  if (acks_.size() == before) return std::nullopt;
  return acks_.back();
}

Result<schemas::ReservationStatus> Requester::Final(const std::string& request_id) {
  for (int i = 0; i < 100; ++i) {
    auto now = OnceHomeIsBack([&] { return Listed(request_id); });
    if (!now) return tl::unexpected<Error>(now.error());
    if (*now && **now != schemas::ReservationStatus::kHeld) return **now;
    std::this_thread::sleep_for(100ms);
  }
  return Fail(Errc::kTimeout, "the reservation of request " + request_id + " did not settle");
}

std::vector<ProfileCase> EveryProfile(const char* variant) {
  return {{Profile::kCharging, Backend::kSqlite, variant},
          {Profile::kCharging, Backend::kPostgres, variant},
          {Profile::kAir, Backend::kSqlite, variant}};
}

void ProfileTest::SetUp() {
  dir_ = NewTestDir();
  auto b = harness::LocalBroker::Start(dir_ + "/broker");
  ASSERT_TRUE(b) << b.error().message;
  broker_ = std::move(*b);
  // Every message the agents send is checked against the schemas after the suite.
  recorder_ = Recorder::ForThisTest(broker_->uri());
  world_ = NewProfileWorld(GetParam().profile, GetParam().backend, broker_->uri(), dir_);
}

void ProfileTest::StartAll(const std::vector<std::string>& home_extra) {
  auto agents = world_->Agents();
  for (const auto& a : agents) {
    running_[a] = world_->Start(a, a == agents.front() ? home_extra : std::vector<std::string>{});
    ASSERT_TRUE(running_[a]) << a;
  }
}

Checked ProfileTest::Settle(std::chrono::seconds limit) {
  Checked last;
  auto until = std::chrono::steady_clock::now() + limit;
  do {
    last = world_->Check();
    if (last.ok && last.in_flight == 0) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < until);
  return last;
}

bool ProfileTest::NothingClaimedAt(const std::string& agent) {
  for (int i = 0; i < 100; ++i) {
    if (world_->Claimed(agent) == 0) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

}  // namespace tripmesh::testing
