#include "tripmesh/core/clock.h"

namespace tripmesh::core {

Time RealClock::Now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

AcceleratedClock::AcceleratedClock(Time start, double scale, Time origin)
    : start_(start), scale_(scale), origin_(static_cast<double>(origin)) {}

AcceleratedClock::AcceleratedClock(Time start, double scale)
    : start_(start), scale_(scale), origin_(WallSeconds()) {}

Time AcceleratedClock::Now() const {
  return start_ + static_cast<Time>((WallSeconds() - origin_) * scale_);
}

}  // namespace tripmesh::core
