// What the saga's simulations share, whatever the agents sell: one seeded
// PRNG, a clock moved by hand, a simulated network between the agents and
// their clients, the agents' lanes, crashes and restarts, the clients'
// requests, and the run from the first step until every saga settles. The
// network delays messages and, within MQTT QoS 1, keeps one publisher's
// messages to one subscriber in order, but redelivers some after a
// reconnection; beyond MQTT (an option) it also loses and reorders them. An
// agent's lanes run one task at a time per key, interleaved by the PRNG.
// Every step is traced; the trace's hash says that a seed replays.
// A profile's simulation says how its agents start, stop, tick and answer,
// what its clients do, and what it checks.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simulation.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::dst {

using Ms = std::int64_t;  // simulated milliseconds since the start

constexpr Time kStart = 1796112000;    // 2026-12-01T08:00:00Z
constexpr Ms kTickMs = 1000;           // each agent's periodic work
constexpr Ms kSettleMs = 3600 * 1000;  // every saga final within this after the last fault
// Faults a step may bring, beside a crash after a message arrives.
constexpr double kCrashChance = 0.006;      // each running agent
constexpr double kClockJumpChance = 0.002;  // the clock jumps 1 to 30 minutes

struct Message {
  std::string topic, payload, correlation, response_topic;
  Ms deliver_at = 0;
};

// An agent's lanes, and whether it runs.
struct SimNode {
  std::string id;
  std::deque<std::pair<std::string, std::function<void()>>> tasks;  // (lane key, task)
  bool up = false;
  bool changed = false;  // since the last check of its state
  Ms restart_at = 0, next_tick = 0;
};

// A vehicle or passenger: one request in flight at a time, to its home agent.
struct SimClient {
  std::string id, home;
  int cycles_left = 0;
  Ms next_action = 0;
  std::string waiting_corr;  // the request in flight, if any
  topics::Op waiting_op = topics::Op::kReserve;
  Ms gave_up_at = 0;
  std::string reservation_id;
  std::optional<schemas::ReservationStatus> status;
  std::set<std::string> heard_confirmed;  // reservation ids
  std::set<std::string> cancel_sent;
};

class SimKernel {
 public:
  // `clients` names them in the trace and the failures ("vehicles").
  SimKernel(const SimConfig& c, std::string clients);
  virtual ~SimKernel() = default;
  SimKernel(const SimKernel&) = delete;
  SimKernel& operator=(const SimKernel&) = delete;

  // Starts the agents and the clients and runs until they are done, then
  // until every saga settles; `id_salt` sets the ids apart per profile.
  SimResult Run(std::uint64_t id_salt);

 protected:
  // ---- what a profile brings ----
  // Opens the agent's store and loads its logic; false (having failed the
  // run) when it cannot.
  virtual bool Start(SimNode& n) = 0;
  // Started and running: its unfinished sagas resume.
  virtual void Online(SimNode& n) = 0;
  // A process kill: forget everything but the store on disk.
  virtual void Stop(SimNode& n) = 0;
  virtual void Tick(SimNode& n) = 0;
  // A saga message, on the agent's network thread.
  [[nodiscard]] virtual Status OnSaga(SimNode& n, const std::string& from, topics::SagaKind kind,
                                      std::string_view payload) = 0;
  // A client's request, on its lane.
  virtual engine::Reply Handle(SimNode& n, topics::Op op, const std::string& client,
                               std::string_view payload, const engine::ReplyTo& reply_to) = 0;
  // A publish that is neither a saga message nor a reply (retained catalogues).
  virtual void Published(const std::string& from, const runtime::OutboundMessage& m);
  // The sagas the agent has not finished, and whether anything else is under way.
  virtual std::int64_t Unfinished(SimNode& n) = 0;
  virtual bool Busy(SimNode& n) { return Unfinished(n) > 0; }
  virtual void MakeClients() = 0;
  virtual void Act(SimClient& c) = 0;
  virtual void Hear(SimClient& c, const Message& m) = 0;
  virtual bool HasMoves(const SimClient& c) const;
  virtual bool Finished(const SimClient& c) const;
  // More faults than crashes and clock jumps (an operator's change).
  virtual void AddMoreFaults(std::vector<std::function<void()>>&) {}
  // Checked after each step, once the sagas settled, and at the end.
  virtual void AfterStep() {}
  virtual void CheckStores(const std::string& when) = 0;
  // The home's answer now about a reservation the client heard confirmed.
  virtual Result<schemas::ReservationStatus> StatusAtHome(SimClient& c, const std::string& id) = 0;
  virtual void CheckEnd();

