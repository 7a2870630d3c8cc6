// The simulated fleet on an accelerated clock shared with the companies:
// vehicles reserve, drive, wait, charge and park, publishing telemetry; holds
// that drivers let go expire; every store stays consistent.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "company_fixture.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

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
    std::vector<std::string> flags = {"--time-scale",   std::to_string(static_cast<int>(kScale)),
                                      "--clock-start",  FormatTime(start_),
                                      "--clock-origin", FormatTime(start_)};
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

// A station closes while the fleet is on the road: each driver with a stop
// there ahead is told, plans the rest of the trip again from where it is and
// books it, and drives it to the end; the stores stay consistent.
TEST_F(FleetTest, DriversToldOfALostStopOnTheWayPlanTheRestAgain) {
  std::vector<std::string> args = {TripmeshBinary(),  "sim",     "--broker", broker_->uri(),
                                   "--data",          DataDir(), "--check",  dir_,
                                   "--vehicles",      "40",      "--seed",   "11",
                                   "--depart-within", "6"};
  for (const auto& f : ClockFlags()) args.push_back(f);
  auto sim = harness::Process::Spawn(args, dir_ + "/sim.log");
  ASSERT_TRUE(sim) << sim.error().message;
  auto on_the_road = [](const runtime::InboundMessage& m) {
    return m.topic.find("/telemetry") != std::string::npos;
  };
  ASSERT_TRUE(recorder_->WaitFor(on_the_road, std::chrono::seconds(90)));
  // The station with the most stops still ahead, as the booking replies say.
  core::AcceleratedClock clock(start_, kScale, start_);
  Time ahead = clock.Now() + 2 * kHourS;
  std::map<std::pair<std::string, std::string>, int> stops;  // (company, station) -> stops ahead
  for (const auto& m : recorder_->Messages()) {
    if (m.topic.find("/replies") == std::string::npos) continue;
    auto r = schemas::Decode<schemas::Reservation>(m.payload);
    if (!r || r->status != schemas::ReservationStatus::kConfirmed) continue;
    for (const auto& item : r->items) stops[{item.company, item.station}] += item.start_at > ahead;
  }
  auto busiest = std::max_element(stops.begin(), stops.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
  ASSERT_NE(busiest, stops.end());
  const auto& [company, station] = busiest->first;
  std::string out;
  int rc = RunCommand(TripmeshBinary() + " admin --company " + company + " --json --broker " +
                          broker_->uri() + " --data " + DataDir() + " remove-station --station " +
                          station + " --reason closed 2>&1",
                      &out);
  ASSERT_EQ(rc, 0) << out;
  auto removed = schemas::Decode<schemas::AdminResult>(out.substr(0, out.find('\n')));
  ASSERT_TRUE(removed) << out;
  ASSERT_FALSE(removed->lost.empty()) << station << " had " << busiest->second << " stops ahead";

  int status = -1;
  ASSERT_TRUE((*sim)->Wait(std::chrono::seconds(180), &status));
  auto log = worldfiles::ReadFile(dir_ + "/sim.log");
  ASSERT_TRUE(log);
  EXPECT_EQ(status, 0) << *log;
  EXPECT_EQ(log->find("FINDINGS"), std::string::npos) << *log;
  EXPECT_NE(log->find("0 orphans, 0 overlaps"), std::string::npos) << *log;
  auto told = log->find("disrupted trips");
  ASSERT_NE(told, std::string::npos) << *log;
  int disrupted = 0, before = 0, on_the_way = 0;
  ASSERT_EQ(std::sscanf(log->c_str() + told,
                        "disrupted trips (a stop lost to a point out of service): %d; planned "
                        "again and reserved: %d before leaving, %d on the way",
                        &disrupted, &before, &on_the_way),
            3)
      << *log;
  EXPECT_GE(disrupted, 1) << *log;
  EXPECT_GE(on_the_way, 1) << *log;
  // Every driver who planned again drove the new plan to the end: its last
  // telemetry says parked, and no booking of its is left at the closed station.
  std::map<std::string, std::string> last_state;
  for (const auto& m : recorder_->Messages()) {
    auto t = schemas::Decode<schemas::VehicleTelemetry>(m.payload);
    if (m.topic.find("/telemetry") != std::string::npos && t) last_state[t->vehicle] = t->state;
  }
  for (const auto& l : removed->lost) {
    if (last_state.count(l.vehicle) != 0) {
      EXPECT_EQ(last_state[l.vehicle], "parked") << l.vehicle;
    }
  }
}

}  // namespace
}  // namespace tripmesh::testing
