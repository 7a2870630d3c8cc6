// The crowd both simulators and the benchmark play their clients on.
#include "tripmesh/crowd/crowd.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace tripmesh::crowd {
namespace {

TEST(CrowdTest, LatenciesGiveQuantilesOfWhatWasTimedInAnyOrder) {
  Latencies l;
  EXPECT_EQ(l.At(0.5), 0);
  EXPECT_EQ(l.Max(), 0);
  for (double ms : {5.0, 1.0, 4.0, 2.0, 3.0}) l.Add(ms);
  EXPECT_EQ(l.At(0.0), 1.0);
  EXPECT_EQ(l.At(0.5), 3.0);
  EXPECT_EQ(l.At(1.0), 5.0);
  EXPECT_EQ(l.Max(), 5.0);
  Latencies more;
  more.Add(0.5);
  more.Add(9.0);
  l.Merge(more);
  EXPECT_EQ(l.size(), 7u);
  EXPECT_EQ(l.At(0.0), 0.5);
  EXPECT_EQ(l.At(0.99), 9.0);
  l.Add(7.0);  // after a sorted read, an add out of order is still placed
  EXPECT_EQ(l.At(0.85), 7.0);
}

TEST(CrowdTest, TimedKeepsTheCallsDurationAndItsResult) {
  Latencies l;
  int got = Timed(l, [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return 42;
  });
  EXPECT_EQ(got, 42);
  Timed(l, [] {});
  ASSERT_EQ(l.size(), 2u);
  EXPECT_GE(l.Max(), 20.0);
}

TEST(CrowdTest, FailuresCountByCodeAndTellTheUnexpectedOnes) {
  Failures f;
  EXPECT_EQ(f.Format(), "");
  EXPECT_FALSE(f.AnyBut({}));
  f.Add(Errc::kUnavailable);
  f.Add(Errc::kUnavailable);
  f.Add(Errc::kConflict);
  EXPECT_EQ(f.Total(), 3);
  EXPECT_EQ(f.Of(Errc::kUnavailable), 2);
  EXPECT_EQ(f.Of(Errc::kTimeout), 0);
  EXPECT_FALSE(f.AnyBut({Errc::kUnavailable, Errc::kConflict}));
  EXPECT_TRUE(f.AnyBut({Errc::kUnavailable}));
  Failures g;
  g.Add(Errc::kTimeout, 4);
  f.Merge(g);
  EXPECT_EQ(f.Total(), 7);
  EXPECT_TRUE(f.AnyBut({Errc::kUnavailable, Errc::kConflict}));
  EXPECT_NE(f.Format().find(std::string(ErrcName(Errc::kUnavailable)) + " 2"), std::string::npos);
  EXPECT_NE(f.Format().find(std::string(ErrcName(Errc::kTimeout)) + " 4"), std::string::npos);
}

TEST(CrowdTest, RunPlaysEveryMemberOnceAtMostConcurrencyAtATime) {
  constexpr int kMembers = 40, kConcurrency = 4;
  std::vector<std::atomic<int>> played(kMembers);
  std::atomic<int> now{0}, most{0};
  int afters = 0;
  std::vector<int> after_order;
  auto all = crowd::Run(
      {kMembers, kConcurrency, {}},
      [&](int i, Latencies& mine) {
        int n = ++now;
        for (int m = most; n > m && !most.compare_exchange_weak(m, n);) {
        }
        Timed(mine, [] { std::this_thread::sleep_for(std::chrono::milliseconds(2)); });
        ++played[static_cast<std::size_t>(i)];
        --now;
      },
      [&](int i) {
        ++afters;  // no lock: the crowd calls `after` one at a time
        after_order.push_back(i);
      });
  for (const auto& p : played) EXPECT_EQ(p, 1);
  EXPECT_EQ(afters, kMembers);
  EXPECT_EQ(after_order.size(), static_cast<std::size_t>(kMembers));
  EXPECT_LE(most, kConcurrency);
  EXPECT_GE(most, 2);  // they did overlap
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kMembers));
  EXPECT_GE(all.At(0.0), 2.0);
}

TEST(CrowdTest, RunStopsEarlyWhenAsked) {
  std::atomic<int> played{0};
  auto all = crowd::Run({1000, 3, [&] { return played >= 10; }},
                        [&](int, Latencies& mine) { Timed(mine, [&] { ++played; }); });
  EXPECT_GE(played, 10);
  EXPECT_LE(played, 10 + 3);  // each worker finishes the member it was playing
  EXPECT_EQ(all.size(), static_cast<std::size_t>(played));
}

TEST(CrowdTest, RunOfNoMembersPlaysNobody) {
  bool played = false;
  auto all = crowd::Run({0, 8, {}}, [&](int, Latencies&) { played = true; });
  EXPECT_FALSE(played);
  EXPECT_EQ(all.size(), 0u);
}

}  // namespace
}  // namespace tripmesh::crowd
