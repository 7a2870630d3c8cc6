#include "sim_kernel.h"

#include <algorithm>
#include <filesystem>

#include "tripmesh/base/ids.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::dst {
namespace {

constexpr Ms kClientTimeoutMs = 30000;  // a client gives up on a reply
constexpr Ms kLongestRunMs = 6 * 3600 * 1000;

}  // namespace

SimKernel::SimKernel(const SimConfig& c, std::string clients)
    : config_(c),
      rng_(c.seed),
      clock_(kStart),
      clients_name_(std::move(clients)),
      client_prefix_(clients_name_.substr(0, clients_name_.size() - 1) + ":") {}

// ---- the run ----

SimResult SimKernel::Run(std::uint64_t id_salt) {
  SeedIds(config_.seed * 0x9e3779b97f4a7c15ULL + id_salt);
  std::filesystem::remove_all(config_.dir);
  std::filesystem::create_directories(config_.dir);
  for (auto* n : starting_order_) StartNode(*n);
  MakeClients();
  Ms last_fault_window = 0;
  while (result_.ok && !std::all_of(clients_.begin(), clients_.end(),
                                    [this](const SimClient* c) { return Finished(*c); })) {
    Step(config_.faults);
    last_fault_window = now_;
    if (now_ > kLongestRunMs)
      Fail("the " + clients_name_ + " did not finish within six simulated hours");
  }
  Settle(last_fault_window);
  if (result_.ok) CheckEnd();
  result_.trace.assign(trace_.begin(), trace_.end());
  return result_;
}

void SimKernel::Step(bool faults) {
  faulting_ = faults;
  std::vector<std::function<void()>> can;
  AddDeliveries(can);
  for (auto& [id, n] : nodes_) {
    if (!n->up) continue;
    AddTasks(can, *n);
    if (n->next_tick <= now_) can.push_back([this, n = n] { TickNode(*n); });
  }
  AddClientSteps(can);
  if (faults) {
    AddFaults(can);
  } else {
    for (auto& [id, n] : nodes_) {
      if (!n->up) can.push_back([this, n = n] { StartNode(*n); });
    }
  }
  if (can.empty()) return Advance();
  can[Pick(can.size())]();
  ++result_.steps;
  AfterStep();
}

void SimKernel::AddClientSteps(std::vector<std::function<void()>>& can) {
  for (auto* c : clients_) {
    if (!c->waiting_corr.empty() && c->gave_up_at <= now_) {
      can.push_back([this, c] {
        Trace("{} gives up on {}", c->id, topics::OpName(c->waiting_op));
        c->waiting_corr.clear();
        c->next_action = now_ + Uniform(10, 3000);
      });
    } else if (c->waiting_corr.empty() && c->next_action <= now_ && HasMoves(*c)) {
      can.push_back([this, c] { Act(*c); });
    }
  }
}

void SimKernel::AddFaults(std::vector<std::function<void()>>& can) {
  for (auto& [id, n] : nodes_) {
    if (n->up && Chance(kCrashChance)) can.push_back([this, n = n] { Crash(*n); });
    if (!n->up && n->restart_at <= now_) can.push_back([this, n = n] { StartNode(*n); });
  }
  AddMoreFaults(can);
  if (Chance(kClockJumpChance)) {
    can.push_back([this] {
      Time jump = Uniform(60, 1800);
      clock_.Advance(jump);
      Trace("the clock jumps {} s", jump);
    });
  }
}

void SimKernel::Advance() {
  Ms next = NextDelivery(now_ + 5000);
  for (auto& [id, n] : nodes_) next = std::min(next, n->up ? n->next_tick : n->restart_at);
  for (const auto* c : clients_) {
    if (!c->waiting_corr.empty()) next = std::min(next, c->gave_up_at);
    if (c->waiting_corr.empty() && HasMoves(*c)) next = std::min(next, c->next_action);
  }
  next = std::max(next, now_ + 1);
  clock_.Advance((next / 1000) - (now_ / 1000));
  now_ = next;
}

bool SimKernel::Quiet() {
  if (!NetworkQuiet()) return false;
  return std::all_of(nodes_.begin(), nodes_.end(), [this](auto& entry) {
    SimNode& n = *entry.second;
    return n.up && n.tasks.empty() && !Busy(n);
  });
}

void SimKernel::Quietly() {
  Ms until = now_ + kSettleMs;
  while (result_.ok && !Quiet() && now_ < until) Step(false);
}

