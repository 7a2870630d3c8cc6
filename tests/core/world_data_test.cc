// The default world in data/: what a driver relies on.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "testing.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::core {
namespace {

struct Box {
  double lat_min, lat_max, lon_min, lon_max;
};

// Bounding boxes of the states (mainland), generous by a few hundredths of a degree.
const std::map<std::string, Box> kStates = {
    {"BA", {-18.40, -8.50, -46.65, -37.30}}, {"CE", {-7.90, -2.75, -41.45, -37.20}},
    {"PE", {-9.50, -7.25, -41.40, -34.80}},  {"SE", {-11.60, -9.50, -38.25, -36.35}},
    {"AL", {-10.55, -8.80, -38.25, -35.15}}, {"PB", {-8.35, -6.00, -38.80, -34.75}},
    {"RN", {-7.00, -4.80, -38.60, -34.95}},  {"PI", {-10.95, -2.70, -45.99, -40.35}},
};

class WorldDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = &tripmesh::testing::DefaultWorld(); }
  static const World* world_;
};
const World* WorldDataTest::world_ = nullptr;

TEST_F(WorldDataTest, MapIsLargeAndConnected) {
  EXPECT_GE(world_->city_count(), 60);
  EXPECT_EQ(world_->ComponentCount(), 1);
  EXPECT_GE(world_->road_count(), 100u);
}

TEST_F(WorldDataTest, CitiesLieInsideTheirState) {
  for (int i = 0; i < world_->city_count(); ++i) {
    const auto& c = world_->city(i);
    auto box = kStates.find(c.state);
    ASSERT_NE(box, kStates.end()) << c.id;
    EXPECT_TRUE(c.lat >= box->second.lat_min && c.lat <= box->second.lat_max &&
                c.lon >= box->second.lon_min && c.lon <= box->second.lon_max)
        << c.id << " at " << c.lat << "," << c.lon;
    EXPECT_FALSE(c.time_zone.empty()) << c.id;
  }
}

TEST_F(WorldDataTest, RoadsAreSymmetricAndNoShorterThanTheGreatCircle) {
  for (int a = 0; a < world_->city_count(); ++a) {
    for (const auto& r : world_->roads_from(a)) {
      const auto &ca = world_->city(a), &cb = world_->city(r.to);
      EXPECT_GE(r.km + 0.5, GreatCircleKm(ca.lat, ca.lon, cb.lat, cb.lon)) << ca.id << "-" << cb.id;
      bool back = false;
      for (const auto& r2 : world_->roads_from(r.to)) back = back || (r2.to == a && r2.km == r.km);
      EXPECT_TRUE(back) << ca.id << "-" << cb.id;
    }
  }
}

// The size of a real regional network: every city of a company's state on the
// map has one of its stations, and its corridors run into the neighbouring
// states (data/gen/coverage.txt).
TEST_F(WorldDataTest, ThreeCompaniesWithEnoughStations) {
  std::map<std::string, std::string> state_of = {
      {"voltpoint", "BA"}, {"eflux", "CE"}, {"ecocharge", "PE"}};
  std::map<std::string, std::set<std::string>> states_of = {{"voltpoint", {"BA", "SE"}},
                                                            {"eflux", {"CE", "RN", "PI"}},
                                                            {"ecocharge", {"PE", "AL", "PB"}}};
  ASSERT_EQ(world_->catalogues().size(), 3u);
  std::set<std::string> station_ids;
  for (const auto& cat : world_->catalogues()) {
    ASSERT_TRUE(state_of.count(cat.info.company)) << cat.info.company;
    EXPECT_EQ(cat.info.state, state_of[cat.info.company]);
    EXPECT_GE(cat.stations.size(), 60u);
    EXPECT_EQ(cat.info.stations, static_cast<int>(cat.stations.size()));
    std::set<std::string> cities;
    bool ac = false, dc = false;
    for (const auto& s : cat.stations) {
      EXPECT_TRUE(station_ids.insert(s.id).second) << s.id;
      int city = world_->CityIndex(s.city);
      ASSERT_GE(city, 0) << s.city;
      EXPECT_TRUE(states_of[cat.info.company].count(world_->city(city).state)) << s.id;
      cities.insert(s.city);
      EXPECT_GE(s.points.size(), 1u);
      EXPECT_LE(s.points.size(), 6u);
      for (const auto& p : s.points) {
        ac = ac || (p.power_type == "AC" && p.max_power_kw >= 7 && p.max_power_kw <= 22);
        dc = dc || (p.power_type == "DC" && p.max_power_kw >= 50);
      }
    }
    for (int c = 0; c < world_->city_count(); ++c) {
      if (world_->city(c).state == cat.info.state) {
        EXPECT_TRUE(cities.count(world_->city(c).id))
            << cat.info.company << " " << world_->city(c).id;
      }
    }
    EXPECT_TRUE(ac && dc) << cat.info.company;
  }
}

}  // namespace
}  // namespace tripmesh::core
