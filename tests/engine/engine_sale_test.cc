// The rules of a reservation one agent sells alone, for both profiles: what
// a confirm, a cancel, a no-show and the expiry sweep do from each status.
#include <gtest/gtest.h>

#include "tripmesh/engine/sale.h"

namespace tripmesh::engine {
namespace {

using schemas::ReservationStatus;
using enum ReservationStatus;

constexpr Time kNow = 1'800'000'000;
const ReservationStatus kEvery[] = {kHeld,    kConfirmed, kFailed, kCancelled,
                                    kExpired, kFulfilled, kNoShow};

// A reservation standing as `status`, its hold (if any) lasting a minute more.
SaleNow Fresh(ReservationStatus status) { return {status, kNow + 60}; }
// Its hold time ran out a second ago.
SaleNow Overdue(ReservationStatus status) { return {status, kNow - 1}; }

TEST(EngineSaleTest, AHoldLapsesOnceItsTimeIsReachedAndOnlyAHoldLapses) {
  EXPECT_FALSE(HoldLapsed(Fresh(kHeld), kNow));
  EXPECT_TRUE(HoldLapsed({kHeld, kNow}, kNow));
  EXPECT_TRUE(HoldLapsed(Overdue(kHeld), kNow));
  EXPECT_FALSE(HoldLapsed({kHeld, std::nullopt}, kNow));
  EXPECT_FALSE(HoldLapsed(Overdue(kConfirmed), kNow));
}

TEST(EngineSaleTest, AConfirmBooksAFreshHoldAndAnswersAConfirmedOneAsItStands) {
  EXPECT_EQ(DecideConfirm("r1", Fresh(kHeld), kNow).step, SaleStep::kBook);
  EXPECT_EQ(DecideConfirm("r1", {kHeld, std::nullopt}, kNow).step, SaleStep::kBook);
  EXPECT_EQ(DecideConfirm("r1", {kConfirmed, std::nullopt}, kNow).step, SaleStep::kAsItStands);
}

TEST(EngineSaleTest, AConfirmOfALapsedHoldIsExpiredWhetherOrNotTheSweepRan) {
  for (const auto& d : {DecideConfirm("r1", Overdue(kHeld), kNow),
                        DecideConfirm("r1", {kExpired, std::nullopt}, kNow)}) {
    EXPECT_EQ(d.step, SaleStep::kRefuse);
    EXPECT_EQ(d.refusal.code, Errc::kExpired);
    EXPECT_EQ(d.refusal.message, "the hold of reservation r1 expired: reserve again");
    EXPECT_EQ(d.refusal.field, "reservation_id");
  }
}

TEST(EngineSaleTest, AConfirmOfAnEndedReservationIsAConflictNamingWhereItStands) {
  for (auto now : {kFailed, kCancelled, kFulfilled, kNoShow}) {
    auto d = DecideConfirm("r1", Fresh(now), kNow);
    EXPECT_EQ(d.step, SaleStep::kRefuse) << schemas::ReservationStatusName(now);
    EXPECT_EQ(d.refusal.code, Errc::kConflict);
    EXPECT_NE(d.refusal.message.find(schemas::ReservationStatusName(now)), std::string::npos)
        << d.refusal.message;
  }
}

TEST(EngineSaleTest, ACancelOrNoShowReleasesWhatIsHeldOrBookedAndRepeatsAsItStands) {
  for (auto outcome : {kCancelled, kNoShow}) {
    for (auto now : kEvery) {
      for (const SaleNow& sale : {Fresh(now), Overdue(now)}) {
        auto d = DecideEnd("r1", sale, outcome, kNow);
        if (now == outcome) {
          EXPECT_EQ(d.step, SaleStep::kAsItStands);
        } else if (now == kHeld || now == kConfirmed) {
          EXPECT_EQ(d.step, SaleStep::kRelease);
        } else {
          EXPECT_EQ(d.step, SaleStep::kRefuse) << schemas::ReservationStatusName(now);
          EXPECT_EQ(d.refusal.code, Errc::kConflict);
        }
      }
    }
  }
}

TEST(EngineSaleTest, OnlyALapsedHoldExpires) {
  EXPECT_EQ(DecideEnd("r1", Overdue(kHeld), kExpired, kNow).step, SaleStep::kRelease);
  EXPECT_EQ(DecideEnd("r1", {kExpired, std::nullopt}, kExpired, kNow).step, SaleStep::kAsItStands);
  auto early = DecideEnd("r1", Fresh(kHeld), kExpired, kNow);
  EXPECT_EQ(early.step, SaleStep::kRefuse);
  EXPECT_EQ(early.refusal.code, Errc::kConflict);
  for (auto now : {kConfirmed, kFailed, kCancelled, kFulfilled, kNoShow}) {
    EXPECT_EQ(DecideEnd("r1", Overdue(now), kExpired, kNow).step, SaleStep::kRefuse)
        << schemas::ReservationStatusName(now);
  }
}

}  // namespace
}  // namespace tripmesh::engine