// Faults stop; every saga must reach its final state within kSettleMs.
void SimKernel::Settle(Ms since) {
  Trace("faults stop");
  while (result_.ok && now_ - since < kSettleMs) {
    Step(false);
    if (Quiet()) break;
  }
  if (result_.ok && !Quiet()) {
    std::string open;
    for (auto& [id, n] : nodes_) {
      if (n->up)
        open += fmt::format(" {}: {} saga(s), {} task(s);", id, Unfinished(*n), n->tasks.size());
    }
    Fail("sagas still unfinished an hour after the last fault:" + open);
  }
  // Settled, and before any hold could lapse on its own: nothing may be held
  // or booked for a reservation that is not live. (After a tick of each
  // agent: the clock may have just jumped past a hold's expiry, which only
  // its agent's next sweep acts on.)
  if (result_.ok) {
    for (auto& [id, n] : nodes_) Tick(*n);
    Quietly();
    CheckStores("once the sagas settled");
  }
  // Past every hold's expiry, with the ticks that sweep them.
  Ms until = now_ + kSettleMs;
  for (int i = 0; i < 8 && result_.ok; ++i) {
    clock_.Advance(120);
    for (auto& [id, n] : nodes_) Tick(*n);
    while (result_.ok && !Quiet() && now_ < until) Step(false);
  }
  if (result_.ok && !Quiet()) Fail("the agents did not settle after the holds expired");
}

void SimKernel::CheckEnd() {
  CheckStores("at the end");
  for (auto* c : clients_) {
    if (!result_.ok) return;
    for (const auto& id : c->heard_confirmed) {
      auto status = StatusAtHome(*c, id);
      if (!status) {
        return Fail(fmt::format("{} heard confirmed for {}, which its home does not know: {}",
                                c->id, id, status.error().message));
      }
      // Once confirmed: cancelled by the client, or ended by the clock
      // (nobody checks in here, so a passed stop makes it a no-show).
      using schemas::ReservationStatus;
      bool cancelled = c->cancel_sent.count(id) && *status == ReservationStatus::kCancelled;
      bool ended =
          *status == ReservationStatus::kNoShow || *status == ReservationStatus::kFulfilled;
      if (*status != ReservationStatus::kConfirmed && !cancelled && !ended) {
        return Fail(fmt::format("{} heard confirmed for {}, which is {}", c->id, id,
                                schemas::ReservationStatusName(*status)));
      }
    }
    result_.confirmed_heard += static_cast<int>(c->heard_confirmed.size());
  }
}

// ---- agents ----

void SimKernel::StartNode(SimNode& n) {
  if (!Start(n)) return;
  n.up = true;
  n.changed = true;
  n.next_tick = now_ + kTickMs;
  Online(n);
  Trace("start {}", n.id);
}

std::unique_ptr<runtime::Store> SimKernel::OpenStore(const std::string& id) {
  runtime::StoreOptions so;
  so.synchronous_full = false;
  so.checkpoint_pages = 0;
  auto store = runtime::Store::Open(StorePath(id), so);
  if (!store) {
    Fail("store of " + id + ": " + store.error().message);
    return nullptr;
  }
  return std::move(*store);
}

void SimKernel::Crash(SimNode& n) {
  n.tasks.clear();
  Stop(n);
  n.up = false;
  n.restart_at = now_ + Uniform(500, 20000);
  ++result_.crashes;
  Trace("crash {} (restart at {} ms)", n.id, n.restart_at);
}

void SimKernel::TickNode(SimNode& n) {
  n.changed = true;
  n.next_tick = now_ + kTickMs;
  Tick(n);
}

void SimKernel::MaybeCrashAfterReceipt(SimNode& n) {
  if (faulting_ && n.up && Chance(0.05)) Crash(n);
}

void SimKernel::AddTasks(std::vector<std::function<void()>>& can, SimNode& n) {
  std::vector<std::string_view> seen;
  for (std::size_t i = 0; i < n.tasks.size(); ++i) {
    std::string_view key = n.tasks[i].first;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;  // a lane runs in order
    seen.push_back(key);
    can.push_back([this, &n, i] { RunTask(n, i); });
  }
}

void SimKernel::RunTask(SimNode& n, std::size_t i) {
  n.changed = true;
  auto task = std::move(n.tasks[i].second);
  Trace("{} runs a task of {}", n.id, n.tasks[i].first);
  n.tasks.erase(n.tasks.begin() + static_cast<std::ptrdiff_t>(i));
  task();
}

// ---- the network ----

