// The air profile's planner: hand-made timetables for each rule, then random
// small timetables where a brute-force search over every chain of legs must
// never beat it, and every itinerary it gives must respect connection times
// and seats.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "tripmesh/air/planner.h"

namespace tripmesh::air {
namespace {

constexpr Time kMonday = 1799020800;  // 2027-01-04T00:00:00Z

Airline TestAirline(const std::string& id) {
  Airline a{.id = id, .designator = id.substr(0, 2), .aircraft = {}, .fare_classes = {}};
  a.aircraft["E195"] = {"E195",
                        {{Cabin::kBusiness, 1, 3, "ACDF"}, {Cabin::kEconomy, 4, 30, "ACDF"}}};
  a.fare_classes = {
      {"E", Cabin::kEconomy, false}, {"Y", Cabin::kEconomy, true}, {"J", Cabin::kBusiness, true}};
  return a;
}

WeeklyFlight Flight(const std::string& airline, const std::string& number, const std::string& from,
                    const std::string& to, int departs_min, int block_min, std::int64_t price) {
  return {airline,
          number,
          from,
          to,
          {1, 2, 3, 4, 5, 6, 7},
          departs_min,
          block_min,
          "E195",
          {{"E", price}, {"J", 3 * price}}};
}

std::vector<Airport> Airports(const std::vector<std::string>& codes, int mct = 45) {
  std::vector<Airport> out;
  for (const auto& c : codes) out.push_back({c, "UTC", 0, mct});
  return out;
}

ItineraryQuery Query(const std::string& from, const std::string& to, Prefer prefer) {
  ItineraryQuery q;
  q.from = from;
  q.to = to;
  q.depart_after = kMonday;
  q.horizon_s = kDayS;
  q.prefer = prefer;
  return q;
}

SeatsLeft AllFree(const Timetable& t) {
  return [&t](const Leg& leg, Cabin cabin) { return t.AircraftOf(leg)->SeatsIn(cabin); };
}

std::vector<std::string> Numbers(const Itinerary& it) {
  std::vector<std::string> out;
  for (const auto& l : it.legs) out.push_back(l.number);
  return out;
}

TEST(AirPlannerTest, AConnectionShorterThanTheAirportsMinimumIsNotMade) {
  // X1 lands at B at 08:00; Y1 leaves at 08:30 (30 min < 45), Y2 at 09:00.
  Timetable t(Airports({"A", "B", "C"}), {TestAirline("xx"), TestAirline("yy")},
              {Flight("xx", "X1", "A", "B", 6 * 60, 120, 10000),
               Flight("yy", "Y1", "B", "C", 8 * 60 + 30, 60, 10000),
               Flight("yy", "Y2", "B", "C", 9 * 60, 60, 10000)});
  auto legs = t.LegsDeparting(kMonday, kMonday + kDayS);
  auto plans = PlanItineraries(t, legs, Query("A", "C", Prefer::kEarliestArrival), AllFree(t));
  ASSERT_TRUE(plans) << plans.error().message;
  EXPECT_EQ(Numbers(plans->front()), (std::vector<std::string>{"X1", "Y2"}));
  EXPECT_EQ(plans->front().legs[1].id, "Y2-2027-01-04");
  EXPECT_EQ(plans->front().price_cents, 20000);
}

TEST(AirPlannerTest, EarliestCheapestAndFewestLegsEachFindTheirOwn) {
  Timetable t(Airports({"A", "B", "C", "D"}), {TestAirline("xx"), TestAirline("yy")},
              {Flight("xx", "FAST1", "A", "B", 6 * 60, 60, 30000),       // arrives 07:00
               Flight("xx", "FAST2", "B", "D", 8 * 60, 60, 30000),       // arrives 09:00
               Flight("yy", "CHEAP1", "A", "C", 6 * 60, 60, 5000),       // arrives 07:00
               Flight("yy", "CHEAP2", "C", "B", 8 * 60, 60, 5000),       // arrives 09:00
               Flight("xx", "CHEAP3", "B", "D", 11 * 60, 60, 5000),      // arrives 12:00
               Flight("yy", "DIRECT", "A", "D", 14 * 60, 180, 90000)});  // arrives 17:00
  auto legs = t.LegsDeparting(kMonday, kMonday + kDayS);
  auto first = [&](Prefer p) {
    auto plans = PlanItineraries(t, legs, Query("A", "D", p), AllFree(t));
    EXPECT_TRUE(plans);
    return plans ? Numbers(plans->front()) : std::vector<std::string>{};
  };
  EXPECT_EQ(first(Prefer::kEarliestArrival), (std::vector<std::string>{"FAST1", "FAST2"}));
  EXPECT_EQ(first(Prefer::kCheapest), (std::vector<std::string>{"CHEAP1", "CHEAP2", "CHEAP3"}));
  EXPECT_EQ(first(Prefer::kFewestLegs), (std::vector<std::string>{"DIRECT"}));
}

TEST(AirPlannerTest, LegsWithoutEnoughSeatsAreLeftOutAndSeatsLeftAreShown) {
  Timetable t(Airports({"A", "B"}), {TestAirline("xx")},
              {Flight("xx", "X1", "A", "B", 6 * 60, 60, 10000),
               Flight("xx", "X2", "A", "B", 9 * 60, 60, 10000)});
  auto legs = t.LegsDeparting(kMonday, kMonday + kDayS);
  SeatsLeft seats = [](const Leg& leg, Cabin) { return leg.number == "X1" ? 1 : 7; };
  auto q = Query("A", "B", Prefer::kEarliestArrival);
  q.passengers = 2;
  auto plans = PlanItineraries(t, legs, q, seats);
  ASSERT_TRUE(plans);
  ASSERT_EQ(plans->size(), 1u);
  EXPECT_EQ(Numbers(plans->front()), (std::vector<std::string>{"X2"}));
  EXPECT_EQ(plans->front().seats_left, (std::vector<int>{7}));
  q.passengers = 8;
  auto none = PlanItineraries(t, legs, q, seats);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kNoRoute);
}

TEST(AirPlannerTest, BusinessIsPricedInItsCabinAndBadQueriesAreRefused) {
  Timetable t(Airports({"A", "B"}), {TestAirline("xx")},
              {Flight("xx", "X1", "A", "B", 6 * 60, 60, 10000)});
  auto legs = t.LegsDeparting(kMonday, kMonday + kDayS);
  auto q = Query("A", "B", Prefer::kCheapest);
  q.cabin = Cabin::kBusiness;
  q.fare_class = "J";
  auto plans = PlanItineraries(t, legs, q, AllFree(t));
  ASSERT_TRUE(plans);
  EXPECT_EQ(plans->front().price_cents, 30000);
  EXPECT_EQ(plans->front().seats_left, (std::vector<int>{12}));
  auto bad = [&](ItineraryQuery b, const std::string& field) {
    auto r = PlanItineraries(t, legs, b, AllFree(t));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalidRequest);
    EXPECT_EQ(r.error().field, field);
  };
  auto unknown = q;
  unknown.to = "ZZZ";
  bad(unknown, "to");
  auto same = q;
  same.to = "A";
  bad(same, "to");
  auto nobody = q;
  nobody.passengers = 0;
  bad(nobody, "passengers");
}

