// The simulated fleet on an accelerated clock shared with the companies:
// vehicles reserve, drive, wait, charge and park, publishing telemetry; holds
// that drivers let go expire; every store stays consistent.
#include <gtest/gtest.h>

#include <set>

#include "company_fixture.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};
// A day in twelve seconds; sanitized builds run several times slower, so there
// a day takes 48 s, or holds and check-ins would lapse before the replies came.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double kScale = 1800;
#else
constexpr double kScale = 7200;
#endif

class FleetTest : public CompanyFixture {
 protected:
  void SetUp() override {
    start_ = core::RealClock().Now();
    // Holds and the no-show grace last half a real second at 7200x.
    StartWorld(kCompanies, ClockFlags({"--hold-ttl", "3600", "--no-show-grace", "3600"}));
  }
  std::vector<std::string> ClockFlags(std::vector<std::string> more = {}) const {
    std::vector<std::string> flags = {"--time-scale", std::to_string(static_cast<int>(kScale)),
                                      "--clock-start", FormatTime(start_)};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
  }
  std::string Sim(const std::string& args) const {
    std::string command = TripmeshBinary() + " sim --broker " + broker_->uri() + " --data " +
                          DataDir() + " --check " + dir_;
    for (const auto& f : ClockFlags()) command += " " + f;
    std::string out;
    int code = RunCommand(command + " " + args + " 2>&1", &out);
    EXPECT_EQ(code, 0) << out;
    return out;
  }
  Time start_ = 0;
};

TEST_F(FleetTest, VehiclesDriveChargeAndParkWhileLetGoHoldsExpire) {
  std::string out =
      Sim("--vehicles 24 --seed 5 --depart-within 1 --expire-share 0.25 --no-show-share 0.3");
  EXPECT_NE(out.find("trips 24 in"), std::string::npos) << out;
  EXPECT_EQ(out.find("FINDINGS"), std::string::npos) << out;
  EXPECT_NE(out.find("0 orphans, 0 overlaps"), std::string::npos) << out;

  // Every hold that was let go is seen expired.
  auto let_go = out.find("holds let go ");
  ASSERT_NE(let_go, std::string::npos) << out;
  int held = 0, expired = 0;
  ASSERT_EQ(std::sscanf(out.c_str() + let_go, "holds let go %d (%d seen expired)", &held, &expired),
            2)
      << out;
  EXPECT_GT(held, 0) << out;
  EXPECT_EQ(expired, held) << out;

  // Each driving vehicle went from driving through charging to parked.
  std::map<std::string, std::vector<std::string>> states;
  for (const auto& m : recorder_->Messages()) {
    if (m.topic.find("/telemetry") == std::string::npos) continue;
    auto t = schemas::Decode<schemas::VehicleTelemetry>(m.payload);
    ASSERT_TRUE(t) << m.payload;
    EXPECT_EQ(m.topic, topics::VehicleTelemetry(t->vehicle));
    states[t->vehicle].push_back(t->state);
  }
  auto driven = out.find("driven: ");
  ASSERT_NE(driven, std::string::npos) << out;
  int arrived = 0;
  ASSERT_EQ(std::sscanf(out.c_str() + driven, "driven: %d", &arrived), 1);
  EXPECT_GT(arrived, 0);
  int parked = 0, charged = 0;
  for (const auto& [vehicle, seq] : states) {
    parked += seq.back() == "parked";
    charged += std::find(seq.begin(), seq.end(), "charging") != seq.end();
  }
  // Telemetry is QoS 0: on loopback nothing is lost, but allow for it.
  EXPECT_GE(parked, arrived - 1);
  EXPECT_GT(charged, 0);

  // Drivers who checked in at every stop are fulfilled; those who skipped one
  // are no-shows, and their points were freed (the checker found nothing).
  auto ended = out.find("reservations ended: ");
  ASSERT_NE(ended, std::string::npos) << out;
  int fulfilled = 0, no_show = 0;
  ASSERT_EQ(std::sscanf(out.c_str() + ended, "reservations ended: fulfilled %d, no_show %d",
                        &fulfilled, &no_show),
            2)
      << out;
  EXPECT_GT(fulfilled, 0) << out;
  EXPECT_GT(no_show, 0) << out;
  int events = 0;
  for (const auto& m : recorder_->Messages()) {
    if (m.topic.find("/events/reservation") == std::string::npos) continue;
    auto e = schemas::Decode<schemas::Event>(m.payload);
    ASSERT_TRUE(e) << m.payload;
    events += e->status == "fulfilled" || e->status == "no_show";
  }
  EXPECT_GT(events, 0);
}

}  // namespace
}  // namespace tripmesh::testing
