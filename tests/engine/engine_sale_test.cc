// The rules of a reservation one agent sells alone, for both profiles: what
// a confirm, a cancel, a no-show and the expiry sweep do from each status.
#include <gtest/gtest.h>

#include "tripmesh/engine/sale.h"

namespace tripmesh::engine {
namespace {

using schemas::ReservationStatus;
using enum ReservationStatus;

const ReservationStatus kEvery[] = {kHeld,    kConfirmed, kFailed, kCancelled,
                                    kExpired, kFulfilled, kNoShow};

TEST(EngineSaleTest, AConfirmBooksAFreshHoldAndAnswersAConfirmedOneAsItStands) {
  EXPECT_EQ(DecideConfirm("r1", kHeld, false).step, SaleStep::kBook);
  EXPECT_EQ(DecideConfirm("r1", kConfirmed, false).step, SaleStep::kAsItStands);
}

TEST(EngineSaleTest, AConfirmOfALapsedHoldIsExpiredWhetherOrNotTheSweepRan) {
  for (const auto& d : {DecideConfirm("r1", kHeld, true), DecideConfirm("r1", kExpired, false)}) {
    EXPECT_EQ(d.step, SaleStep::kRefuse);
    EXPECT_EQ(d.refusal.code, Errc::kExpired);
    EXPECT_EQ(d.refusal.message, "the hold of reservation r1 expired: reserve again");
    EXPECT_EQ(d.refusal.field, "reservation_id");
  }
}

TEST(EngineSaleTest, AConfirmOfAnEndedReservationIsAConflictNamingWhereItStands) {
  for (auto now : {kFailed, kCancelled, kFulfilled, kNoShow}) {
    auto d = DecideConfirm("r1", now, false);
    EXPECT_EQ(d.step, SaleStep::kRefuse) << schemas::ReservationStatusName(now);
    EXPECT_EQ(d.refusal.code, Errc::kConflict);
    EXPECT_NE(d.refusal.message.find(schemas::ReservationStatusName(now)), std::string::npos)
        << d.refusal.message;
  }
}

TEST(EngineSaleTest, ACancelOrNoShowReleasesWhatIsHeldOrBookedAndRepeatsAsItStands) {
  for (auto outcome : {kCancelled, kNoShow}) {
    for (auto now : kEvery) {
      for (bool lapsed : {false, true}) {
        auto d = DecideEnd("r1", now, outcome, lapsed);
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
  EXPECT_EQ(DecideEnd("r1", kHeld, kExpired, true).step, SaleStep::kRelease);
  EXPECT_EQ(DecideEnd("r1", kExpired, kExpired, false).step, SaleStep::kAsItStands);
  auto early = DecideEnd("r1", kHeld, kExpired, false);
  EXPECT_EQ(early.step, SaleStep::kRefuse);
  EXPECT_EQ(early.refusal.code, Errc::kConflict);
  for (auto now : {kConfirmed, kFailed, kCancelled, kFulfilled, kNoShow}) {
    EXPECT_EQ(DecideEnd("r1", now, kExpired, true).step, SaleStep::kRefuse)
        << schemas::ReservationStatusName(now);
  }
}

}  // namespace
}  // namespace tripmesh::engine
