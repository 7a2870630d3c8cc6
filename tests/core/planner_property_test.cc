// Properties of every plan over many random trips on the default world, and
// the known cases a driver would check by hand.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "testing.h"
#include "tripmesh/core/ledger.h"
#include "tripmesh/core/planner.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::core {
namespace {

class PlannerPropertyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = &tripmesh::testing::DefaultWorld(); }

  static double RoadKm(const std::string& a, const std::string& b) {
    for (const auto& r : world_->roads_from(world_->CityIndex(a))) {
      if (world_->city(r.to).id == b) return r.km;
    }
    return -1;
  }

  // Checks every promise a plan makes; returns a description of the first broken one.
  static std::string Check(const schemas::Plan& p, const schemas::PlanRequest& req) {
    const auto& v = req.vehicle;
    if (p.route.front() != req.from || p.route.back() != req.to) return "route endpoints";
    if (p.total_duration_s != p.drive_s + p.charge_s + p.wait_s)
      return "duration != drive + charge + wait";
    if (p.arrive_at - p.depart_at != p.total_duration_s) return "arrive - depart != duration";
    double km = 0, soc = v.soc, cost = 0;
    Time drive = 0, t = p.depart_at;
    std::size_t next = 0;
    for (std::size_t i = 0; i < p.route.size(); ++i) {
      if (i > 0) {
        double leg = RoadKm(p.route[i - 1], p.route[i]);
        if (leg < 0) return "no road " + p.route[i - 1] + " - " + p.route[i];
        km += leg;
        drive += DriveSeconds(leg);
        t += DriveSeconds(leg);
        soc -= leg * v.consumption_kwh_per_km / v.battery_kwh;
        if (soc < v.min_soc - 1e-6) return "arrives at " + p.route[i] + " below min_soc";
      }
      while (next < p.stops.size() && p.stops[next].city == p.route[i]) {
        const auto& s = p.stops[next++];
        if (std::abs(s.soc_in - soc) > 1e-3) return "soc_in at " + s.station;
        if (s.arrive_at != t) return "arrive_at at " + s.station;
        if (s.start_at < s.arrive_at || s.end_at <= s.start_at) return "times at " + s.station;
        if (s.soc_out <= s.soc_in || s.soc_out > 1.0 + 1e-9) return "soc_out at " + s.station;
        if (std::abs(s.odometer_km - km) > 0.01) return "odometer at " + s.station;
        soc = s.soc_out;
        t = s.end_at;
        cost += s.cost;
      }
    }
    if (next != p.stops.size()) return "stops out of route order";
    if (std::abs(km - p.total_km) > 0.01) return "total_km";
    if (drive != p.drive_s) return "drive_s";
    if (t != p.arrive_at) return "arrive_at";
    if (std::abs(cost - p.cost) > 0.011 * static_cast<double>(p.stops.size() + 1)) return "cost";
    if (std::abs(soc - p.arrival_soc) > 1e-3) return "arrival_soc";
    return "";
  }

  static const World* world_;
};
const World* PlannerPropertyTest::world_ = nullptr;

PlanContext Open() {
  PlanContext ctx;
  ctx.station_allowed = [](const schemas::Station&) { return true; };
  ctx.earliest_start = [](const schemas::Station&, const schemas::Point&, Time from, Time) {
    return from;
  };
  return ctx;
}

TEST_F(PlannerPropertyTest, RandomTripsKeepEveryPromise) {
  std::mt19937 rng(20261123);
  // Points are busy at random: each point has a few bookings over the day.
  std::map<std::string, PointLedger> busy;
  for (const auto& cat : world_->catalogues()) {
    for (const auto& s : cat.stations) {
      for (const auto& p : s.points) {
        auto& l = busy[s.id + "/" + p.id];
        for (int k = 0; k < 4; ++k) {
          Time start = std::uniform_int_distribution<Time>(0, 40 * 3600)(rng);
          (void)l.Add({start, start + std::uniform_int_distribution<Time>(600, 5400)(rng), "x",
                       std::nullopt});
        }
      }
    }
  }
  PlanContext ctx = Open();
  ctx.earliest_start = [&](const schemas::Station& s, const schemas::Point& p, Time from, Time d) {
    return busy[s.id + "/" + p.id].EarliestStart(from, d);
  };
  std::uniform_int_distribution<int> city(0, world_->city_count() - 1);
  int planned = 0, unreachable = 0;
  for (int trip = 0; trip < 300; ++trip) {
    schemas::PlanRequest req;
    req.from = world_->city(city(rng)).id;
    req.to = world_->city(city(rng)).id;
    req.vehicle.battery_kwh = std::uniform_real_distribution<double>(40, 100)(rng);
    req.vehicle.consumption_kwh_per_km = std::uniform_real_distribution<double>(0.13, 0.22)(rng);
    req.vehicle.soc = std::uniform_real_distribution<double>(0.3, 1.0)(rng);
    req.vehicle.connectors = {"IEC_62196_T2_COMBO", "IEC_62196_T2"};
    if (trip % 3 == 0) req.vehicle.max_charge_kw = 50;
    req.alternatives = 3;
    Time depart = std::uniform_int_distribution<Time>(0, 20 * 3600)(rng);
    req.prefer = schemas::Prefer::kFastest;
    auto fastest = PlanTrip(*world_, req, depart, ctx);
    req.prefer = schemas::Prefer::kCheapest;
    auto cheapest = PlanTrip(*world_, req, depart, ctx);
    ASSERT_EQ(fastest.has_value(), cheapest.has_value()) << req.from << " -> " << req.to;
    if (!fastest) {
      EXPECT_EQ(fastest.error().code, Errc::kUnreachable) << fastest.error().message;
      ++unreachable;
      continue;
    }
    ++planned;
    std::set<std::string> distinct;
    for (const auto* plans : {&*fastest, &*cheapest}) {
      for (const auto& p : *plans) {
        req.depart_at = depart;
        std::string broken = Check(p, req);
        EXPECT_EQ(broken, "") << req.from << " -> " << req.to << " plan " << p.total_km << " km";
      }
    }
    for (const auto& p : *fastest) {
      std::string sig;
      for (const auto& c : p.route) sig += c + ">";
      for (const auto& s : p.stops) sig += s.station + ";";
      EXPECT_TRUE(distinct.insert(sig).second) << "the same plan twice";
    }
    EXPECT_LE(fastest->front().total_duration_s, cheapest->front().total_duration_s)
        << req.from << " -> " << req.to;
    EXPECT_LE(cheapest->front().cost, fastest->front().cost) << req.from << " -> " << req.to;
    for (std::size_t i = 1; i < fastest->size(); ++i) {
      EXPECT_LE((*fastest)[i - 1].total_duration_s, (*fastest)[i].total_duration_s);
    }
  }
  EXPECT_GT(planned, 200);  // most trips of the region are drivable with charging
  RecordProperty("planned", planned);
  RecordProperty("unreachable", unreachable);
}

