#include "tripmesh/air/planner.h"

#include <algorithm>
#include <array>
#include <map>
#include <tuple>

#include "tripmesh/air/plan_answer.h"

namespace tripmesh::air {

std::int64_t PriceOf(const Timetable& timetable, const Leg& leg, Cabin cabin,
                     const std::string& fare_class) {
  const Fare* fare = FareFor(timetable, leg, cabin, fare_class);
  return fare ? fare->price_cents : -1;
}

namespace {

using Key = std::array<std::int64_t, 3>;  // compared in order: the preference first

// The best known way to be on one leg.
struct Label {
  bool reached = false;
  int prev = -1;  // the leg before it, or -1 when it leaves from the origin
  int legs = 0;
  std::int64_t price = 0;
};

Key KeyOf(Prefer prefer, Time arrives, int legs, std::int64_t price) {
  switch (prefer) {
    case Prefer::kCheapest:
      return {price, arrives, legs};
    case Prefer::kFewestLegs:
      return {legs, arrives, price};
    case Prefer::kEarliestArrival:
      break;
  }
  return {arrives, legs, price};
}

Status Validate(const Timetable& timetable, const ItineraryQuery& q) {
  if (!timetable.FindAirport(q.from))
    return Fail(Errc::kInvalidRequest, "unknown airport " + q.from.substr(0, 16), "from");
  if (!timetable.FindAirport(q.to))
    return Fail(Errc::kInvalidRequest, "unknown airport " + q.to.substr(0, 16), "to");
  if (q.from == q.to) return Fail(Errc::kInvalidRequest, "from and to are the same airport", "to");
  if (q.passengers < 1 || q.passengers > 9)
    return Fail(Errc::kInvalidRequest, "passengers must be 1 to 9", "passengers");
  if (q.alternatives < 1 || q.alternatives > 10)
    return Fail(Errc::kInvalidRequest, "alternatives must be 1 to 10", "alternatives");
  return {};
}

class Scan {
 public:
  Scan(const Timetable& timetable, const std::vector<Leg>& legs, const ItineraryQuery& q,
       const SeatsLeft& seats_left)
      : timetable_(timetable), legs_(legs), q_(q), seats_left_(seats_left), labels_(legs.size()) {}

  // Legs in order of departure: every leg that can come before a leg departs
  // earlier, so its label is final when that leg is reached.
  std::vector<int> Run() {
    std::vector<int> at_destination;
    for (int i = 0; i < static_cast<int>(legs_.size()); ++i) {
      const Leg& leg = legs_[static_cast<std::size_t>(i)];
      std::int64_t price = PriceOf(timetable_, leg, q_.cabin, q_.fare_class);
      if (!Usable(leg, price)) continue;
      Label best = BestWayOnto(leg, price);
      if (!best.reached) continue;
      labels_[static_cast<std::size_t>(i)] = best;
      if (leg.to == q_.to) {
        at_destination.push_back(i);
      } else if (leg.to != q_.from) {
        arrived_[leg.to].push_back(i);
      }
    }
    std::sort(at_destination.begin(), at_destination.end(),
              [&](int a, int b) { return KeyAt(a) < KeyAt(b); });
    return at_destination;
  }

  Itinerary Build(int last) const {
    Itinerary it;
    for (int i = last; i >= 0; i = Of(i).prev)
      it.legs.push_back(legs_[static_cast<std::size_t>(i)]);
    std::reverse(it.legs.begin(), it.legs.end());
    for (const auto& leg : it.legs) it.seats_left.push_back(seats_left_(leg, q_.cabin));
    it.price_cents = Of(last).price;
    return it;
  }

 private:
  const Label& Of(int i) const { return labels_[static_cast<std::size_t>(i)]; }
  Key KeyAt(int i) const {
    return KeyOf(q_.prefer, legs_[static_cast<std::size_t>(i)].arrives, Of(i).legs, Of(i).price);
  }

  // In the window, not from the destination, sold in the cabin, with seats.
  bool Usable(const Leg& leg, std::int64_t price) const {
    return leg.departs >= q_.depart_after && leg.departs < q_.depart_after + q_.horizon_s &&
           leg.from != q_.to && price >= 0 && seats_left_(leg, q_.cabin) >= q_.passengers;
  }

  Label BestWayOnto(const Leg& leg, std::int64_t price) const {
    Label best;
    auto consider = [&](int prev, int legs, std::int64_t total) {
      if (!best.reached || KeyOf(q_.prefer, leg.arrives, legs, total) <
                               KeyOf(q_.prefer, leg.arrives, best.legs, best.price))
        best = {true, prev, legs, total};
    };
    if (leg.from == q_.from) consider(-1, 1, price);
    auto arrivals = arrived_.find(leg.from);
    if (arrivals == arrived_.end()) return best;
    const Airport* here = timetable_.FindAirport(leg.from);
    Time connection = Time{here ? here->min_connection_min : 0} * kMinuteS;
    for (int j : arrivals->second) {
      const Leg& before = legs_[static_cast<std::size_t>(j)];
      if (before.arrives + connection > leg.departs) continue;
      consider(j, Of(j).legs + 1, Of(j).price + price);
    }
    return best;
  }

  const Timetable& timetable_;
  const std::vector<Leg>& legs_;
  const ItineraryQuery& q_;
  const SeatsLeft& seats_left_;
  std::vector<Label> labels_;
  std::map<std::string, std::vector<int>> arrived_;  // airport -> legs that reached it
};

}  // namespace

Result<std::vector<Itinerary>> PlanItineraries(const Timetable& timetable,
                                               const std::vector<Leg>& legs,
                                               const ItineraryQuery& query,
                                               const SeatsLeft& seats_left) {
  if (auto st = Validate(timetable, query); !st) return tl::unexpected<Error>(st.error());
  Scan scan(timetable, legs, query, seats_left);
  std::vector<Itinerary> out;
  for (int last : scan.Run()) {
    if (static_cast<int>(out.size()) == query.alternatives) break;
    out.push_back(scan.Build(last));
  }
  if (out.empty()) {
    return Fail(Errc::kNoRoute, "no flights from " + query.from + " reach " + query.to +
                                    " within the horizon with enough seats");
  }
  return out;
}

}  // namespace tripmesh::air
