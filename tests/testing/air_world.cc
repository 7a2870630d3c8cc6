#include "air_world.h"

#include <gtest/gtest.h>

#include "testing.h"
#include "tripmesh/base/time.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::testing {

std::string AirDate() {
  Time now = core::RealClock().Now();
  Time days = now / kDayS;
  Time monday = (days - (days + 3) % 7 + 7) * kDayS;
  return FormatTime(monday + 2 * kDayS).substr(0, 10);
}

std::unique_ptr<harness::Process> StartAirline(const std::string& id, const std::string& broker,
                                               const std::string& dir,
                                               const std::vector<std::string>& extra,
                                               int saga_timeout_ms) {
  std::vector<std::string> args = {TripmeshBinary(),
                                   "airline",
                                   "--id",
                                   id,
                                   "--broker",
                                   broker,
                                   "--data",
                                   DataDir() + "/air",
                                   "--db",
                                   dir + "/" + id + ".db",
                                   "--saga-timeout-ms",
                                   std::to_string(saga_timeout_ms)};
  args.insert(args.end(), extra.begin(), extra.end());
  auto p = harness::Process::Spawn(args, dir + "/" + id + ".log");
  EXPECT_TRUE(p) << p.error().message;
  if (!p) return nullptr;
  EXPECT_TRUE(WaitOnline(broker, id)) << id << " did not come online; see " << dir;
  return std::move(*p);
}

std::vector<schemas::AirPlanLeg> BelemToNatal(vehicle::VehicleClient& passenger) {
  schemas::AirPlanRequest q;
  q.from = "BEL";
  q.to = "NAT";
  q.depart_after = ParseTime(AirDate() + "T06:00:00-03:00").value();
  auto text = vehicle::ResultOf(passenger.Request("plan", schemas::Encode(q)));
  EXPECT_TRUE(text) << text.error().message;
  if (!text) return {};
  auto plan = schemas::Decode<schemas::AirPlanResult>(*text);
  EXPECT_TRUE(plan && !plan->itineraries.empty());
  if (!plan || plan->itineraries.empty()) return {};
  return plan->itineraries.front().legs;
}

std::string AskFor(const std::vector<schemas::AirPlanLeg>& legs, bool hold_only,
                   const std::string& request_id) {
  schemas::AirReserveRequest r{
      .request_id = request_id, .legs = {}, .passengers = 1, .hold_only = hold_only};
  for (const auto& l : legs)
    r.legs.push_back({.leg_id = l.leg_id, .fare_class = l.fare_class, .seats = {}});
  return schemas::Encode(r);
}

}  // namespace tripmesh::testing
