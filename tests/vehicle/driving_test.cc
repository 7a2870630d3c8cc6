// A trip's timeline: the events a driving vehicle publishes, including one at
// each city of its route it passes, at that city's share of the leg's km.
#include "driving.h"

#include <gtest/gtest.h>

namespace tripmesh::vehicle {
namespace {

// a -> b -> c (stop) -> d -> e, 100 km a leg but c -> d, 300 km.
schemas::Plan APlan() {
  schemas::Plan p;
  p.depart_at = 1000;
  p.route = {"a", "b", "c", "d", "e"};
  schemas::Stop s;
  s.station = "st-c";
  s.city = "c";
  s.arrive_at = 3000;
  s.start_at = 3000;
  s.end_at = 4000;
  s.soc_in = 0.4;
  s.soc_out = 0.8;
  p.stops.push_back(s);
  p.arrive_at = 8000;
  p.arrival_soc = 0.2;
  return p;
}

double Km(const std::string& a, const std::string& b) { return a == "c" && b == "d" ? 300 : 100; }

TEST(DrivingTest, AVehiclePassesEachCityOfItsRouteAtItsShareOfTheLeg) {
  auto events = Timeline("car", APlan(), "a", "e", 0.6, std::nullopt, Km);
  std::vector<std::string> seen;
  for (const auto& e : events) seen.push_back(e.telemetry.city + ":" + e.telemetry.state);
  EXPECT_EQ(seen, (std::vector<std::string>{"a:driving", "b:driving", "c:charging", "c:driving",
                                            "d:driving", "e:parked"}));
  // b halfway from a (t 1000, soc 0.6) to c (t 3000, soc 0.4).
  EXPECT_EQ(events[1].telemetry.timestamp, 2000);
  EXPECT_NEAR(events[1].telemetry.soc, 0.5, 1e-9);
  // d three quarters of the way from c (t 4000) to e (t 8000).
  EXPECT_EQ(events[4].telemetry.timestamp, 7000);
  EXPECT_NEAR(events[4].telemetry.soc, 0.8 - 0.75 * 0.6, 1e-9);
  EXPECT_EQ(events[2].checkin_station, "st-c");
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_LE(events[i - 1].telemetry.timestamp, events[i].telemetry.timestamp);
  }
}

TEST(DrivingTest, WithoutRoadKmOnlyChangesOfStateArePublished) {
  auto events = Timeline("car", APlan(), "a", "e", 0.6);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].telemetry.state, "charging");
}

TEST(DrivingTest, ASkippedStopIsDrivenPastWithoutACheckIn) {
  auto events = Timeline("car", APlan(), "a", "e", 0.6, 0, Km);
  for (const auto& e : events) {
    EXPECT_NE(e.telemetry.state, "charging");
    EXPECT_TRUE(e.checkin_station.empty());
  }
  EXPECT_EQ(events.back().telemetry.state, "parked");
}

}  // namespace
}  // namespace tripmesh::vehicle