TEST(AirPlannerTest, ADatedLegTakesTheOriginsLocalDateAndWeekdays) {
  // 23:30 local at UTC-3 on Monday is 02:30Z on Tuesday; the flight flies Mondays only.
  std::vector<Airport> airports = {{"REC", "America/Recife", -180, 60},
                                   {"MAO", "America/Manaus", -240, 60}};
  WeeklyFlight f = Flight("xx", "X9", "REC", "MAO", 23 * 60 + 30, 240, 10000);
  f.days = {1};
  Timetable t(airports, {TestAirline("xx")}, {f});
  auto legs = t.LegsDeparting(kMonday, kMonday + 7 * kDayS);
  ASSERT_EQ(legs.size(), 1u);
  EXPECT_EQ(legs[0].id, "X9-2027-01-04");
  EXPECT_EQ(FormatTime(legs[0].departs), "2027-01-05T02:30:00Z");
  EXPECT_EQ(FormatTime(legs[0].arrives), "2027-01-05T06:30:00Z");
}

// Every chain of legs from `from` to `to` (brute force, up to five legs).
void Chains(const Timetable& t, const std::vector<Leg>& legs, const ItineraryQuery& q,
            const SeatsLeft& seats, std::vector<int>& chain, std::vector<std::vector<int>>& out) {
  const Leg* last = chain.empty() ? nullptr : &legs[static_cast<std::size_t>(chain.back())];
  if (last && last->to == q.to) {
    out.push_back(chain);
    return;
  }
  if (chain.size() == 5) return;
  for (int i = 0; i < static_cast<int>(legs.size()); ++i) {
    const Leg& l = legs[static_cast<std::size_t>(i)];
    if (seats(l, q.cabin) < q.passengers || l.departs < q.depart_after ||
        l.departs >= q.depart_after + q.horizon_s)
      continue;
    if (!last && l.from != q.from) continue;
    if (last && (l.from != last->to ||
                 l.departs < last->arrives + t.FindAirport(l.from)->min_connection_min * kMinuteS))
      continue;
    chain.push_back(i);
    Chains(t, legs, q, seats, chain, out);
    chain.pop_back();
  }
}

