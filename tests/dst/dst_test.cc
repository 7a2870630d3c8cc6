// The deterministic simulation, briefly: a few seeds pass, and a seed
// replays exactly. (scripts/dev dst runs thousands.)
#include <gtest/gtest.h>

#include "simulation.h"
#include "testing.h"

namespace tripmesh::dst {
namespace {

SimConfig Config(std::uint64_t seed, bool beyond = false) {
  SimConfig c;
  c.seed = seed;
  c.dir = testing::NewTempDir("dst-test");
  c.beyond_mqtt = beyond;
  return c;
}

std::string Report(const SimResult& r) {
  std::string out = r.failure + "\n";
  for (const auto& line : r.trace) out += line + "\n";
  return out;
}

TEST(SagaSimulationTest, SeedsPassWithCrashesDuplicatesAndClockJumps) {
  int crashes = 0, confirmed = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    auto r = RunSimulation(Config(seed));
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << Report(r);
    crashes += r.crashes;
    confirmed += r.confirmed_heard;
  }
  // The runs did what they are for: sagas confirmed, companies crashed.
  EXPECT_GT(confirmed, 20);
  EXPECT_GT(crashes, 0);
}

TEST(SagaSimulationTest, BeyondMqttLossesAndReorderingStillKeepTheInvariants) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto r = RunSimulation(Config(seed, true));
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << Report(r);
  }
}

TEST(SagaSimulationTest, ASeedReplaysExactly) {
  auto a = RunSimulation(Config(7));
  auto b = RunSimulation(Config(7));
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_NE(RunSimulation(Config(8)).trace_hash, a.trace_hash);
}

}  // namespace
}  // namespace tripmesh::dst
