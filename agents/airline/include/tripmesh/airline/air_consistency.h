// The air profile's checker: reads every airline's store and reports a seat
// sold or held twice, a seat row nobody owns, and an itinerary that its
// coordinator and the airlines it names do not agree on.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"
#include "tripmesh/schemas/check.h"

namespace tripmesh::airline {

struct AirConsistencyReport {
  std::vector<std::string> sold_twice;  // one seat of a leg claimed by two live reservations
  std::vector<std::string> orphans;     // a seat row whose reservation is not live
  std::vector<std::string> unbooked;    // a live reservation's seat with no seat row
  // A confirmed itinerary whose part at an airline is not confirmed, or an
  // ended one whose part still holds seats past its hold.
  std::vector<std::string> sagas_apart;
  int reservations = 0, seats = 0, itineraries = 0, in_flight = 0;

  bool ok() const {
    return sold_twice.empty() && orphans.empty() && unbooked.empty() && sagas_apart.empty();
  }
  std::string Summary() const;
  // The same, as `tripmesh check --json` prints it.
  schemas::CheckResult Result() const;
};

// `stores` maps each airline to its store (a SQLite file or a PostgreSQL
// URI), which running agents may be using. Itineraries still in flight,
// or that moved while the stores were read, are counted, not judged; a part
// may outlive its saga until its hold runs out (`grace_s` after it).
[[nodiscard]] Result<AirConsistencyReport> CheckAirStores(
    const std::map<std::string, std::string>& stores, Time now, Time grace_s = 5);

}  // namespace tripmesh::airline
