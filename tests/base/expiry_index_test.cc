// Holds by when they lapse, as both profiles' sweeps read them.
#include "tripmesh/base/expiry_index.h"

#include <gtest/gtest.h>

namespace tripmesh {
namespace {

using Ids = std::vector<std::string>;

TEST(ExpiryIndexTest, DueGivesTheHoldsUpToNowEarliestFirst) {
  ExpiryIndex index;
  index.Set("late", 300);
  index.Set("early", 100);
  index.Set("middle", 200);
  EXPECT_EQ(index.Due(99), Ids{});
  EXPECT_EQ(index.Due(200), (Ids{"early", "middle"}));
  EXPECT_EQ(index.Due(1000), (Ids{"early", "middle", "late"}));
}

TEST(ExpiryIndexTest, ANewTimeReplacesTheOldAndNoTimeForgets) {
  ExpiryIndex index;
  index.Set("a", 100);
  index.Set("b", 150);
  index.Set("a", 500);  // extended: no longer due at 100
  EXPECT_EQ(index.Due(200), Ids{"b"});
  index.Set("b", std::nullopt);  // confirmed or cancelled
  EXPECT_EQ(index.Due(200), Ids{});
  EXPECT_EQ(index.Due(500), Ids{"a"});
  index.Set("never-there", std::nullopt);
  EXPECT_EQ(index.Due(500), Ids{"a"});
}

TEST(ExpiryIndexTest, HoldsOfTheSameTimeAreAllDue) {
  ExpiryIndex index;
  index.Set("y", 100);
  index.Set("x", 100);
  EXPECT_EQ(index.Due(100), (Ids{"x", "y"}));
}

}  // namespace
}  // namespace tripmesh
