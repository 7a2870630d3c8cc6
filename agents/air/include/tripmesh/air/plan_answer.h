// A passenger's air.plan.request answered from the timetable, as the wire
// carries it: the request checked, the legs of the next days planned over,
// each leg with its fare class, price and seats left.
#pragma once

#include "tripmesh/air/planner.h"
#include "tripmesh/air/timetable.h"
#include "tripmesh/base/result.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::air {

// A departure this long ago is taken as "now"; older is an error.
inline constexpr Time kPastDepartureGraceS = 900;

// The fare `leg` sells in `fare_class`, or else its cheapest of `cabin`;
// null when it sells none in the cabin.
const Fare* FareFor(const Timetable& timetable, const Leg& leg, Cabin cabin,
                    const std::string& fare_class);

// invalid_request (field depart_after) for a departure in the past; the
// planner's errors (an unknown or the same airport: invalid_request; nothing
// with enough seats within the horizon: no_route).
[[nodiscard]] Result<schemas::AirPlanResult> AnswerPlan(const Timetable& timetable,
                                                        const schemas::AirPlanRequest& request,
                                                        Time now, const SeatsLeft& seats_left);

}  // namespace tripmesh::air
