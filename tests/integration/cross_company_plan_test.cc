// The home company plans across every company, with their real availability.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "company_fixture.h"
#include "tripmesh/schemas/decode.h"

namespace tripmesh::testing {
namespace {

class CrossCompanyPlanTest : public CompanyFixture {
 protected:
  void SetUp() override { StartWorld({"voltpoint", "eflux", "ecocharge"}); }
  static schemas::PlanRequest LongTrip() {
    auto trip = Trip("salvador-ba", "fortaleza-ce", 1.0);
    trip.vehicle.battery_kwh = 50;
    trip.vehicle.consumption_kwh_per_km = 0.165;  // about 300 km of range
    return trip;
  }
};

TEST_F(CrossCompanyPlanTest, PlanMixesCompaniesAfterAskingThemForAvailability) {
  auto car = Vehicle("car-long", "voltpoint");
  auto plans = car->Plan(LongTrip());
  ASSERT_TRUE(plans) << plans.error().message;
  std::set<std::string> companies;
  for (const auto& s : plans->plans.front().stops) companies.insert(s.company);
  EXPECT_EQ(companies.size(), 3u);
  for (const char* peer : {"eflux", "ecocharge"}) {
    std::string topic =
        std::string("tripmesh/v1/companies/") + peer + "/requests/voltpoint/availability";
    EXPECT_TRUE(
        recorder_->WaitFor([&](const runtime::InboundMessage& m) { return m.topic == topic; },
                           std::chrono::seconds(2)))
        << topic;
  }
  EXPECT_TRUE(recorder_->WaitFor(
      [](const runtime::InboundMessage& m) {
        return m.topic == "tripmesh/v1/companies/voltpoint/replies" &&
               m.payload.find("\"availability.result\"") != std::string::npos;
      },
      std::chrono::seconds(2)));
}

TEST_F(CrossCompanyPlanTest, PointsBookedAtOtherCompaniesMakeThePlanWaitOrMove) {
  // Book the long trip a few times: each booking takes points at E-Flux and
  // EcoCharge that the plan before it was given.
  std::map<std::string, std::vector<std::pair<Time, Time>>> booked;  // station/point -> intervals
  for (int i = 0; i < 3; ++i) {
    auto filler = Vehicle("filler-" + std::to_string(i), "voltpoint");
    auto r = filler->Reserve({"", "", LongTrip(), false});
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed)
        << (r->error ? r->error->message : "");
    for (const auto& item : r->items) {
      if (item.company != "voltpoint") {
        booked[item.station + "/" + item.point].push_back({item.start_at, item.end_at});
      }
    }
  }
  ASSERT_FALSE(booked.empty());
  auto car = Vehicle("car-late", "voltpoint");
  auto plans = car->Plan(LongTrip());
  ASSERT_TRUE(plans) << plans.error().message;
  for (const auto& p : plans->plans) {
    for (const auto& s : p.stops) {
      for (auto [start, end] : booked[s.station + "/" + s.point]) {
        EXPECT_TRUE(s.end_at <= start || s.start_at >= end)
            << "plan overlaps a booking at " << s.station << "/" << s.point;
      }
    }
  }
  auto r = car->Reserve({"", plans->plans.front().plan_id, std::nullopt, false});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, schemas::ReservationStatus::kConfirmed)
      << (r->error ? r->error->message : "");
}

TEST_F(CrossCompanyPlanTest, ACompanyThatDoesNotAnswerIsLeftOutOfThePlan) {
  agents_["eflux"]->Signal(SIGSTOP);  // alive for the broker, silent for its peers
  auto car = Vehicle("car-long", "voltpoint");
  auto plans = car->Plan(LongTrip());
  agents_["eflux"]->Signal(SIGCONT);
  // Without E-Flux's stations the 300 km car cannot cross Ceará, so either the
  // plan fails as unreachable or it uses no E-Flux station.
  if (plans) {
    for (const auto& p : plans->plans) {
      for (const auto& s : p.stops) EXPECT_NE(s.company, "eflux") << s.station;
    }
  } else {
    EXPECT_EQ(plans.error().code, Errc::kUnreachable) << plans.error().message;
  }
}

TEST_F(CrossCompanyPlanTest, AvailabilityIsForCompaniesOnly) {
  auto car = Vehicle("car-nosy", "eflux");
  auto reply = car->Request(
      "availability",
      R"({"stations":["ef-sobral"],"from":"2026-11-22T14:05:00Z","to":"2026-11-22T15:05:00Z"})");
  ASSERT_TRUE(reply);
  auto e = schemas::Decode<schemas::ErrorReply>(*reply);
  ASSERT_TRUE(e) << *reply;
  EXPECT_EQ(e->error.code, Errc::kForbidden);
}

}  // namespace
}  // namespace tripmesh::testing
