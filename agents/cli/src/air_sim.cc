// tripmesh sim --profile air: simulated passengers, each its own MQTT
// client, who plan a random trip between two airports in the next week and
// buy an itinerary (some hold first, some cancel afterwards), many at once.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "commands.h"
#include "tripmesh/airline/air_consistency.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct AirSimTally {
  std::mutex mu;
  int done = 0, confirmed = 0, mixed = 0, cancelled = 0, no_itinerary = 0;
  std::map<std::string, int> failed;  // by error code
  std::vector<double> reserve_ms;

  std::string Format(int total) {
    std::sort(reserve_ms.begin(), reserve_ms.end());
    auto at = [&](double q) {
      return reserve_ms.empty() ? 0.0
                                : reserve_ms[static_cast<std::size_t>(
                                      q * static_cast<double>(reserve_ms.size() - 1))];
    };
    std::string fails;
    for (const auto& [code, n] : failed) fails += fmt::format(", {} {}", code, n);
    return fmt::format(
        "{} passengers: {} itineraries confirmed ({} across airlines), {} cancelled afterwards, "
        "{} with no itinerary in the week, {} failed{}; reserve p50 {:.1f} ms, p99 {:.1f} ms",
        total, confirmed, mixed, cancelled, no_itinerary,
        std::accumulate(failed.begin(), failed.end(), 0,
                        [](int n, const auto& f) { return n + f.second; }),
        fails.empty() ? "" : " (" + fails.substr(2) + ")", at(0.5), at(0.99));
  }
};

// Passenger `i`: plan, buy, maybe cancel; the tally says how it went.
void OnePassenger(const vehicle::SimOptions& sim, const std::vector<std::string>& airports,
                  const std::vector<std::string>& homes, int i, AirSimTally& t) {
  std::mt19937_64 rng(sim.seed * 1000003 + static_cast<std::uint64_t>(i));
  std::uniform_real_distribution<double> share(0, 1);
  auto fail = [&t](const Error& e) {
    std::lock_guard lock(t.mu);
    ++t.failed[std::string(ErrcName(e.code))];
  };
  vehicle::VehicleOptions vo;
  vo.id = fmt::format("{}-{}", sim.id_prefix, i + 1);
  vo.home = homes[static_cast<std::size_t>(i) % homes.size()];
  vo.mqtt = sim.mqtt;
  if (auto pw = sim.passwords.find(vo.id); pw != sim.passwords.end()) {
    vo.mqtt.username = vo.id;
    vo.mqtt.password = pw->second;
  }
  auto client = vehicle::VehicleClient::Connect(vo);
  if (!client) return fail(client.error());
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
      std::lock_guard lock(t.mu);
      ++t.no_itinerary;
      return;
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
  auto t0 = std::chrono::steady_clock::now();
  text = AskAgent(**client, "reserve", schemas::Encode(req));
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  auto r = text ? schemas::Decode<schemas::AirReservation>(*text)
                : Result<schemas::AirReservation>(tl::unexpected<Error>(text.error()));
  if (r && hold) {
    text = AskAgent(**client, "confirm", schemas::EncodeRef({"", r->reservation_id}, "confirm"));
    if (!text) r = tl::unexpected<Error>(text.error());
  }
  if (!r) return fail(r.error());
  bool cancelled =
      cancel && AskAgent(**client, "cancel", schemas::EncodeRef({"", r->reservation_id}, "cancel"));
  std::lock_guard lock(t.mu);
  ++t.confirmed;
  t.mixed += airlines.size() > 1;
  t.cancelled += cancelled;
  t.reserve_ms.push_back(ms);
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
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < std::max(1, sim.concurrency); ++w) {
    workers.emplace_back([&] {
      for (int i = next++; i < sim.vehicles; i = next++) {
        OnePassenger(sim, airports, homes, i, tally);
        std::lock_guard lock(tally.mu);
        if (++tally.done % std::max(1, sim.vehicles / 10) == 0 || tally.done == sim.vehicles) {
          std::fprintf(stderr, "%d/%d passengers, %d confirmed\n", tally.done, sim.vehicles,
                       tally.confirmed);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  std::cout << tally.Format(sim.vehicles) << "\n";
  std::map<std::string, std::string> stores;
  for (const auto& a : files->airlines) {
    if (!check.empty()) stores[a.info.id] = check + "/" + a.info.id + ".db";
  }
  if (!AddStoreSpecs(check_dbs, stores)) return kUsageError;
  // A flight sold out is the market, not a fault: other failures are.
  bool faults = std::any_of(tally.failed.begin(), tally.failed.end(), [](const auto& f) {
    return f.first != ErrcName(Errc::kUnavailable) && f.first != ErrcName(Errc::kConflict);
  });
  if (stores.empty()) return faults ? kError : kSuccess;
  auto report = airline::CheckAirStores(stores, core::RealClock().Now());
  if (!report) {
    std::cerr << "tripmesh sim: consistency check: " << report.error().message << "\n";
    return kError;
  }
  std::cout << "consistency: " << (report->ok() ? "" : "FINDINGS: ") << report->Summary() << "\n";
  return report->ok() && !faults ? kSuccess : kError;
}

}  // namespace tripmesh::cli
