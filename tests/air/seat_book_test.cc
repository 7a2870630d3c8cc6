// An airline's seat book on the committed air world: a reservation holds a
// seat per passenger on each leg or none, the first hold on a seat wins,
// holds expire, confirm and cancel follow their rules, and a book rebuilt
// from its reservations holds the same seats.
#include "tripmesh/air/seat_book.h"

#include <gtest/gtest.h>

#include "testing.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::air {
namespace {

using schemas::AirReserveRequest;
using schemas::ReservationStatus;

constexpr Time kMonday = 1799020800;  // 2027-01-04T00:00:00Z
constexpr Time kTtl = 600;

class SeatBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = worldfiles::LoadAirWorld(
        tripmesh::testing::DataDir() + "/air",
        [](const std::string& zone) { return runtime::OffsetAt(zone, kMonday).utc_offset_s / 60; });
    ASSERT_TRUE(t) << t.error().message;
    timetable_ = std::make_unique<Timetable>(std::move(*t));
  }
  static AirReserveRequest Ask(std::vector<std::string> legs, int passengers = 1,
                               bool hold_only = false) {
    AirReserveRequest r{
        .request_id = "", .legs = {}, .passengers = passengers, .hold_only = hold_only};
    for (auto& id : legs)
      r.legs.push_back({.leg_id = std::move(id), .fare_class = "E", .seats = {}});
    return r;
  }
  std::unique_ptr<Timetable> timetable_;
  SeatBook book_{"jangada"};
};

TEST_F(SeatBookTest, FindLegKnowsTheFlightOnItsLocalDateOnly) {
  auto leg = FindLeg(*timetable_, "JG1001-2027-01-04");
  ASSERT_TRUE(leg);
  EXPECT_EQ(leg->from, "REC");
  EXPECT_EQ(leg->departs, ParseTime("2027-01-04T06:20:00-03:00").value());
  EXPECT_FALSE(FindLeg(*timetable_, "JG1001-2027-13-04"));
  EXPECT_FALSE(FindLeg(*timetable_, "JG9999-2027-01-04"));
  EXPECT_FALSE(FindLeg(*timetable_, "JG1001"));
}

TEST_F(SeatBookTest, AHoldTakesASeatPerPassengerOnEveryLegAndPricesThemAll) {
  auto r = book_.Hold(*timetable_, "ana", Ask({"JG1001-2027-01-04"}, 2, true), "r1", kMonday, kTtl);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, ReservationStatus::kHeld);
  EXPECT_EQ(r->expires_at, kMonday + kTtl);
  ASSERT_EQ(r->legs.size(), 1u);
  EXPECT_EQ(r->legs[0].seats, (std::vector<std::string>{"4A", "4B"}));  // economy's front row
  EXPECT_NEAR(r->price, 2 * 255.9, 0.001);
  auto leg = FindLeg(*timetable_, "JG1001-2027-01-04");
  EXPECT_EQ(book_.SeatsLeft(*timetable_, *leg, Cabin::kEconomy), 26 * 6 - 2);
}

TEST_F(SeatBookTest, TheFirstHoldOnANamedSeatWinsAndALegThatFailsFreesTheOthers) {
  auto want = Ask({"JG1001-2027-01-04"});
  want.legs[0].seats = {"12C"};
  ASSERT_TRUE(book_.Hold(*timetable_, "ana", want, "r1", kMonday, kTtl));
  auto second = book_.Hold(*timetable_, "bia", want, "r2", kMonday, kTtl);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kConflict);
  // Two legs, the second of another airline: nothing of the first stays held.
  auto mixed = Ask({"JG1001-2027-01-05", "SB3001-2027-01-05"});
  auto refused = book_.Hold(*timetable_, "bia", mixed, "r3", kMonday, kTtl);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "legs");
  auto leg = FindLeg(*timetable_, "JG1001-2027-01-05");
  EXPECT_EQ(book_.SeatsLeft(*timetable_, *leg, Cabin::kEconomy), 26 * 6);
  EXPECT_FALSE(book_.Get("bia", "r3"));
}

TEST_F(SeatBookTest, BadLegsAndClassesAreRefusedWithTheirField) {
  auto field_of = [&](AirReserveRequest r, Time now = kMonday) {
    auto held = book_.Hold(*timetable_, "ana", r, "x", now, kTtl);
    return held ? std::string("held") : held.error().field;
  };
  EXPECT_EQ(field_of(Ask({"JG9999-2027-01-04"})), "legs");
  EXPECT_EQ(field_of(Ask({"JG1001-2027-01-04"}), kMonday + 12 * kHourS), "legs");  // departed
  auto q = Ask({"JG1001-2027-01-04"});
  q.legs[0].fare_class = "Q";
  EXPECT_EQ(field_of(q), "fare_class");
  q.legs[0].fare_class = "E";
  q.legs[0].seats = {"2A"};  // business rows
  EXPECT_EQ(field_of(q), "seats");
  EXPECT_EQ(book_.size(), 0u);
}

