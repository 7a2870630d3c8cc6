// What the saga's simulations share, whatever the agents sell: one seeded
// PRNG, a clock moved by hand, and a simulated network between agents and
// their clients. The network delays messages and, within MQTT QoS 1, keeps
// one publisher's messages to one subscriber in order, but redelivers some
// after a reconnection; beyond MQTT (an option) it also loses and reorders
// them. An agent's lanes run one task at a time per key, interleaved by the
// PRNG. Every step is traced; the trace's hash says that a seed replays.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "simulation.h"
#include "tripmesh/core/clock.h"

namespace tripmesh::dst {

using Ms = std::int64_t;  // simulated milliseconds since the start

constexpr Time kStart = 1796112000;  // 2026-12-01T08:00:00Z

struct Message {
  std::string topic, payload, correlation, response_topic;
  std::string from;  // an agent, or "" for a client
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

class SimKernel {
 public:
  explicit SimKernel(const SimConfig& c) : config_(c), rng_(c.seed), clock_(kStart) {}
  virtual ~SimKernel() = default;
  SimKernel(const SimKernel&) = delete;
  SimKernel& operator=(const SimKernel&) = delete;

 protected:
  // A message that reached `to` (an agent, or a client's "name:id").
  virtual void Deliver(const std::string& from, const std::string& to, Message m) = 0;
  // Whether `to` takes messages now: a stopped agent's wait in its session.
  virtual bool Accepts(const std::string& to) = 0;

  std::int64_t Uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  // One of n, uniformly.
  std::size_t Pick(std::size_t n) {
    return static_cast<std::size_t>(Uniform(0, static_cast<std::int64_t>(n) - 1));
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  void Enqueue(const std::string& from, const std::string& to, Message m);
  // Each message due now whose receiver takes it, as a step.
  void AddDeliveries(std::vector<std::function<void()>>& can);
  // The first task of each of the node's lanes, as a step.
  void AddTasks(std::vector<std::function<void()>>& can, SimNode& n);
  // The earliest a message falls due, if before `next`.
  Ms NextDelivery(Ms next) const;
  // Moves the clock to `next` (at least a millisecond on).
  void AdvanceTo(Ms next);
  bool NetworkQuiet() const;

  void Fail(const std::string& why);
  template <typename... Args>
  void Trace(fmt::format_string<Args...> f, Args&&... args) {
    Traced(fmt::format("{:>9} ms  ", now_) + fmt::format(f, std::forward<Args>(args)...));
  }
  // The result, with the trace's tail.
  SimResult Finish();

  SimConfig config_;
  std::mt19937_64 rng_;
  core::ManualClock clock_;
  Ms now_ = 0;
  bool faulting_ = false;
  SimResult result_;

 private:
  void Traced(std::string line);
  void RunTask(SimNode& n, std::size_t i);
  void DeliverOrLose(const std::string& from, const std::string& to, Message m);

  using Link = std::pair<std::string, std::string>;  // (from, to)
  std::map<Link, std::deque<Message>> links_;
  std::vector<std::pair<Link, Message>> redeliveries_;
  std::deque<std::string> trace_;
};

}  // namespace tripmesh::dst
