// tripmesh demo --profile air: a local mosquitto, the three airlines as child
// processes, and passengers who plan and buy itineraries that mix airlines.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "commands.h"
#include "tripmesh/airline/air_consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/vehicle/vehicle_client.h"

namespace tripmesh::cli {
namespace {

const std::vector<std::string> kAirlines = {"jangada", "sabia", "tucano"};

struct AirTrip {
  const char* home;
  const char* from;
  const char* to;
  bool hold_first;  // hold_only, then confirm
};

// Most of these need two or three airlines; the last stays at one.
constexpr AirTrip kAirTrips[] = {
    {"tucano", "BEL", "NAT", false},  {"jangada", "JPA", "POA", true},
    {"sabia", "CWB", "MAO", false},   {"tucano", "MAO", "REC", true},
    {"jangada", "NAT", "IGU", false}, {"sabia", "FLN", "FOR", false},
    {"tucano", "BVB", "SSA", true},   {"jangada", "REC", "FOR", false},
};

struct AirTally {
  int confirmed = 0, failed = 0, legs = 0, mixed = 0;
};

Result<schemas::AirReservation> Buy(vehicle::VehicleClient& client, const schemas::AirItinerary& it,
                                    bool hold_first) {
  schemas::AirReserveRequest req{
      .request_id = "", .legs = {}, .passengers = 1, .hold_only = hold_first};
  for (const auto& leg : it.legs)
    req.legs.push_back({.leg_id = leg.leg_id, .fare_class = leg.fare_class, .seats = {}});
  auto text = AskAgent(client, "reserve", schemas::Encode(req));
  if (!text) return tl::unexpected<Error>(text.error());
  auto r = schemas::Decode<schemas::AirReservation>(*text);
  if (!r || !hold_first) return r;
  text = AskAgent(client, "confirm", schemas::EncodeRef({"", r->reservation_id}, "confirm"));
  if (!text) return tl::unexpected<Error>(text.error());
  return schemas::Decode<schemas::AirReservation>(*text);
}

// One passenger plans its trip for tomorrow and buys the earliest itinerary; one line says how.
void OneTrip(const std::string& uri, int i, AirTally& t) {
  const AirTrip& trip = kAirTrips[static_cast<std::size_t>(i) % std::size(kAirTrips)];
  vehicle::VehicleOptions vo;
  vo.id = fmt::format("demo-pax-{}", i + 1);
  vo.home = trip.home;
  vo.mqtt.broker = uri;
  auto client = vehicle::VehicleClient::Connect(vo);
  if (!client) {
    std::printf("%-12s cannot connect: %s\n", vo.id.c_str(), client.error().message.c_str());
    ++t.failed;
    return;
  }
  schemas::AirPlanRequest q;
  q.from = trip.from;
  q.to = trip.to;
  q.depart_after = core::RealClock().Now() + kDayS;
  auto text = AskAgent(**client, "plan", schemas::Encode(q));
  auto plan = text ? schemas::Decode<schemas::AirPlanResult>(*text)
                   : Result<schemas::AirPlanResult>(tl::unexpected<Error>(text.error()));
  if (!plan || plan->itineraries.empty()) {
    std::printf("%-12s %s -> %s: plan failed: %s\n", vo.id.c_str(), trip.from, trip.to,
                plan ? "no itinerary" : plan.error().message.c_str());
    ++t.failed;
    return;
  }
  const auto& it = plan->itineraries.front();
  std::vector<std::string> flights;
  std::set<std::string> airlines;
  for (const auto& leg : it.legs) {
    flights.push_back(leg.flight);
    airlines.insert(leg.airline);
  }
  auto r = Buy(**client, it, trip.hold_first);
  bool ok = r && r->status == schemas::ReservationStatus::kConfirmed;
  ok ? ++t.confirmed : ++t.failed;
  t.legs += ok ? static_cast<int>(it.legs.size()) : 0;
  t.mixed += ok && airlines.size() > 1;
  std::vector<std::string> seats;
  if (ok) {
    for (const auto& leg : r->legs) seats.push_back(fmt::format("{}", fmt::join(leg.seats, ",")));
  }
  std::printf("%-12s %-7s %s -> %s  %-22s %d airline(s) %s%-9s %s\n", vo.id.c_str(), trip.home,
              trip.from, trip.to, fmt::format("{}", fmt::join(flights, " ")).c_str(),
              static_cast<int>(airlines.size()), trip.hold_first ? "held, then " : "",
              ok ? "confirmed" : "failed",
              ok ? fmt::format("BRL {:.2f}  seats {}", r->price, fmt::join(seats, " ")).c_str()
                 : (r ? "" : r.error().message.c_str()));
}

Result<std::unique_ptr<harness::LocalBroker>> StartAirlines(
    const std::string& data, const std::string& dir,
    std::vector<std::unique_ptr<harness::Process>>& agents) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  std::string conf = data + "/../mosquitto/dev.conf";
  auto broker =
      harness::LocalBroker::Start(dir + "/broker", std::filesystem::exists(conf) ? conf : "");
  if (!broker) return tl::unexpected<Error>(broker.error());
  std::string uri = (*broker)->uri();
  std::printf("broker     mosquitto on %s (log %s/broker/mosquitto.log)\n", uri.c_str(),
              dir.c_str());
  for (const auto& a : kAirlines) {
    auto p =
        harness::Process::Spawn({harness::SelfExe(), "airline", "--id", a, "--broker", uri,
                                 "--data", data + "/air", "--db", fmt::format("{}/{}.db", dir, a)},
                                fmt::format("{}/{}.log", dir, a));
    if (!p) return tl::unexpected<Error>(p.error());
    agents.push_back(std::move(*p));
    std::printf("airline    %-10s pid %d (log %s/%s.log)\n", a.c_str(), agents.back()->pid(),
                dir.c_str(), a.c_str());
  }
  runtime::TransportOptions watch;
  watch.broker = uri;
  if (auto st = vehicle::WaitForCompanies(watch, kAirlines, std::chrono::seconds(30),
                                          [] { return false; });
      !st)
    return Fail(st.error().code, st.error().message + "; see " + dir + "/*.log");
  std::printf("\nwatch it live:  mosquitto_sub -h 127.0.0.1 -p %d -t '%s' -v\n\n",
              (*broker)->port(), topics::Everything().c_str());
  return broker;
}

}  // namespace

