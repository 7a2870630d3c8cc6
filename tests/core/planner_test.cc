#include "tripmesh/core/planner.h"

#include <gtest/gtest.h>

#include "testing.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::core {
namespace {

class PlannerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = &tripmesh::testing::DefaultWorld(); }

  static PlanContext OnlyCompany(const std::string& company) {
    PlanContext ctx;
    ctx.station_allowed = [company](const schemas::Station& s) { return s.company == company; };
    ctx.earliest_start = [](const schemas::Station&, const schemas::Point&, Time from, Time) {
      return from;
    };
    return ctx;
  }
  static schemas::PlanRequest Trip(const char* from, const char* to, double soc) {
    schemas::PlanRequest r;
    r.from = from;
    r.to = to;
    r.vehicle = {60, 0.17, soc, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
    return r;
  }
  static const World* world_;
};
const World* PlannerTest::world_ = nullptr;

// The default world is dense enough for a car of 300 km range (51 kWh at
// 0.17 kWh/km) on BR-101, where it once had a gap of 225 km.
TEST_F(PlannerTest, AThreeHundredKmCarDrivesSalvadorToIlheus) {
  auto trip = Trip("salvador-ba", "ilheus-ba", 0.9);
  trip.vehicle.battery_kwh = 51;
  auto plans = PlanTrip(*world_, trip, 0, OnlyCompany("voltpoint"));
  ASSERT_TRUE(plans) << plans.error().message;
  EXPECT_GE(plans->front().stops.size(), 1u);
}

TEST_F(PlannerTest, PlanKeepsEveryLegAboveMinSocAndAddsUp) {
  auto plans = PlanTrip(*world_, Trip("salvador-ba", "vitoria-da-conquista-ba", 0.6), 1000,
                        OnlyCompany("voltpoint"));
  ASSERT_TRUE(plans) << plans.error().message;
  const auto& p = plans->front();
  EXPECT_EQ(p.route.front(), "salvador-ba");
  EXPECT_EQ(p.route.back(), "vitoria-da-conquista-ba");
  EXPECT_FALSE(p.stops.empty());
  EXPECT_GE(p.arrival_soc, 0.10);
  EXPECT_EQ(p.total_duration_s, p.drive_s + p.charge_s + p.wait_s);
  EXPECT_EQ(p.arrive_at - p.depart_at, p.total_duration_s);
  double cost = 0;
  Time last = p.depart_at;
  for (const auto& s : p.stops) {
    EXPECT_EQ(s.company, "voltpoint");
    EXPECT_GE(s.soc_in, 0.10);
    EXPECT_GT(s.soc_out, s.soc_in);
    EXPECT_LE(s.soc_out, 1.0);
    EXPECT_GE(s.start_at, s.arrive_at);
    EXPECT_GT(s.end_at, s.start_at);
    EXPECT_GE(s.arrive_at, last);
    last = s.end_at;
    cost += s.cost;
  }
  EXPECT_NEAR(p.cost, cost, 0.011);
}

TEST_F(PlannerTest, ShortTripWithAFullBatteryNeedsNoStop) {
  auto plans = PlanTrip(*world_, Trip("salvador-ba", "feira-de-santana-ba", 0.9), 0,
                        OnlyCompany("voltpoint"));
  ASSERT_TRUE(plans);
  EXPECT_TRUE(plans->front().stops.empty());
  EXPECT_EQ(plans->front().charge_s, 0);
}

TEST_F(PlannerTest, WaitsWhenThePointIsTaken) {
  PlanContext ctx = OnlyCompany("voltpoint");
  ctx.earliest_start = [](const schemas::Station&, const schemas::Point&, Time from, Time) {
    return from + 1800;
  };
  auto plans = PlanTrip(*world_, Trip("salvador-ba", "vitoria-da-conquista-ba", 0.6), 0, ctx);
  ASSERT_TRUE(plans);
  const auto& p = plans->front();
  EXPECT_EQ(p.wait_s, 1800 * static_cast<Time>(p.stops.size()));
  EXPECT_EQ(p.stops.front().start_at - p.stops.front().arrive_at, 1800);
}

