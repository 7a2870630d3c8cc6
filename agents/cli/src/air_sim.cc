// tripmesh sim --profile air: simulated passengers, each its own MQTT
// client, who plan a random trip between two airports in the next week and
// buy an itinerary (some hold first, some cancel afterwards), many at once.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>
#include <set>

#include "commands.h"
#include "tripmesh/airline/air_consistency.h"
#include "tripmesh/crowd/crowd.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

// How the passengers' purchases went, counted one passenger at a time.
struct AirSimTally {
  int done = 0, confirmed = 0, mixed = 0, cancelled = 0, no_itinerary = 0;
  crowd::Failures failed;

  std::string Format(int total, const crowd::Latencies& reserve) const {
    std::string fails = failed.Format();
    return fmt::format(
        "{} passengers: {} itineraries confirmed ({} across airlines), {} cancelled afterwards, "
        "{} with no itinerary in the week, {} failed{}; reserve p50 {:.1f} ms, p99 {:.1f} ms",
        total, confirmed, mixed, cancelled, no_itinerary, failed.Total(),
        fails.empty() ? "" : " (" + fails + ")", reserve.At(0.5), reserve.At(0.99));
  }
};

// What became of one passenger.
struct Purchase {
  enum class Ending { kConfirmed, kNoItinerary, kFailed } ending = Ending::kFailed;
  Errc error = Errc::kInternal;
  std::string message;  // of the error
  bool mixed = false, cancelled = false;
  bool connected = true;  // false: the passenger never reached the broker
};

// Passenger `i`: plan, buy, maybe cancel; the tally says how it went.
Purchase OnePassenger(const vehicle::SimOptions& sim, const std::vector<std::string>& airports,
                      const std::vector<std::string>& homes, int i, crowd::Latencies& reserve) {
  std::mt19937_64 rng(sim.seed * 1000003 + static_cast<std::uint64_t>(i));
  std::uniform_real_distribution<double> share(0, 1);
  auto fail = [](const Error& e) { return Purchase{.error = e.code, .message = e.message}; };
  vehicle::VehicleOptions vo;
  vo.id = fmt::format("{}-{}", sim.id_prefix, i + 1);
  vo.home = homes[static_cast<std::size_t>(i) % homes.size()];
  vo.mqtt = sim.mqtt;
  if (auto pw = sim.passwords.find(vo.id); pw != sim.passwords.end()) {
    vo.mqtt.username = vo.id;
    vo.mqtt.password = pw->second;
  }
  auto client = vehicle::VehicleClient::Connect(vo);
  if (!client) {
    auto p = fail(client.error());
    p.connected = false;
    return p;
  }
  schemas::AirPlanRequest q;
  q.from = airports[rng() % airports.size()];
  do {
    q.to = airports[rng() % airports.size()];
  } while (q.to == q.from);
  q.depart_after = core::RealClock().Now() + kDayS + static_cast<Time>(rng() % (6 * kDayS));
  auto text = AskAgent(**client, "plan", schemas::Encode(q));
  auto plan = text ? schemas::Decode<schemas::AirPlanResult>(*text)
                   : Result<schemas::AirPlanResult>(tl::unexpected<Error>(text.error()));
  if (!plan || plan->itineraries.empty()) {
    if (plan || plan.error().code == Errc::kNoRoute) {
      return Purchase{.ending = Purchase::Ending::kNoItinerary};
    }
    return fail(plan.error());
  }
  const auto& it = plan->itineraries[rng() % plan->itineraries.size()];
  bool hold = share(rng) < sim.hold_share, cancel = share(rng) < sim.cancel_share;
  schemas::AirReserveRequest req{.request_id = "", .legs = {}, .passengers = 1, .hold_only = hold};
  std::set<std::string> airlines;
  for (const auto& leg : it.legs) {
    req.legs.push_back({.leg_id = leg.leg_id, .fare_class = leg.fare_class, .seats = {}});
    airlines.insert(leg.airline);
  }
  text = crowd::Timed(reserve, [&] { return AskAgent(**client, "reserve", schemas::Encode(req)); });
  auto r = text ? schemas::Decode<schemas::AirReservation>(*text)
                : Result<schemas::AirReservation>(tl::unexpected<Error>(text.error()));
  if (r && hold) {
    text = AskAgent(**client, "confirm", schemas::EncodeRef({"", r->reservation_id}, "confirm"));
    if (!text) r = tl::unexpected<Error>(text.error());
  }
  if (!r) return fail(r.error());
  bool cancelled =
      cancel && AskAgent(**client, "cancel", schemas::EncodeRef({"", r->reservation_id}, "cancel"));
  return Purchase{
      .ending = Purchase::Ending::kConfirmed, .mixed = airlines.size() > 1, .cancelled = cancelled};
}

void Count(const Purchase& p, AirSimTally& t) {
  ++t.done;
  switch (p.ending) {
    case Purchase::Ending::kConfirmed:
      ++t.confirmed;
      t.mixed += p.mixed;
      t.cancelled += p.cancelled;
      break;
    case Purchase::Ending::kNoItinerary:
      ++t.no_itinerary;
      break;
    case Purchase::Ending::kFailed:
      t.failed.Add(p.error);
      break;
  }
}

}  // namespace

int RunAirSimulation(const vehicle::SimOptions& sim, const std::string& data,
                     const std::string& check, const std::vector<std::string>& check_dbs) {
  auto files = worldfiles::ReadAirFiles(data + "/air");
  if (!files) {
    std::cerr << "tripmesh: " << files.error().message << " (is --data the folder of air/?)\n";
    return kError;
  }
  std::vector<std::string> airports, homes = sim.homes;
  for (const auto& a : files->map.airports) airports.push_back(a.code);
  if (homes.empty()) {
    for (const auto& a : files->airlines) homes.push_back(a.info.id);
  }
  AirSimTally tally;
  std::vector<Purchase> purchases(static_cast<std::size_t>(std::max(0, sim.vehicles)));
  auto play = [&](int i, crowd::Latencies& reserve) {
    purchases[static_cast<std::size_t>(i)] = OnePassenger(sim, airports, homes, i, reserve);
  };
  bool tty = isatty(STDERR_FILENO);
  auto after = [&](int i) {
    Count(purchases[static_cast<std::size_t>(i)], tally);
    PrintProgress({.done = tally.done, .total = sim.vehicles, .confirmed = tally.confirmed}, tty,
                  "UTC", "passengers");
  };
  auto reserve = crowd::Run({sim.vehicles, sim.concurrency, sim.stop}, play, after);
  // Nobody reached the broker: one line says why, not a tally of the same failure.
  if (!purchases.empty() &&
      std::none_of(purchases.begin(), purchases.end(), [](const auto& p) { return p.connected; })) {
    std::cerr << "tripmesh sim: " << purchases.front().message << "\n";
    return kError;
  }
  std::cout << tally.Format(sim.vehicles, reserve) << "\n";
  // A flight sold out is the market, not a fault: other failures are.
  bool faults = tally.failed.AnyBut({Errc::kUnavailable, Errc::kConflict});
  std::vector<std::string> airlines;
  for (const auto& a : files->airlines) airlines.push_back(a.info.id);
  int checked = CheckAfterSim(airlines, check, check_dbs, [](const auto& stores) {
    return airline::CheckAirStores(stores, core::RealClock().Now()).map([](const auto& report) {
      return CheckVerdict{report.ok(), report.Summary()};
    });
  });
  return checked == kSuccess && faults ? kError : checked;
}

}  // namespace tripmesh::cli
