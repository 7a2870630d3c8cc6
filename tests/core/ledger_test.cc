#include "tripmesh/core/ledger.h"

#include <gtest/gtest.h>

namespace tripmesh::core {
namespace {

TEST(LedgerTest, OverlappingIntervalIsRejected) {
  PointLedger l;
  ASSERT_TRUE(l.Add({100, 200, "a", std::nullopt}));
  auto r = l.Add({150, 250, "b", std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_FALSE(l.Add({50, 101, "b", std::nullopt}));
  EXPECT_FALSE(l.Add({120, 180, "b", std::nullopt}));
  EXPECT_FALSE(l.Add({0, 1000, "b", std::nullopt}));
  EXPECT_TRUE(
      l.Add({200, 300, "b", std::nullopt}));  // touching is fine: intervals are [start, end)
  EXPECT_TRUE(l.Add({0, 100, "c", std::nullopt}));
  EXPECT_FALSE(l.Add({10, 10, "d", std::nullopt}));
}

TEST(LedgerTest, HoldExpiresAndFreesThePoint) {
  PointLedger l;
  ASSERT_TRUE(l.Add({100, 200, "h", 50}));
  EXPECT_EQ(l.StatusAt(150), "RESERVED");
  EXPECT_TRUE(l.ExpireHolds(49).empty());
  auto gone = l.ExpireHolds(50);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].owner, "h");
  EXPECT_TRUE(l.IsFree(100, 200));
}

TEST(LedgerTest, BookingDoesNotExpire) {
  PointLedger l;
  ASSERT_TRUE(l.Add({100, 200, "h", 50}));
  ASSERT_TRUE(l.MakeBooking("h", 100));
  EXPECT_TRUE(l.ExpireHolds(1000).empty());
  EXPECT_EQ(l.StatusAt(150), "CHARGING");
  EXPECT_FALSE(l.MakeBooking("other", 100));
}

TEST(LedgerTest, RemoveTakesOnlyTheOwnersInterval) {
  PointLedger l;
  ASSERT_TRUE(l.Add({100, 200, "a", std::nullopt}));
  EXPECT_FALSE(l.Remove("b", 100));
  EXPECT_TRUE(l.Remove("a", 100));
  EXPECT_TRUE(l.IsFree(0, 1000));
}

TEST(LedgerTest, EarliestStartFindsTheFirstGapThatFits) {
  PointLedger l;
  ASSERT_TRUE(l.Add({100, 200, "a", std::nullopt}));
  ASSERT_TRUE(l.Add({250, 400, "b", std::nullopt}));
  EXPECT_EQ(l.EarliestStart(0, 100), 0);
  EXPECT_EQ(l.EarliestStart(50, 100), 400);  // 50..150 hits a; 200..300 hits b
  EXPECT_EQ(l.EarliestStart(150, 50), 200);  // 200..250 fits exactly
  EXPECT_EQ(l.EarliestStart(150, 51), 400);
  EXPECT_EQ(l.NextFreeAt(120), 200);
  EXPECT_EQ(l.NextFreeAt(220), 220);
}

TEST(LedgerTest, FreeIntervalsAreTheGaps) {
  PointLedger l;
  ASSERT_TRUE(l.Add({100, 200, "a", std::nullopt}));
  ASSERT_TRUE(l.Add({300, 400, "b", std::nullopt}));
  auto free = l.FreeIntervals(150, 500);
  ASSERT_EQ(free.size(), 2u);
  EXPECT_EQ(free[0].start, 200);
  EXPECT_EQ(free[0].end, 300);
  EXPECT_EQ(free[1].start, 400);
  EXPECT_EQ(free[1].end, 500);
  EXPECT_EQ(l.FreeIntervals(0, 50).size(), 1u);
  EXPECT_TRUE(l.FreeIntervals(100, 200).empty());
}

}  // namespace
}  // namespace tripmesh::core