void SimKernel::Publish(const std::string& from, runtime::OutboundMessage m) {
  auto route = topics::ParseTopic(m.topic);
  if (!route) return Fail("an agent published on a bad topic " + m.topic);
  std::string to;
  if (route->kind == topics::Kind::kSaga) {
    to = route->company;
  } else if (route->kind == topics::Kind::kVehicleReplies) {
    to = client_prefix_ + route->vehicle;
  } else {
    return Published(from, m);
  }
  Enqueue(from, to, {m.topic, m.payload, m.correlation_data, m.response_topic, 0});
}

void SimKernel::Published(const std::string&, const runtime::OutboundMessage&) {
  // events and metrics: for monitors
}

void SimKernel::Enqueue(const std::string& from, const std::string& to, Message m) {
  auto& link = links_[{from, to}];
  m.deliver_at = now_ + Uniform(1, 40);
  // Within QoS 1 one publisher's messages to one subscriber keep their order.
  if (!config_.beyond_mqtt && !link.empty()) {
    m.deliver_at = std::max(m.deliver_at, link.back().deliver_at);
  }
  if (config_.faults && Chance(0.1)) {
    // A redelivery after a reconnection (its PUBACK was lost): QoS 1 lets
    // it come after messages sent later that were acknowledged.
    Message again = m;
    again.deliver_at = m.deliver_at + Uniform(1, 15000);
    redeliveries_.push_back({{from, to}, std::move(again)});
  }
  link.push_back(std::move(m));
  if (config_.beyond_mqtt) {
    std::stable_sort(link.begin(), link.end(), [](const Message& a, const Message& b) {
      return a.deliver_at < b.deliver_at;
    });
  }
}

bool SimKernel::Accepts(const std::string& to) const {
  if (to.rfind(client_prefix_, 0) == 0) return true;
  auto n = nodes_.find(to);
  return n != nodes_.end() && n->second->up;  // a stopped agent's wait in its session
}

void SimKernel::AddDeliveries(std::vector<std::function<void()>>& can) {
  for (auto& [link, queue] : links_) {
    if (queue.empty() || queue.front().deliver_at > now_ || !Accepts(link.second)) continue;
    can.push_back([this, link = link] {
      auto& q = links_[link];
      Message m = std::move(q.front());
      q.pop_front();
      DeliverOrLose(link.first, link.second, std::move(m));
    });
  }
  for (std::size_t i = 0; i < redeliveries_.size(); ++i) {
    const auto& [link, m] = redeliveries_[i];
    if (m.deliver_at > now_ || !Accepts(link.second)) continue;
    can.push_back([this, i] {
      auto [link, m] = std::move(redeliveries_[i]);
      redeliveries_.erase(redeliveries_.begin() + static_cast<std::ptrdiff_t>(i));
      Trace("redeliver");
      DeliverOrLose(link.first, link.second, std::move(m));
    });
  }
}

void SimKernel::DeliverOrLose(const std::string& from, const std::string& to, Message m) {
  if (config_.beyond_mqtt && config_.faults && Chance(0.03)) {
    Trace("lose {} -> {}: {}", from, to, m.topic);
    return;
  }
  Deliver(from, to, std::move(m));
}

void SimKernel::Deliver(const std::string& from, const std::string& to, Message m) {
  if (to.rfind(client_prefix_, 0) == 0) return DeliverToClient(to.substr(client_prefix_.size()), m);
  SimNode& n = *nodes_.at(to);
  auto route = topics::ParseTopic(m.topic);
  if (!route) return;
  Trace("deliver {} -> {}: {} {}", from, to, m.topic, m.payload.substr(0, 120));
  if (route->kind == topics::Kind::kSaga) {
    auto kind = topics::ParseSagaKind(route->name);
    if (!kind) return Fail("a saga message on an unknown topic: " + m.topic);
    if (auto st = OnSaga(n, route->agent, *kind, m.payload); !st) {
      Fail("a saga message did not decode: " + st.error().message);
    }
    return MaybeCrashAfterReceipt(n);
  }
  auto op = topics::ParseOp(route->name);
  if (!op) return;
  std::string client = route->agent;
  n.tasks.emplace_back(client, [this, &n, op = *op, client, m] {
    engine::ReplyTo reply_to{m.response_topic, m.correlation, schemas::PeekRequestId(m.payload)};
    auto reply = Handle(n, op, client, m.payload, reply_to);
    if (!reply.deferred) {
      Publish(
          n.id,
          {.topic = m.response_topic, .payload = reply.payload, .correlation_data = m.correlation});
    }
  });
  MaybeCrashAfterReceipt(n);
}