// The order the planner promises, the preference first.
std::array<std::int64_t, 3> Ordered(Prefer prefer, Time arrives, std::int64_t legs,
                                    std::int64_t price) {
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

std::array<std::int64_t, 3> KeyOfChain(const Timetable& t, const std::vector<Leg>& legs,
                                       const std::vector<int>& chain, const ItineraryQuery& q) {
  std::int64_t price = 0;
  for (int i : chain) price += PriceOf(t, legs[static_cast<std::size_t>(i)], q.cabin, q.fare_class);
  return Ordered(q.prefer, legs[static_cast<std::size_t>(chain.back())].arrives,
                 static_cast<std::int64_t>(chain.size()), price);
}

std::array<std::int64_t, 3> KeyOfItinerary(const Itinerary& it, Prefer prefer) {
  return Ordered(prefer, it.arrives(), static_cast<std::int64_t>(it.legs.size()), it.price_cents);
}

// Connections, seats and the chain itself, as a passenger would check them.
void ExpectValid(const Timetable& t, const Itinerary& it, const ItineraryQuery& q,
                 const SeatsLeft& seats) {
  ASSERT_FALSE(it.legs.empty());
  EXPECT_EQ(it.legs.front().from, q.from);
  EXPECT_EQ(it.legs.back().to, q.to);
  EXPECT_GE(it.departs(), q.depart_after);
  for (std::size_t i = 0; i < it.legs.size(); ++i) {
    EXPECT_GE(seats(it.legs[i], q.cabin), q.passengers);
    EXPECT_EQ(it.seats_left[i], seats(it.legs[i], q.cabin));
    if (i == 0) continue;
    EXPECT_EQ(it.legs[i].from, it.legs[i - 1].to);
    EXPECT_GE(
        it.legs[i].departs,
        it.legs[i - 1].arrives + t.FindAirport(it.legs[i].from)->min_connection_min * kMinuteS);
  }
}

TEST(AirPlannerTest, NeverBeatenByABruteForceSearchOnRandomTimetables) {
  std::vector<std::string> codes = {"A", "B", "C", "D", "E"};
  int compared = 0, unreachable = 0;
  for (unsigned seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    std::vector<Airport> airports;
    for (const auto& c : codes) airports.push_back({c, "UTC", 0, 15 * (1 + pick(4))});
    std::vector<WeeklyFlight> flights;
    for (int f = 0; f < 14; ++f) {
      int a = pick(5), b = pick(4);
      if (b >= a) ++b;
      flights.push_back(Flight(f % 2 ? "xx" : "yy", "F" + std::to_string(f), codes[a], codes[b],
                               5 * 60 + 10 * pick(90), 30 + 5 * pick(30), 1000 * (1 + pick(20))));
    }
    Timetable t(airports, {TestAirline("xx"), TestAirline("yy")}, flights);
    auto legs = t.LegsDeparting(kMonday, kMonday + kDayS);
    SeatsLeft seats = [&](const Leg& leg, Cabin) {
      return static_cast<int>(std::hash<std::string>{}(leg.id + std::to_string(seed)) % 4);
    };
    for (Prefer prefer : {Prefer::kEarliestArrival, Prefer::kCheapest, Prefer::kFewestLegs}) {
      auto q = Query("A", "E", prefer);
      q.passengers = 1 + static_cast<int>(seed % 2);
      std::vector<int> chain;
      std::vector<std::vector<int>> all;
      Chains(t, legs, q, seats, chain, all);
      auto plans = PlanItineraries(t, legs, q, seats);
      if (all.empty()) {
        EXPECT_FALSE(plans) << "seed " << seed;
        ++unreachable;
        continue;
      }
      ASSERT_TRUE(plans) << "seed " << seed << ": " << plans.error().message;
      auto best = KeyOfChain(t, legs, all.front(), q);
      for (const auto& c : all) best = std::min(best, KeyOfChain(t, legs, c, q));
      EXPECT_EQ(KeyOfItinerary(plans->front(), prefer), best) << "seed " << seed;
      std::set<std::string> last_legs;
      for (std::size_t i = 0; i < plans->size(); ++i) {
        ExpectValid(t, (*plans)[i], q, seats);
        EXPECT_TRUE(last_legs.insert((*plans)[i].legs.back().id).second) << "seed " << seed;
        if (i > 0) {
          EXPECT_LE(KeyOfItinerary((*plans)[i - 1], prefer), KeyOfItinerary((*plans)[i], prefer));
        }
      }
      ++compared;
    }
  }
  // The random timetables must exercise both outcomes.
  EXPECT_GT(compared, 200);
  EXPECT_GT(unreachable, 20);
}

}  // namespace
}  // namespace tripmesh::air
