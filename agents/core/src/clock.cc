#include "tripmesh/core/clock.h"

namespace tripmesh::core {

Time RealClock::Now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AcceleratedClock::AcceleratedClock(Time start, double scale)
    : start_(start), scale_(scale), origin_(std::chrono::steady_clock::now()) {}

Time AcceleratedClock::Now() const {
  std::chrono::duration<double> real = std::chrono::steady_clock::now() - origin_;
  return start_ + static_cast<Time>(real.count() * scale_);
}

}  // namespace tripmesh::core
