// The deterministic simulation, briefly, for both profiles: a few seeds pass,
// and a seed replays exactly. (scripts/dev dst runs thousands.) The airlines
// run the profile their agent runs; passengers buy itineraries across them
// while airlines crash and the clock jumps, and the air checker reads the
// stores every few dozen steps and at the end.
#include <gtest/gtest.h>

#include "simulation.h"
#include "testing.h"

namespace tripmesh::dst {
namespace {

std::string Report(const SimResult& r) {
  std::string out = r.failure + "\n";
  for (const auto& line : r.trace) out += line + "\n";
  return out;
}

class SagaSimulationTest : public ::testing::TestWithParam<SimProfile> {
 protected:
  static SimConfig Config(std::uint64_t seed) {
    SimConfig c;
    c.profile = GetParam();
    c.seed = seed;
    c.dir = testing::NewTempDir("dst-test");
    return c;
  }
};

TEST_P(SagaSimulationTest, SeedsPassWithCrashesDuplicatesAndClockJumps) {
  int crashes = 0, confirmed = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    auto r = RunSimulation(Config(seed));
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << Report(r);
    crashes += r.crashes;
    confirmed += r.confirmed_heard;
  }
  // The runs did what they are for: sagas confirmed, agents crashed.
  EXPECT_GT(confirmed, 20);
  EXPECT_GT(crashes, 0);
}

TEST_P(SagaSimulationTest, BeyondMqttLossesAndReorderingStillKeepTheInvariants) {
  for (std::uint64_t seed = 1; seed <= 15; ++seed) {
    auto c = Config(seed);
    c.beyond_mqtt = true;
    auto r = RunSimulation(c);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << Report(r);
  }
}

TEST_P(SagaSimulationTest, ASeedReplaysExactly) {
  auto a = RunSimulation(Config(7));
  auto b = RunSimulation(Config(7));
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_NE(RunSimulation(Config(8)).trace_hash, a.trace_hash);
}

INSTANTIATE_TEST_SUITE_P(Profiles, SagaSimulationTest,
                         ::testing::Values(SimProfile::kCharging, SimProfile::kAir),
                         [](const auto& info) {
                           return info.param == SimProfile::kAir ? "Air" : "Charging";
                         });

}  // namespace
}  // namespace tripmesh::dst
