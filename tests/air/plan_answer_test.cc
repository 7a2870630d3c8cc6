// A passenger's air.plan.request answered from the committed air world: the
// wire's itineraries carry each leg's fare class, price and seats left, and
// a departure in the past is refused.
#include "tripmesh/air/plan_answer.h"

#include <gtest/gtest.h>

#include "testing.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::air {
namespace {

constexpr Time kMonday = 1799020800;  // 2027-01-04T00:00:00Z

class PlanAnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = worldfiles::LoadAirWorld(
        tripmesh::testing::DataDir() + "/air",
        [](const std::string& zone) { return runtime::OffsetAt(zone, kMonday).utc_offset_s / 60; });
    ASSERT_TRUE(t) << t.error().message;
    timetable_ = std::make_unique<Timetable>(std::move(*t));
  }
  static schemas::AirPlanRequest BelemToNatal() {
    schemas::AirPlanRequest r;
    r.request_id = "q1";
    r.from = "BEL";
    r.to = "NAT";
    r.depart_after = kMonday + 8 * kHourS;
    return r;
  }
  std::unique_ptr<Timetable> timetable_;
};

TEST_F(PlanAnswerTest, EachLegCarriesItsFareClassPriceAndSeatsLeft) {
  SeatsLeft seats = [](const Leg& leg, Cabin) { return leg.airline == "sabia" ? 2 : 40; };
  auto answer = AnswerPlan(*timetable_, BelemToNatal(), kMonday, seats);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->request_id, "q1");
  ASSERT_EQ(answer->itineraries.size(), 3u);
  for (const auto& it : answer->itineraries) {
    double sum = 0;
    for (const auto& leg : it.legs) {
      EXPECT_EQ(leg.fare_class, "E");
      EXPECT_EQ(leg.seats_left, leg.airline == "sabia" ? 2 : 40);
      EXPECT_EQ(leg.leg_id.substr(0, leg.flight.size()), leg.flight);
      sum += leg.price;
    }
    EXPECT_NEAR(it.price, sum, 0.005);
    EXPECT_EQ(it.departs_at, it.legs.front().departs_at);
    EXPECT_EQ(it.arrives_at, it.legs.back().arrives_at);
  }
}

TEST_F(PlanAnswerTest, AClassALegDoesNotSellIsPricedAtItsCheapestFareOfTheCabin) {
  auto r = BelemToNatal();
  r.fare_class = "Q";  // no airline sells it
  SeatsLeft seats = [](const Leg&, Cabin) { return 10; };
  auto answer = AnswerPlan(*timetable_, r, kMonday, seats);
  ASSERT_TRUE(answer) << answer.error().message;
  for (const auto& leg : answer->itineraries.front().legs) EXPECT_EQ(leg.fare_class, "E");
  r.cabin = Cabin::kBusiness;
  answer = AnswerPlan(*timetable_, r, kMonday, seats);
  ASSERT_TRUE(answer) << answer.error().message;
  for (const auto& leg : answer->itineraries.front().legs) EXPECT_EQ(leg.fare_class, "J");
}

TEST_F(PlanAnswerTest, TooFewSeatsOnEveryWayIsNoRoute) {
  auto r = BelemToNatal();
  r.passengers = 3;
  SeatsLeft seats = [](const Leg& leg, Cabin) { return leg.airline == "tucano" ? 2 : 99; };
  auto answer = AnswerPlan(*timetable_, r, kMonday, seats);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, Errc::kNoRoute);
}

TEST_F(PlanAnswerTest, ADepartureInThePastIsRefusedAndOneOfAMomentAgoIsNow) {
  SeatsLeft seats = [](const Leg&, Cabin) { return 10; };
  auto r = BelemToNatal();
  auto answer = AnswerPlan(*timetable_, r, r.depart_after + kPastDepartureGraceS + 1, seats);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, Errc::kInvalidRequest);
  EXPECT_EQ(answer.error().field, "depart_after");
  Time now = r.depart_after + 600;
  answer = AnswerPlan(*timetable_, r, now, seats);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_GE(answer->itineraries.front().departs_at, now);
}

}  // namespace
}  // namespace tripmesh::air
