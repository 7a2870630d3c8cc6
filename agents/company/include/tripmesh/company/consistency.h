// The consistency checker: reads every company's store and reports what would
// mean a broken saga or a double booking.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"
#include "tripmesh/schemas/check.h"

namespace tripmesh::company {

struct ConsistencyReport {
  // Items of a confirmed reservation that its company does not hold as a booking.
  std::vector<std::string> missing_items;
  // Bookings or holds whose reservation is not live (failed, cancelled, expired, unknown).
  std::vector<std::string> orphans;
  // Two intervals on one point that overlap.
  std::vector<std::string> overlaps;
  // Holds still in a store well past their expiry.
  std::vector<std::string> stale_holds;
  // Bookings or holds on a point during the time its operator took it out of service.
  std::vector<std::string> on_unavailable_points;
  int reservations = 0, bookings = 0, sagas_in_flight = 0;

  bool ok() const {
    return missing_items.empty() && orphans.empty() && overlaps.empty() && stale_holds.empty() &&
           on_unavailable_points.empty();
  }
  std::string Summary() const;
  // The same, as `tripmesh check --json` prints it.
  schemas::CheckResult Result() const;
};

// `stores` maps each company id to its SQLite file; the files may be in use by
// running agents. A booking that belongs to a saga still in flight at its
// coordinator is counted in sagas_in_flight, not reported. Holds count as stale
// `grace_s` after their expiry (the agents sweep them every tick).
[[nodiscard]] Result<ConsistencyReport> CheckConsistency(
    const std::map<std::string, std::string>& stores, Time now, Time grace_s = 5);

}  // namespace tripmesh::company