// Whether a confirm or cancel may do this is engine::DecideConfirm's and
// DecideEnd's to say (engine_sale_test); the book does what they decide.
TEST_F(SeatBookTest, ABoughtHoldKeepsItsSeatsALapsedOneIsDueAndACancelledOneFreesThem) {
  ASSERT_TRUE(
      book_.Hold(*timetable_, "ana", Ask({"JG1001-2027-01-04"}, 1, true), "r1", kMonday, kTtl));
  ASSERT_TRUE(
      book_.Hold(*timetable_, "ana", Ask({"JG1003-2027-01-04"}, 1, true), "r2", kMonday, kTtl));
  auto confirmed = Bought(*book_.Get("ana", "r1"));
  EXPECT_FALSE(confirmed.expires_at);
  book_.Apply(confirmed);
  EXPECT_EQ(book_.Get("ana", "r1")->status, ReservationStatus::kConfirmed);
  auto due = book_.DueHolds(kMonday + kTtl);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].second, "r2");
  EXPECT_EQ(book_.Get("bia", "r1").error().code, Errc::kNotFound);
  book_.Apply(Ended(*book_.Get("ana", "r1"), ReservationStatus::kCancelled));
  EXPECT_EQ(book_.Get("ana", "r1")->status, ReservationStatus::kCancelled);
  auto leg = FindLeg(*timetable_, "JG1001-2027-01-04");
  EXPECT_EQ(book_.SeatsLeft(*timetable_, *leg, Cabin::kEconomy), 26 * 6);
}

TEST_F(SeatBookTest, ABookRebuiltFromItsReservationsHoldsTheSameSeats) {
  auto want = Ask({"JG1001-2027-01-04"}, 3);
  want.request_id = "q1";
  auto r = book_.Hold(*timetable_, "ana", want, "r1", kMonday, kTtl);
  ASSERT_TRUE(r);
  SeatBook again{"jangada"};
  ASSERT_TRUE(again.Adopt(*timetable_, *r));
  auto more = again.Hold(*timetable_, "bia", Ask({"JG1001-2027-01-04"}), "r2", kMonday, kTtl);
  ASSERT_TRUE(more);
  EXPECT_EQ(more->legs[0].seats, std::vector<std::string>{"4D"});
  auto clash = *r;
  clash.reservation_id = "r9";
  EXPECT_EQ(again.Adopt(*timetable_, clash).error().code, Errc::kConflict);
  EXPECT_EQ(again.ByRequest("ana", "q1")->reservation_id, "r1");
  EXPECT_FALSE(again.ByRequest("bia", "q1"));
}

TEST_F(SeatBookTest, ASettledReservationLeavesMemoryButKeepsItsSeatsUntilCancelled) {
  auto want = Ask({"JG1001-2027-01-04"}, 2);
  want.request_id = "q1";
  auto r = book_.Hold(*timetable_, "ana", want, "r1", kMonday, kTtl);
  ASSERT_TRUE(r);
  auto leg = FindLeg(*timetable_, "JG1001-2027-01-04");
  int left = book_.SeatsLeft(*timetable_, *leg, Cabin::kEconomy);
  book_.Evict("r1");
  EXPECT_EQ(book_.size(), 0u);
  EXPECT_FALSE(book_.Find("r1"));
  EXPECT_FALSE(book_.ByRequest("ana", "q1"));
  // Its seats are still sold: the next passenger gets the ones after them.
  EXPECT_EQ(book_.SeatsLeft(*timetable_, *leg, Cabin::kEconomy), left);
  auto next = book_.Hold(*timetable_, "bia", Ask({"JG1001-2027-01-04"}), "r2", kMonday, kTtl);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->legs[0].seats, std::vector<std::string>{"4C"});
  // Brought back from the store's copy, it is cancelled and frees its seats.
  book_.Recall(*r);
  EXPECT_EQ(book_.ByRequest("ana", "q1")->reservation_id, "r1");
  auto cancelled = Ended(*book_.Get("ana", "r1"), ReservationStatus::kCancelled);
  book_.Apply(cancelled);
  EXPECT_EQ(book_.SeatsLeft(*timetable_, *leg, Cabin::kEconomy), left + 2 - 1);  // bia has one
  EXPECT_EQ(cancelled.status, ReservationStatus::kCancelled);
}

}  // namespace
}  // namespace tripmesh::air