  // ---- for the profile ----
  // In the order they first start.
  void AddNode(SimNode& n) {
    nodes_[n.id] = &n;
    starting_order_.push_back(&n);
  }
  void AddClient(SimClient& c) { clients_.push_back(&c); }
  // What agent `from` publishes: a saga message to its participant, a reply
  // to its client, the rest to Published.
  void Publish(const std::string& from, runtime::OutboundMessage m);
  // The agent's store in the run's folder; null (having failed the run) when it does not open.
  std::unique_ptr<runtime::Store> OpenStore(const std::string& id);
  std::string StorePath(const std::string& id) const { return config_.dir + "/" + id + ".db"; }
  void Request(SimClient& c, topics::Op op, std::string payload);
  // A reserve; one that is not `hold_only` may never be answered `held`.
  void Reserve(SimClient& c, std::string payload, bool hold_only);
  void Cancel(SimClient& c);
  // What a client does once its reservation is held (confirm, cancel or let
  // it lapse) or confirmed (cancel, now and then); false when it did nothing.
  bool FollowUp(SimClient& c);
  // Whether `m` answers the client's request in flight; then it waits no more.
  bool Answered(SimClient& c, const Message& m);
  // The reservation `m` carries, heard by the client.
  void Heard(SimClient& c, const Message& m, const std::string& reservation_id,
             schemas::ReservationStatus status);
  void Quietly();  // steps until quiet, for at most kSettleMs

  std::int64_t Uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  // One of n, uniformly.
  std::size_t Pick(std::size_t n) {
    return static_cast<std::size_t>(Uniform(0, static_cast<std::int64_t>(n) - 1));
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  void Fail(const std::string& why);
  template <typename... Args>
  void Trace(fmt::format_string<Args...> f, Args&&... args) {
    Traced(fmt::format("{:>9} ms  ", now_) + fmt::format(f, std::forward<Args>(args)...));
  }

  SimConfig config_;
  std::mt19937_64 rng_;
  core::ManualClock clock_;
  Ms now_ = 0;
  SimResult result_;

 private:
  // One step: a random one of whatever can happen now, else time moves on.
  void Step(bool faults);
  void AddClientSteps(std::vector<std::function<void()>>& can);
  void AddFaults(std::vector<std::function<void()>>& can);
  // Nothing can happen now: move to the next time something can.
  void Advance();
  void Settle(Ms since);
  bool Quiet();
  void Crash(SimNode& n);
  void StartNode(SimNode& n);
  void TickNode(SimNode& n);
  // The broker counts a message delivered once the agent has it, before a
  // lane runs it: a crash in between loses it.
  void MaybeCrashAfterReceipt(SimNode& n);

  void Enqueue(const std::string& from, const std::string& to, Message m);
  bool Accepts(const std::string& to) const;
  void AddDeliveries(std::vector<std::function<void()>>& can);
  void DeliverOrLose(const std::string& from, const std::string& to, Message m);
  void Deliver(const std::string& from, const std::string& to, Message m);
  void DeliverToClient(const std::string& id, const Message& m);
  void AddTasks(std::vector<std::function<void()>>& can, SimNode& n);
  void RunTask(SimNode& n, std::size_t i);
  // The earliest a message its receiver takes falls due, if before `next`.
  Ms NextDelivery(Ms next) const;
  bool NetworkQuiet() const;
  void Traced(std::string line);

  std::string clients_name_, client_prefix_;  // "vehicles", "vehicle:"
  bool faulting_ = false;
  std::uint64_t serial_ = 0;
  std::map<std::string, SimNode*> nodes_;
  std::vector<SimNode*> starting_order_;
  std::vector<SimClient*> clients_;
  using Link = std::pair<std::string, std::string>;  // (from, to)
  std::map<Link, std::deque<Message>> links_;
  std::vector<std::pair<Link, Message>> redeliveries_;
  std::set<std::string> full_reserves_;  // correlations of reserves that are not hold_only
  std::map<std::string, std::string> request_ids_;  // each request's, by correlation
  std::deque<std::string> trace_;
};

// The airlines' simulation (air_simulation.cc); RunSimulation picks it.
SimResult RunAirSimulation(const SimConfig& config);

}  // namespace tripmesh::dst
