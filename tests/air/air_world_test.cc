// The committed air world (data/air) loaded as the agents will load it, and
// planned on: a trip that only three airlines together can fly.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "testing.h"
#include "tripmesh/air/planner.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::air {
namespace {

constexpr Time kMonday = 1799020800;  // 2027-01-04T00:00:00Z

Result<Timetable> LoadAir() {
  return worldfiles::LoadAirWorld(
      tripmesh::testing::DataDir() + "/air",
      [](const std::string& zone) { return runtime::OffsetAt(zone, kMonday).utc_offset_s / 60; });
}

TEST(AirWorldTest, BelemToNatalTakesTucanoSabiaAndJangadaWithTheirConnectionTimes) {
  auto t = LoadAir();
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_NE(t->FindAirport("MAO"), nullptr);
  EXPECT_EQ(t->FindAirport("MAO")->utc_offset_min, -240);
  EXPECT_EQ(t->FindAirport("RBR")->utc_offset_min, -300);
  auto legs = t->LegsDeparting(kMonday, kMonday + 3 * kDayS);
  ASSERT_GT(legs.size(), 500u);
  SeatsLeft all_free = [&](const Leg& leg, Cabin cabin) {
    return t->AircraftOf(leg)->SeatsIn(cabin);
  };
  ItineraryQuery q;
  q.from = "BEL";
  q.to = "NAT";
  q.depart_after = kMonday + 8 * kHourS;  // 05:00 in Belém
  for (Prefer prefer : {Prefer::kEarliestArrival, Prefer::kCheapest, Prefer::kFewestLegs}) {
    q.prefer = prefer;
    auto plans = PlanItineraries(*t, legs, q, all_free);
    ASSERT_TRUE(plans) << plans.error().message;
    EXPECT_EQ(plans->size(), 3u);
    std::string legs_of_first;
    for (const auto& l : plans->front().legs)
      legs_of_first += " " + l.number + " " + l.from + "-" + l.to + " " + FormatTime(l.departs);
    std::cout << "prefer " << static_cast<int>(prefer) << ":" << legs_of_first << ", "
              << plans->front().price_cents / 100 << " BRL\n";
    for (const auto& it : *plans) {
      std::set<std::string> airlines;
      for (std::size_t i = 0; i < it.legs.size(); ++i) {
        airlines.insert(it.legs[i].airline);
        EXPECT_GT(it.seats_left[i], 0);
        if (i == 0) continue;
        EXPECT_EQ(it.legs[i].from, it.legs[i - 1].to);
        EXPECT_GE(it.legs[i].departs,
                  it.legs[i - 1].arrives +
                      t->FindAirport(it.legs[i].from)->min_connection_min * kMinuteS);
      }
      EXPECT_EQ(airlines, (std::set<std::string>{"jangada", "sabia", "tucano"}));
    }
  }
}

TEST(AirWorldTest, AFlightOnAnUnknownAircraftIsRefusedWithItsFileAndNumber) {
  std::string dir = tripmesh::testing::NewTempDir("AirWorld");
  std::filesystem::create_directories(dir + "/airlines");
  std::filesystem::copy_file(tripmesh::testing::DataDir() + "/air/airports.json",
                             dir + "/airports.json");
  auto text = worldfiles::ReadFile(tripmesh::testing::DataDir() + "/air/airlines/tucano.json");
  ASSERT_TRUE(text);
  std::string bad = *text;
  auto at = bad.find("\"aircraft\": \"E195\"");
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, 18, "\"aircraft\": \"B747\"");
  std::ofstream(dir + "/airlines/tucano.json") << bad;
  auto t = worldfiles::LoadAirWorld(dir, [](const std::string&) { return -180; });
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("tucano.json: tucano TU"), std::string::npos)
      << t.error().message;
  EXPECT_NE(t.error().message.find("unknown aircraft B747"), std::string::npos);
}

TEST(AirWorldTest, BadAirFilesGetAnErrorNamingTheField) {
  auto field_of = [](const std::string& json) {
    auto t = schemas::Decode<schemas::AirlineTimetable>(json);
    return t ? std::string("accepted") : t.error().field;
  };
  auto text = worldfiles::ReadFile(tripmesh::testing::DataDir() + "/air/airlines/sabia.json");
  ASSERT_TRUE(text);
  ASSERT_EQ(field_of(*text), "accepted");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string bad = *text;
    auto at = bad.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return bad.replace(at, from.size(), to);
  };
  EXPECT_EQ(field_of(with("\"departs\": \"06:", "\"departs\": \"26:")), "flights[0].departs");
  EXPECT_EQ(field_of(with("\"from\": \"GRU\"", "\"from\": \"gru\"")), "flights[0].from");
  EXPECT_EQ(field_of(with("\"days\": [1,", "\"days\": [0,")), "flights[0].days[0]");
  EXPECT_EQ(field_of(with("\"cabin\": \"J\"", "\"cabin\": \"F\"")), "fare_classes[2].cabin");
  EXPECT_EQ(field_of(with("airline.timetable", "company.catalogue")), "type");
  auto map = schemas::Decode<schemas::AirMap>(R"({"type":"air.map","airports":[{"code":"SSA"}]})");
  ASSERT_FALSE(map);
  EXPECT_EQ(map.error().code, Errc::kInvalidRequest);
  EXPECT_EQ(map.error().field, "airports[0].name");
}

}  // namespace
}  // namespace tripmesh::air
