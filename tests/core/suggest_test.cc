#include "tripmesh/core/suggest.h"

#include <gtest/gtest.h>

namespace tripmesh::core {
namespace {

TEST(SuggestTest, EditDistanceCountsTyposAndSwapsCaseBlind) {
  EXPECT_EQ(EditDistance("salvador", "salvador"), 0u);
  EXPECT_EQ(EditDistance("Salvador-BA", "salvador-ba"), 0u);
  EXPECT_EQ(EditDistance("salvdor", "salvador"), 1u);
  EXPECT_EQ(EditDistance("--form", "--from"), 1u);  // a swap of neighbours
  EXPECT_EQ(EditDistance("", "abc"), 3u);
}

TEST(SuggestTest, SuggestsOnlyWhatIsCloseEnough) {
  std::vector<std::string> cities = {"salvador-ba", "feira-de-santana-ba", "jequie-ba"};
  EXPECT_EQ(Closest("salvdor-ba", cities), "salvador-ba");
  EXPECT_EQ(Closest("feira", cities), "feira-de-santana-ba");  // a prefix
  EXPECT_EQ(Closest("atlantis-xx", cities), std::nullopt);
  EXPECT_EQ(DidYouMean("jequi-ba", cities), " (did you mean jequie-ba?)");
  EXPECT_EQ(DidYouMean("recife-pe", cities), "");
}

}  // namespace
}  // namespace tripmesh::core