TEST_F(PlannerPropertyTest, LongRangeCarGoesFromSalvadorToAracajuWithoutStopping) {
  schemas::PlanRequest req;
  req.from = "salvador-ba";
  req.to = "aracaju-se";
  req.vehicle = {100, 0.17, 0.9, 0.10, std::nullopt, {"IEC_62196_T2_COMBO"}};  // ~530 km of range
  auto plans = PlanTrip(*world_, req, 0, Open());
  ASSERT_TRUE(plans) << plans.error().message;
  const auto& p = plans->front();
  EXPECT_TRUE(p.stops.empty());
  EXPECT_NEAR(p.total_km, 356, 1);
  EXPECT_EQ(p.charge_s, 0);
  EXPECT_NEAR(p.arrival_soc, 0.9 - 356 * 0.17 / 100, 0.001);
}

TEST_F(PlannerPropertyTest, ThreeHundredKmCarFromSalvadorToFortalezaStopsAtSeveralCompanies) {
  schemas::PlanRequest req;
  req.from = "salvador-ba";
  req.to = "fortaleza-ce";
  req.vehicle = {50,   0.165,        1.0,
                 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};  // 303 km
  auto plans = PlanTrip(*world_, req, 0, Open());
  ASSERT_TRUE(plans) << plans.error().message;
  const auto& p = plans->front();
  std::set<std::string> companies;
  for (const auto& s : p.stops) companies.insert(s.company);
  EXPECT_GE(p.stops.size(), 4u);
  EXPECT_EQ(companies.size(), 3u);  // VoltPoint in Bahia, EcoCharge in Pernambuco, E-Flux in Ceará
  EXPECT_GT(p.total_km, 1200);
  EXPECT_LT(p.total_km, 1700);
  EXPECT_EQ(Check(p, req), "");
}

TEST_F(PlannerPropertyTest, ChargingStopsChargeOnlyWhatTheNextLegsNeed) {
  schemas::PlanRequest req;
  req.from = "salvador-ba";
  req.to = "fortaleza-ce";
  req.vehicle = {50, 0.165, 1.0, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
  auto plans = PlanTrip(*world_, req, 0, Open());
  ASSERT_TRUE(plans);
  const auto& p = plans->front();
  // Each stop leaves just enough for the stretch to the next stop (plus the margin).
  for (std::size_t i = 0; i < p.stops.size(); ++i) {
    double next_km =
        (i + 1 < p.stops.size() ? p.stops[i + 1].odometer_km : p.total_km) - p.stops[i].odometer_km;
    double needed = next_km * 0.165 / 50 + 0.10 + kArrivalMargin;
    EXPECT_LE(p.stops[i].soc_out, std::min(1.0, needed) + 0.011) << p.stops[i].station;
    EXPECT_LT(p.stops[i].soc_out, 1.0)
        << "no stop needs a full battery here: " << p.stops[i].station;
  }
  EXPECT_LE(p.arrival_soc, 0.10 + kArrivalMargin + 0.011);
  EXPECT_EQ(Check(p, req), "");
}

TEST_F(PlannerPropertyTest, CheapestAvoidsTheDearCompanyWhenItCan) {
  schemas::PlanRequest req;
  req.from = "salvador-ba";
  req.to = "fortaleza-ce";
  req.vehicle = {60, 0.17, 1.0, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
  req.prefer = schemas::Prefer::kCheapest;
  auto cheap = PlanTrip(*world_, req, 0, Open());
  req.prefer = schemas::Prefer::kFastest;
  auto fast = PlanTrip(*world_, req, 0, Open());
  ASSERT_TRUE(cheap && fast);
  EXPECT_LE(cheap->front().cost, fast->front().cost);
  EXPECT_LE(fast->front().total_duration_s, cheap->front().total_duration_s);
}

}  // namespace
}  // namespace tripmesh::core
