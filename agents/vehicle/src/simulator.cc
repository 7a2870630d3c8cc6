#include "tripmesh/vehicle/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tripmesh/vehicle/vehicle_client.h"

namespace tripmesh::vehicle {
namespace {

using Clock = std::chrono::steady_clock;

struct CarModel {
  const char* name;
  double battery_kwh, consumption_kwh_per_km, max_charge_kw;
  std::vector<std::string> connectors;
};

// Electric cars sold in Brazil, with their usable battery, highway
// consumption and peak DC power.
const std::vector<CarModel>& Models() {
  static const std::vector<CarModel> models = {
      {"BYD Dolphin", 44.9, 0.150, 60, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"BYD Seal", 82.5, 0.165, 150, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"Renault Kwid E-Tech", 26.8, 0.135, 30, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"GWM Ora 03", 48.0, 0.155, 80, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"Volvo EX30", 64.0, 0.170, 153, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"Nissan Leaf", 40.0, 0.160, 50, {"CHADEMO", "IEC_62196_T2"}},
  };
  return models;
}

enum class Behaviour { kBook, kHoldThenConfirm, kBookThenCancel };

struct Plan {
  std::string id, home;
  schemas::PlanRequest trip;
  Behaviour behaviour = Behaviour::kBook;
};

std::vector<Plan> MakeFleet(const SimOptions& o, const core::World& world) {
  std::mt19937_64 rng(o.seed);
  std::vector<std::string> companies = o.homes;
  if (companies.empty()) {
    for (const auto& c : world.catalogues()) companies.push_back(c.info.company);
  }
  // Trips start and end in cities that have a station, where drivers live.
  std::vector<std::string> cities;
  for (const auto& c : world.catalogues()) {
    for (const auto& s : c.stations) cities.push_back(s.city);
  }
  std::sort(cities.begin(), cities.end());
  cities.erase(std::unique(cities.begin(), cities.end()), cities.end());
  Time now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  Time tomorrow = (now / 86400 + 1) * 86400 + 9 * 3600;  // 06:00 in Brazil
  std::uniform_int_distribution<std::size_t> pick_city(0, cities.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_model(0, Models().size() - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Plan> fleet;
  for (int i = 0; i < o.vehicles; ++i) {
    Plan p;
    p.id = fmt::format("{}-{}", o.id_prefix, i + 1);
    p.home = companies[static_cast<std::size_t>(i) % companies.size()];
    std::string from = cities[pick_city(rng)], to;
    do {
      to = cities[pick_city(rng)];
    } while (to == from);
    const CarModel& m = Models()[pick_model(rng)];
    p.trip.request_id.clear();
    p.trip.from = from;
    p.trip.to = to;
    p.trip.depart_at = tomorrow + static_cast<Time>(unit(rng) * 14 * 3600) / 300 * 300;
    p.trip.vehicle = {m.battery_kwh, m.consumption_kwh_per_km, 0.5 + 0.5 * unit(rng),
                      0.10,          m.max_charge_kw,          m.connectors};
    double b = unit(rng);
    p.behaviour = b < o.hold_share                    ? Behaviour::kHoldThenConfirm
                  : b < o.hold_share + o.cancel_share ? Behaviour::kBookThenCancel
                                                      : Behaviour::kBook;
    fleet.push_back(std::move(p));
  }
  return fleet;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

std::string SimSummary::Format() const {
  std::string failures;
  for (const auto& [code, n] : failed) failures += fmt::format(" {} {}", code, n);
  int failed_total = 0;
  for (const auto& [code, n] : failed) failed_total += n;
  return fmt::format(
      "trips {} in {:.1f} s: confirmed {} (held then confirmed {}, then cancelled {}), failed "
      "{}{}\n"
      "across companies: {} confirmed at 2 companies, {} at 3 ({:.0f} % of confirmed)\n"
      "latency of reserve/confirm: p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms; retries {}",
      trips, seconds, confirmed, held_then_confirmed, cancelled, failed_total,
      failures.empty() ? "" : " (" + failures.substr(1) + ")", spanning_two, spanning_three,
      confirmed ? 100.0 * (spanning_two + spanning_three) / confirmed : 0.0, p50_ms, p99_ms, max_ms,
      retries);
}

Result<SimSummary> RunSim(const SimOptions& o, const core::World& world,
                          const SimProgress& progress) {
  if (o.vehicles < 1) return Fail(Errc::kInvalidRequest, "at least one vehicle", "vehicles");
  for (const auto& h : o.homes) {
    if (!world.FindCompany(h)) return Fail(Errc::kNotFound, "no company " + h, "homes");
  }
  std::vector<Plan> fleet = MakeFleet(o, world);
  std::mutex mu;  // guards summary and latencies
  SimSummary summary;
  std::vector<double> latencies;
  std::atomic<int> next{0}, done{0};
  std::optional<Error> fatal;
  auto started = Clock::now();

  auto timed = [&](auto&& call) {
    auto t0 = Clock::now();
    auto r = call();
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::lock_guard lock(mu);
    latencies.push_back(ms);
    return r;
  };
  auto run_one = [&](const Plan& p) {
    VehicleOptions vo;
    vo.id = p.id;
    vo.home = p.home;
    vo.transport = o.transport;
    vo.mqtt = o.mqtt;
    vo.timeout = std::chrono::seconds(60);
    auto client = VehicleClient::Connect(vo);
    if (!client) {
      std::lock_guard lock(mu);
      if (!fatal) fatal = client.error();
      return;
    }
    auto& car = **client;
    Result<schemas::Reservation> r = Fail(Errc::kInternal, "not run");
    int retries = 0;
    for (int attempt = 0; attempt <= o.max_retries; ++attempt) {
      bool hold = p.behaviour == Behaviour::kHoldThenConfirm;
      r = timed([&] { return car.Reserve({"", "", p.trip, hold}); });
      if (r && r->status == "held") r = timed([&] { return car.Confirm(r->reservation_id); });
      bool again = r && r->status == "failed" && r->error && r->error->code == Errc::kUnavailable;
      if (!again || attempt == o.max_retries) break;
      ++retries;
    }
    bool cancelled = false;
    if (r && r->status == "confirmed" && p.behaviour == Behaviour::kBookThenCancel) {
      auto c = car.Cancel(r->reservation_id);
      cancelled = c && c->status == "cancelled";
    }
    std::lock_guard lock(mu);
    ++summary.trips;
    summary.retries += retries;
    if (r && r->status == "confirmed") {
      ++summary.confirmed;
      summary.held_then_confirmed += p.behaviour == Behaviour::kHoldThenConfirm;
      summary.cancelled += cancelled;
      std::set<std::string> companies;
      for (const auto& i : r->items) companies.insert(i.company);
      summary.spanning_two += companies.size() == 2;
      summary.spanning_three += companies.size() >= 3;
    } else {
      Errc code = !r ? r.error().code : r->error ? r->error->code : Errc::kInternal;
      ++summary.failed[std::string(ErrcName(code))];
    }
  };

  std::vector<std::thread> workers;
  int threads = std::max(1, std::min(o.concurrency, o.vehicles));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < o.vehicles;) {
        run_one(fleet[static_cast<std::size_t>(i)]);
        int d = done.fetch_add(1) + 1;
        if (progress) {
          int confirmed;
          {
            std::lock_guard lock(mu);
            confirmed = summary.confirmed;
          }
          progress(d, o.vehicles, confirmed);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  if (fatal && summary.trips == 0) return tl::unexpected<Error>(*fatal);
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  summary.p50_ms = Percentile(latencies, 0.50);
  summary.p99_ms = Percentile(latencies, 0.99);
  summary.max_ms = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
  return summary;
}

}  // namespace tripmesh::vehicle
