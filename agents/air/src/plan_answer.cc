#include "tripmesh/air/plan_answer.h"

#include <algorithm>

namespace tripmesh::air {

const Fare* FareFor(const Timetable& timetable, const Leg& leg, Cabin cabin,
                    const std::string& fare_class) {
  const Fare* cheapest = nullptr;
  for (const auto& fare : leg.fares) {
    const FareClass* fc = timetable.FindFareClass(leg.airline, fare.fare_class);
    if (!fc || fc->cabin != cabin) continue;
    if (fare.fare_class == fare_class) return &fare;
    if (!cheapest || fare.price_cents < cheapest->price_cents) cheapest = &fare;
  }
  return cheapest;
}

namespace {

schemas::AirItinerary OnTheWire(const Timetable& timetable, const Itinerary& it,
                                const ItineraryQuery& q) {
  schemas::AirItinerary out{.departs_at = it.departs(),
                            .arrives_at = it.arrives(),
                            .price = static_cast<double>(it.price_cents) / 100,
                            .currency = "BRL",
                            .legs = {}};
  for (std::size_t i = 0; i < it.legs.size(); ++i) {
    const Leg& leg = it.legs[i];
    const Fare* fare = FareFor(timetable, leg, q.cabin, q.fare_class);
    out.legs.push_back({.leg_id = leg.id,
                        .airline = leg.airline,
                        .flight = leg.number,
                        .from = leg.from,
                        .to = leg.to,
                        .aircraft = leg.aircraft,
                        .fare_class = fare ? fare->fare_class : "",
                        .departs_at = leg.departs,
                        .arrives_at = leg.arrives,
                        .price = fare ? static_cast<double>(fare->price_cents) / 100 : 0,
                        .seats_left = i < it.seats_left.size() ? it.seats_left[i] : 0});
  }
  return out;
}

}  // namespace

Result<schemas::AirPlanResult> AnswerPlan(const Timetable& timetable,
                                          const schemas::AirPlanRequest& request, Time now,
                                          const SeatsLeft& seats_left) {
  if (request.depart_after < now - kPastDepartureGraceS) {
    return Fail(Errc::kInvalidRequest,
                "depart_after " + FormatTime(request.depart_after) +
                    " is in the past: ask for a departure from now on",
                "depart_after");
  }
  ItineraryQuery q{.from = request.from,
                   .to = request.to,
                   .depart_after = std::max(request.depart_after, now),
                   .cabin = request.cabin,
                   .fare_class = request.fare_class,
                   .passengers = static_cast<int>(request.passengers),
                   .alternatives = static_cast<int>(request.alternatives),
                   .prefer = request.prefer};
  auto legs = timetable.LegsDeparting(q.depart_after, q.depart_after + q.horizon_s);
  auto found = PlanItineraries(timetable, legs, q, seats_left);
  if (!found) return tl::unexpected<Error>(found.error());
  schemas::AirPlanResult result{.request_id = request.request_id, .itineraries = {}};
  for (const auto& it : *found) result.itineraries.push_back(OnTheWire(timetable, it, q));
  return result;
}

}  // namespace tripmesh::air