void SimKernel::DeliverToClient(const std::string& id, const Message& m) {
  auto it = std::find_if(clients_.begin(), clients_.end(),
                         [&](const SimClient* c) { return c->id == id; });
  if (it == clients_.end()) return;
  Trace("{} hears {}", id, m.payload.substr(0, 140));
  // Every answer, a repeat's too, names the request it answers.
  if (auto asked = request_ids_.find(m.correlation);
      asked != request_ids_.end() && schemas::PeekRequestId(m.payload) != asked->second) {
    Fail(fmt::format("{} heard an answer to {} that names request {}", id, asked->second,
                     schemas::PeekRequestId(m.payload)));
  }
  Hear(**it, m);
}

Ms SimKernel::NextDelivery(Ms next) const {
  // Messages for a stopped agent wait for its restart, which Advance counts.
  for (const auto& [link, q] : links_) {
    if (!q.empty() && Accepts(link.second))
      next = std::min(next, std::max(q.front().deliver_at, now_ + 1));
  }
  for (const auto& [link, m] : redeliveries_) {
    if (Accepts(link.second)) next = std::min(next, std::max(m.deliver_at, now_ + 1));
  }
  return next;
}

bool SimKernel::NetworkQuiet() const {
  if (!redeliveries_.empty()) return false;
  return std::all_of(links_.begin(), links_.end(), [](const auto& l) { return l.second.empty(); });
}

// ---- clients ----

void SimKernel::Request(SimClient& c, topics::Op op, std::string payload) {
  c.waiting_corr = fmt::format("c{}", ++serial_);
  c.waiting_op = op;
  c.gave_up_at = now_ + kClientTimeoutMs;
  request_ids_[c.waiting_corr] = schemas::PeekRequestId(payload);
  Trace("{} asks {}: {}", c.id, topics::OpName(op), payload.substr(0, 100));
  Enqueue(client_prefix_ + c.id, c.home,
          {topics::Request(c.home, c.id, op), std::move(payload), c.waiting_corr,
           topics::VehicleReplies(c.id), 0});
}

void SimKernel::Reserve(SimClient& c, std::string payload, bool hold_only) {
  Request(c, topics::Op::kReserve, std::move(payload));
  if (!hold_only) full_reserves_.insert(c.waiting_corr);
}

void SimKernel::Cancel(SimClient& c) {
  c.cancel_sent.insert(c.reservation_id);
  Request(c, topics::Op::kCancel, schemas::EncodeRef({"", c.reservation_id}, "cancel"));
}

bool SimKernel::FollowUp(SimClient& c) {
  if (c.status == schemas::ReservationStatus::kHeld) {
    auto choice = Uniform(0, 9);
    if (choice < 6) {
      Request(c, topics::Op::kConfirm, schemas::EncodeRef({"", c.reservation_id}, "confirm"));
      return true;
    }
    if (choice < 8) {
      Cancel(c);
      return true;
    }
    c.status.reset();  // lets the hold lapse
  } else if (c.status == schemas::ReservationStatus::kConfirmed && Chance(0.3)) {
    Cancel(c);
    return true;
  }
  return false;
}

bool SimKernel::Answered(SimClient& c, const Message& m) {
  if (m.correlation != c.waiting_corr) return false;  // late, or a duplicate
  c.waiting_corr.clear();
  c.next_action = now_ + Uniform(10, 3000);
  return true;
}

void SimKernel::Heard(SimClient& c, const Message& m, const std::string& reservation_id,
                      schemas::ReservationStatus status) {
  ++result_.reservations;
  // Any answer to it, a repeat's too: a saga halfway is no answer to a full reserve.
  if (status == schemas::ReservationStatus::kHeld && full_reserves_.count(m.correlation)) {
    Fail(fmt::format("{} heard {} held in answer to a reserve that was not hold_only", c.id,
                     reservation_id));
  }
  if (status == schemas::ReservationStatus::kConfirmed) c.heard_confirmed.insert(reservation_id);
}

bool SimKernel::HasMoves(const SimClient& c) const {
  return c.cycles_left > 0 || c.status == schemas::ReservationStatus::kHeld ||
         c.status == schemas::ReservationStatus::kConfirmed;
}

bool SimKernel::Finished(const SimClient& c) const {
  return c.cycles_left == 0 && c.waiting_corr.empty();
}

// ---- the trace ----

void SimKernel::Fail(const std::string& why) {
  if (!result_.ok) return;
  result_.ok = false;
  result_.failure = why;
  Trace("FAILED: {}", why);
}

void SimKernel::Traced(std::string line) {
  for (char c : line)
    result_.trace_hash = (result_.trace_hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  trace_.push_back(std::move(line));
  if (trace_.size() > config_.trace_tail) trace_.pop_front();
}

}  // namespace tripmesh::dst