TEST_F(PlannerTest, ConnectorNoStationHasIsUnreachable) {
  auto req = Trip("salvador-ba", "vitoria-da-conquista-ba", 0.5);
  req.vehicle.connectors = {"TESLA_R"};
  auto plans = PlanTrip(*world_, req, 0, OnlyCompany("voltpoint"));
  ASSERT_FALSE(plans);
  EXPECT_EQ(plans.error().code, Errc::kUnreachable);
  EXPECT_NE(plans.error().message.find("no compatible station"), std::string::npos);
}

TEST_F(PlannerTest, UnknownCityIsNamed) {
  auto plans =
      PlanTrip(*world_, Trip("atlantis-ba", "recife-pe", 0.5), 0, OnlyCompany("voltpoint"));
  ASSERT_FALSE(plans);
  EXPECT_EQ(plans.error().code, Errc::kUnknownCity);
  EXPECT_EQ(plans.error().field, "from");
}

TEST_F(PlannerTest, DisconnectedCitiesHaveNoRoute) {
  schemas::Map map;
  map.cities = {{"a-ba", "A", "BA", -12, -38, "America/Bahia", 0},
                {"b-ba", "B", "BA", -12.5, -38, "America/Bahia", 0}};
  auto w = World::Build(map, {});
  ASSERT_TRUE(w);
  auto plans = PlanTrip(*w, Trip("a-ba", "b-ba", 0.5), 0, OnlyCompany("x"));
  ASSERT_FALSE(plans);
  EXPECT_EQ(plans.error().code, Errc::kNoRoute);
}

TEST(ChargeModelTest, TaperMakesTheLastTwentyPercentSlower) {
  Time low = ChargeSeconds(0.2, 0.4, 60, 100);
  Time high = ChargeSeconds(0.8, 1.0, 60, 100);
  EXPECT_NEAR(static_cast<double>(low), 0.2 * 60 / 100 * 3600, 2);
  EXPECT_GT(static_cast<double>(high), 1.5 * static_cast<double>(low));
  EXPECT_EQ(ChargeSeconds(0.5, 0.5, 60, 100), 0);
}

TEST(TariffTest, EachChangeAppliesFromItsTimeAndTheStationsOverridesThePointsOwn) {
  schemas::Station s{.company = "c", .id = "s", .city = "x", .time_zone = "UTC"};
  s.tariff = {.price_per_kwh = 1.0};
  s.points = {{.id = "1", .max_power_kw = 50, .power_type = "DC", .connector = "CHADEMO"},
              {.id = "2",
               .max_power_kw = 150,
               .power_type = "DC",
               .connector = "IEC_62196_T2_COMBO",
               .tariff = schemas::Tariff{.price_per_kwh = 2.0}}};
  s.tariff_changes = {{100, "2", {.price_per_kwh = 3.0}},
                      {200, "", {.price_per_kwh = 4.0}},
                      {300, "1", {.price_per_kwh = 5.0}}};
  auto kwh_price = [&](int point, Time t) { return TariffAt(s, s.points[point], t).price_per_kwh; };
  EXPECT_EQ(kwh_price(0, 99), 1.0);
  EXPECT_EQ(kwh_price(1, 99), 2.0);
  EXPECT_EQ(kwh_price(1, 100), 3.0);
  EXPECT_EQ(kwh_price(0, 150), 1.0);
  EXPECT_EQ(kwh_price(1, 200), 4.0);  // the station's price for every point
  EXPECT_EQ(kwh_price(0, 300), 5.0);
  EXPECT_EQ(kwh_price(1, 300), 4.0);
  EXPECT_DOUBLE_EQ(PriceOf(s, s.points[1], 10, 3600, 250), 40.0);
}

}  // namespace
}  // namespace tripmesh::core
