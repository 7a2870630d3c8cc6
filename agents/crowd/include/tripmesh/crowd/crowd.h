// A crowd of simulated clients, whatever they buy: members played a number
// at a time, the latency of each timed call kept, failures counted by their
// code. The simulators of both profiles run on it (what a member does, plan
// a trip and charge or buy seats, is theirs); the end-to-end benchmark
// counts its latencies and failures with it.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tripmesh/base/result.h"

namespace tripmesh::crowd {

class Latencies {
 public:
  void Add(double ms);
  void Merge(const Latencies& other);
  // The q-quantile (0..1) of the calls timed so far; 0 when none was.
  [[nodiscard]] double At(double q) const;
  [[nodiscard]] double Max() const;
  [[nodiscard]] std::size_t size() const { return ms_.size(); }

 private:
  mutable std::vector<double> ms_;  // sorted on demand
  mutable bool sorted_ = true;
};

// Runs `call`, adds how long it took to `into`, and returns what it returned.
template <typename Call>
auto Timed(Latencies& into, Call&& call) {
  auto started = std::chrono::steady_clock::now();
  auto took = [&] {
    into.Add(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                 .count());
  };
  if constexpr (std::is_void_v<std::invoke_result_t<Call>>) {
    std::forward<Call>(call)();
    took();
  } else {
    auto result = std::forward<Call>(call)();
    took();
    return result;
  }
}

// Failures by error code.
class Failures {
 public:
  void Add(Errc code, long n = 1);
  void Merge(const Failures& other);
  [[nodiscard]] long Total() const;
  [[nodiscard]] long Of(Errc code) const;
  // Whether a failure has a code outside `expected` (a sold-out flight is the
  // market; a timeout is a fault).
  [[nodiscard]] bool AnyBut(std::initializer_list<Errc> expected) const;
  // "unavailable 3, conflict 1", in the codes' order; empty when none failed.
  [[nodiscard]] std::string Format() const;
  [[nodiscard]] const std::map<Errc, long>& by_code() const { return by_code_; }

 private:
  std::map<Errc, long> by_code_;
};

struct RunOptions {
  int members = 0;
  int concurrency = 1;         // members played at the same moment
  std::function<bool()> stop;  // asked before each member: true ends the run early
};

// Plays members 0 .. members-1, `concurrency` at a time. `play(i, latencies)`
// runs on a worker thread and times its calls into that worker's latencies;
// `after(i)` runs once member i is played, one at a time (it may count and
// report progress without a lock of its own). Returns every worker's
// latencies together.
Latencies Run(const RunOptions& options, const std::function<void(int, Latencies&)>& play,
              const std::function<void(int)>& after = {});

}  // namespace tripmesh::crowd
