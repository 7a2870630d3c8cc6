// Trip planning over the world's roads with the vehicle's state of charge.
// Route and stops are chosen together by a label-setting search over
// (city, state of charge); a stop charges only what the next legs need.
// Pure: availability comes in through a callback, time through `depart_at`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/core/world.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::core {

// The energy and driving model (documented in topics/README.md).
inline constexpr double kDriveKmh = 80.0;       // average speed on the Northeast's highways
inline constexpr Time kPlugOverheadS = 180;     // parking, plugging in and paying
inline constexpr double kTaperFromSoc = 0.80;   // full power below, tapering above
inline constexpr double kTaperFloor = 0.30;     // share of power left at 100 %
inline constexpr double kArrivalMargin = 0.03;  // charge this much above the bare need
// An alternative is offered only when it is not far worse than the best plan
// by the preference: total time at most 1.5x the best's + 30 min (fastest),
// cost at most 1.5x the best's + 20 (cheapest).
inline constexpr double kAlternativeFactor = 1.5;
inline constexpr double kAlternativeTimeSlackS = 1800;
inline constexpr double kAlternativeCostSlack = 20;

bool Compatible(const schemas::Point& p, const schemas::VehicleSpec& v);
double ChargePowerKw(const schemas::Point& p, const schemas::VehicleSpec& v);
// Seconds to charge from soc_from to soc_to at `power_kw`, with the taper above 80 %.
Time ChargeSeconds(double soc_from, double soc_to, double battery_kwh, double power_kw);
// What `kwh` charged in `charge_s` from `start_at` costs at the tariff then in force.
double PriceOf(const schemas::Station& s, const schemas::Point& p, double kwh, Time charge_s,
               Time start_at);
Time DriveSeconds(double km);

struct PlanContext {
  // Which stations may be used (e.g. only those whose availability is known).
  std::function<bool(const schemas::Station&)> station_allowed;
  // Earliest start >= from at which the point is free for `duration` seconds;
  // kNever for a point that will not be (out of order until further notice).
  std::function<Time(const schemas::Station&, const schemas::Point&, Time from, Time duration)>
      earliest_start;
};

// Up to req.alternatives plans, best first by req.prefer, distinct in route or
// stops; plan ids are left empty for the caller. The fastest plan is never
// slower than the cheapest and the cheapest never dearer than the fastest.
// Errors: kUnknownCity, kNoRoute, kUnreachable (with the reason).
[[nodiscard]] Result<std::vector<schemas::Plan>> PlanTrip(const World& world,
                                                          const schemas::PlanRequest& req,
                                                          Time depart_at, const PlanContext& ctx);

}  // namespace tripmesh::core
