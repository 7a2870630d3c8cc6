// The ledger of one charging point: an ordered set of non-overlapping time
// intervals [start, end). A hold carries an expiry; a booking does not.
// Not thread-safe: the company agent serialises all work on a station.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::core {

struct Interval {
  Time start = 0, end = 0;
  std::string owner;               // reservation id
  std::optional<Time> expires_at;  // set for a hold
};

class PointLedger {
 public:
  // Adds a hold (expires_at set) or a booking. kUnavailable when it overlaps any
  // interval, expired holds included: call ExpireHolds first to drop those.
  [[nodiscard]] Status Add(Interval iv);
  // Turns the hold of `owner` at `start` into a booking. kNotFound when absent.
  [[nodiscard]] Status MakeBooking(const std::string& owner, Time start);
  // Removes the interval of `owner` at `start`; false when there was none.
  bool Remove(const std::string& owner, Time start);
  // Removes holds whose expiry is <= now and returns them.
  std::vector<Interval> ExpireHolds(Time now);

  bool IsFree(Time start, Time end) const;
  // Earliest t >= from with [t, t + duration) free.
  Time EarliestStart(Time from, Time duration) const;
  // Free gaps within [from, to).
  std::vector<schemas::FreeInterval> FreeIntervals(Time from, Time to) const;
  // OCPI status at `now`: CHARGING inside a booking, RESERVED inside a hold, else AVAILABLE.
  std::string StatusAt(Time now) const;
  // End of the interval covering `now`, or now when free.
  Time NextFreeAt(Time now) const;

  const std::map<Time, Interval>& intervals() const { return by_start_; }

 private:
  std::map<Time, Interval> by_start_;
};

// Earliest t >= from with [t, t + duration) inside one of `free` (sorted gaps
// of a window ending at `window_end`); after the window nothing is known to be
// taken, so a start at or past window_end is free.
Time EarliestStartIn(const std::vector<schemas::FreeInterval>& free, Time from, Time duration,
                     Time window_end);

}  // namespace tripmesh::core