int RunAirDemo(const std::string& data, const std::string& dir, int passengers, int fleet,
               int linger_s) {
  std::vector<std::unique_ptr<harness::Process>> agents;
  auto broker = StartAirlines(data, dir, agents);
  if (!broker) {
    std::fprintf(stderr, "tripmesh demo: %s\n", broker.error().message.c_str());
    return 1;
  }
  AirTally t;
  for (int i = 0; i < passengers; ++i) OneTrip((*broker)->uri(), i, t);
  std::printf(
      "\nsummary: %d itinerary(ies) confirmed (%d across airlines), %d failed, %d seat(s) on "
      "legs bought\n",
      t.confirmed, t.mixed, t.failed, t.legs);
  int failed = t.failed;
  std::fflush(stdout);
  if (fleet > 0) {
    std::printf("\nnow %d simulated passengers (tripmesh sim --profile air), homed at all three:\n",
                fleet);
    std::fflush(stdout);
  }
  vehicle::SimOptions sim;
  sim.vehicles = fleet;
  sim.id_prefix = "demo-sim-pax";
  sim.mqtt.broker = (*broker)->uri();
  // Then the checker over the airlines' stores, whether or not a fleet ran.
  if (RunAirSimulation(sim, data, dir, {}) != kSuccess) ++failed;
  if (linger_s > 0) {
    std::printf("running for %d s more\n", linger_s);
    std::this_thread::sleep_for(std::chrono::seconds(linger_s));
  }
  for (auto& a : agents) a->Stop();
  std::printf("stopped the airlines and the broker\n");
  return failed == 0 ? 0 : 1;
}

}  // namespace tripmesh::cli
