// Time as every agent reads it. Injected, so tests run on a manual clock and
// the simulator on an accelerated one.
#pragma once

#include <atomic>
#include <chrono>

#include "tripmesh/base/time.h"

namespace tripmesh::core {

// Thread safety: Now() may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  Time Now() const override;
};

// Simulated time that reads `start` at the real (wall-clock) moment `origin`
// and runs `scale` times faster than real time: processes that share all
// three read the same time, whenever each of them started.
class AcceleratedClock final : public Clock {
 public:
  AcceleratedClock(Time start, double scale, Time origin);
  AcceleratedClock(Time start, double scale);  // from now
  Time Now() const override;

 private:
  Time start_;
  double scale_;
  double origin_;  // wall-clock seconds since the epoch
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Time start) : now_(start) {}
  Time Now() const override { return now_.load(); }
  void Set(Time t) { now_.store(t); }
  void Advance(Time seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<Time> now_;
};

}  // namespace tripmesh::core
