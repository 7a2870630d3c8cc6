// A saga's faults, for both profiles and on each store. The coordinator
// killed at each step: after its restart the reservation is final, which
// way it ended is fixed by where the coordinator died, and every participant
// holds exactly what that outcome says (the profile's checker finds
// nothing). A participant frozen past the timeout: the reservation fails
// naming it, the others give back at once, and it gives back once it wakes;
// meanwhile the coordinator's metrics count the saga as unfinished.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <thread>

#include "profile_world.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;
using schemas::ReservationStatus;

using SagaCrashTest = ProfileTest;

// `company`'s sagas.unfinished in each of its company.metrics, in the order they came.
std::vector<std::int64_t> UnfinishedCounts(Recorder& recorder, const std::string& company) {
  std::vector<std::int64_t> out;
  for (const auto& m : recorder.Messages()) {
    if (m.topic != topics::Metrics(company)) continue;
    auto metrics = schemas::Decode<schemas::CompanyMetrics>(m.payload);
    if (!metrics) continue;
    auto n = metrics->counters.find("sagas.unfinished");
    out.push_back(n == metrics->counters.end() ? -1 : n->second);
  }
  return out;
}

// Waits until `company`'s metrics counted `counts` unfinished sagas in this
// order, whatever else came between.
bool UnfinishedWent(Recorder& recorder, const std::string& company,
                    const std::vector<std::int64_t>& counts) {
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto said = UnfinishedCounts(recorder, company);
    auto next = counts.begin();
    for (auto n : said) {
      if (next != counts.end() && n == *next) ++next;
    }
    if (next == counts.end()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

TEST_P(SagaCrashTest, TheReservationEndsFinalAndTheSameEverywhereAfterARestart) {
  const std::string step = GetParam().variant;
  auto agents = world_->Agents();
  const std::string home = agents.front();
  StartAll({"--saga-crash-at", step});
  auto requester = world_->Join("one", home, 3s);  // the coordinator dies before it answers
  ASSERT_TRUE(requester);
  auto answer = requester->Reserve("crash");
  EXPECT_FALSE(answer) << "the coordinator answered although it died " << step;
  int status = 0;
  ASSERT_TRUE(running_[home]->Wait(20s, &status)) << "no crash " << step;
  EXPECT_EQ(status, 128 + SIGKILL);
  running_[home] = world_->Start(home, {});
  ASSERT_TRUE(running_[home]);

  auto outcome = requester->Final("crash");
  ASSERT_TRUE(outcome) << outcome.error().message;
  bool decided = step == "after_decision" || step == "after_commits";
  EXPECT_EQ(*outcome, decided ? ReservationStatus::kConfirmed : ReservationStatus::kFailed) << step;
  auto checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
  for (const auto& a : agents) {
    if (decided) {
      EXPECT_GT(world_->Claimed(a), 0) << a << " booked nothing of a confirmed reservation";
    } else {
      EXPECT_EQ(world_->Claimed(a), 0) << a << " still holds part of a failed reservation";
    }
  }
}

using FrozenParticipantTest = ProfileTest;

TEST_P(FrozenParticipantTest, TheReservationFailsNamingItAndNothingStaysHeldOnceItWakes) {
  auto agents = world_->Agents();
  StartAll();
  const std::string frozen = agents.back();
  auto requester = world_->Join("one", agents.front());
  ASSERT_TRUE(requester);
  running_[frozen]->Signal(SIGSTOP);
  auto answer = requester->Reserve("frozen");  // the home agent waits 1.5 s for its hold
  ASSERT_FALSE(answer) << "reserved with " << frozen << " frozen";
  EXPECT_EQ(answer.error().code, Errc::kTimeout) << answer.error().message;
  EXPECT_NE(answer.error().message.find(frozen), std::string::npos) << answer.error().message;
  auto outcome = requester->Final("frozen");
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*outcome, ReservationStatus::kFailed);
  // The others give back while it sleeps; it holds, then gives back, once it wakes.
  for (const auto& a : agents) {
    if (a == frozen) continue;
    EXPECT_TRUE(NothingClaimedAt(a)) << a;
  }
  // The compensation it owes the frozen one keeps the saga unfinished.
  const std::string home = agents.front();
  EXPECT_TRUE(UnfinishedWent(*recorder_, home, {1}))
      << fmt::format("{}", fmt::join(UnfinishedCounts(*recorder_, home), ", "));
  running_[frozen]->Signal(SIGCONT);
  auto checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
  EXPECT_TRUE(NothingClaimedAt(frozen));
  EXPECT_TRUE(UnfinishedWent(*recorder_, home, {1, 0}))
      << fmt::format("{}", fmt::join(UnfinishedCounts(*recorder_, home), ", "));
}

std::vector<ProfileCase> Steps() {
  std::vector<ProfileCase> out;
  for (const char* step :
       {"after_requests", "after_first_ack", "after_decision", "after_commits"}) {
    auto cases = EveryProfile(step);
    out.insert(out.end(), cases.begin(), cases.end());
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Steps, SagaCrashTest, ::testing::ValuesIn(Steps()), NameOfProfileCase());
INSTANTIATE_TEST_SUITE_P(Profiles, FrozenParticipantTest,
                         ::testing::ValuesIn(EveryProfile("frozen")), NameOfProfileCase());

}  // namespace
}  // namespace tripmesh::testing
