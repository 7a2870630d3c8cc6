// Itineraries through the timetable: a scan of the legs in order of departure
// (the Connection Scan Algorithm), keeping for each leg the best way to be on
// it, so that connections respect each airport's minimum connection time and
// only legs with enough seats are used.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tripmesh/air/timetable.h"
#include "tripmesh/base/result.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::air {

using Prefer = schemas::AirPrefer;

struct ItineraryQuery {
  std::string from, to;
  Time depart_after = 0;
  Time horizon_s = 2 * kDayS;  // legs departing later than depart_after + horizon are not used
  Cabin cabin = Cabin::kEconomy;
  std::string fare_class = "E";  // priced in this class where the leg sells it
  int passengers = 1;
  int alternatives = 3;
  Prefer prefer = Prefer::kEarliestArrival;
};

struct Itinerary {
  std::vector<Leg> legs;
  std::vector<int> seats_left;   // per leg, in the query's cabin
  std::int64_t price_cents = 0;  // per passenger
  Time departs() const { return legs.front().departs; }
  Time arrives() const { return legs.back().arrives; }
};

// Seats still free on `leg` in `cabin` (the reservation book's answer).
using SeatsLeft = std::function<int(const Leg& leg, Cabin cabin)>;

// The best itineraries first, at most `alternatives`, each ending on a
// different last leg. Errors: invalid_request (unknown airport, same airport,
// no passengers), no_route (nothing reaches `to` within the horizon with
// enough seats).
Result<std::vector<Itinerary>> PlanItineraries(const Timetable& timetable,
                                               const std::vector<Leg>& legs,
                                               const ItineraryQuery& query,
                                               const SeatsLeft& seats_left);

// The price of `leg` in `fare_class`, or the cheapest fare of the cabin when
// the leg does not sell that class; -1 when the leg has no fare in the cabin.
std::int64_t PriceOf(const Timetable& timetable, const Leg& leg, Cabin cabin,
                     const std::string& fare_class);

}  // namespace tripmesh::air
