#include "tripmesh/runtime/local_time.h"

#include <gtest/gtest.h>

namespace tripmesh::runtime {
namespace {

// 2026-12-01T09:52:00Z.
constexpr Time kTuesday = 1796118720;

TEST(LocalTimeTest, ShowsTheZoneOfThePlaceWithTheDateWhenNotToday) {
  Time monday_evening = kTuesday - 12 * 3600;
  EXPECT_EQ(FormatLocal(kTuesday, "America/Bahia", kTuesday), "06:52 (-03)");
  EXPECT_EQ(FormatLocal(kTuesday, "America/Bahia", monday_evening), "Tue 01 Dec 06:52 (-03)");
  // 02:53Z is still Monday in Fortaleza: a UTC date would lose a day.
  EXPECT_EQ(FormatLocal(kTuesday - 7 * 3600 + 60, "America/Fortaleza", monday_evening),
            "23:53 (-03)");
  EXPECT_EQ(FormatLocal(kTuesday, "UTC", kTuesday), "09:52 (UTC)");
  EXPECT_EQ(FormatLocal(kTuesday, "Nowhere/Atlantis", kTuesday), "09:52 (UTC)");
  EXPECT_EQ(FormatLocal(kTuesday, "America/Recife", 0), "Tue 01 Dec 2026 06:52 (-03)");
}

TEST(LocalTimeTest, FollowsTheZonesHistory) {
  // Bahia kept daylight saving in the summer of 2011-2012.
  EXPECT_EQ(OffsetAt("America/Bahia", 1325419200).utc_offset_s, -2 * 3600);  // 2012-01-01
  EXPECT_EQ(OffsetAt("America/Bahia", kTuesday).utc_offset_s, -3 * 3600);
  EXPECT_EQ(OffsetAt("Asia/Kolkata", kTuesday).utc_offset_s, 5 * 3600 + 1800);
}

}  // namespace
}  // namespace tripmesh::runtime
