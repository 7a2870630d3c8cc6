// Planner latency, single thread: the default world and a generated map of
// 5,000 cities and 10,000 stations. Each benchmark plans a fixed set of random
// trips and reports p50/p99 per plan; "baseline" is a plain shortest-route
// Dijkstra over the same map and trips, so the ratio survives a noisy machine.
// The air profile's planner on data/air likewise, beside a plain earliest
// arrival scan of the same legs (no connection times, seats or alternatives).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <queue>
#include <random>

#include "tripmesh/air/planner.h"
#include "tripmesh/core/planner.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kNeighbours = 5;

core::World GeneratedWorld(int cities, int stations, unsigned seed) {
  std::mt19937 rng(seed);
  schemas::Map map;
  std::uniform_real_distribution<double> lat(-18.0, -3.0), lon(-46.0, -34.5);
  for (int i = 0; i < cities; ++i) {
    map.cities.push_back(
        {"c" + std::to_string(i) + "-xx", "C", "XX", lat(rng), lon(rng), "America/Bahia", 0});
  }
  // Each city joins its nearest neighbours (road km run about 1.3x the straight
  // line, as on real highways); a chain over a sort by
  // longitude then joins every component, as long highways do.
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i < cities; ++i) {
    std::vector<std::pair<double, int>> near;
    for (int j = 0; j < cities; ++j) {
      if (j == i) continue;
      double d = core::GreatCircleKm(map.cities[i].lat, map.cities[i].lon, map.cities[j].lat,
                                     map.cities[j].lon);
      near.push_back({d, j});
    }
    std::partial_sort(near.begin(), near.begin() + kNeighbours, near.end());
    for (int k = 0; k < kNeighbours; ++k) edges.push_back(std::minmax(i, near[k].second));
  }
  std::vector<int> by_lon(cities);
  for (int i = 0; i < cities; ++i) by_lon[i] = i;
  std::sort(by_lon.begin(), by_lon.end(),
            [&](int a, int b) { return map.cities[a].lon < map.cities[b].lon; });
  for (int i = 1; i < cities; i += 50) edges.push_back(std::minmax(by_lon[i - 1], by_lon[i]));
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  for (auto [a, b] : edges) {
    const auto &ca = map.cities[a], &cb = map.cities[b];
    map.roads.push_back(
        {ca.id, cb.id, "BR",
         std::ceil(core::GreatCircleKm(ca.lat, ca.lon, cb.lat, cb.lon) * 1.25) + 1});
  }
  std::vector<schemas::Catalogue> cats(3);
  const char* names[] = {"alpha", "beta", "gamma"};
  for (int c = 0; c < 3; ++c) cats[c].info = {names[c], names[c], "XX", 0};
  std::uniform_int_distribution<int> city(0, cities - 1), company(0, 2), npoints(1, 4);
  const double powers[] = {22, 50, 60, 100, 150, 350};
  for (int s = 0; s < stations; ++s) {
    auto& cat = cats[company(rng)];
    schemas::Station st;
    st.company = cat.info.company;
    st.id = "s" + std::to_string(s);
    st.city = map.cities[city(rng)].id;
    st.tariff = {1.5 + 0.2 * company(rng), std::nullopt, "BRL"};
    int n = npoints(rng);
    for (int p = 0; p < n; ++p) {
      double kw = powers[std::uniform_int_distribution<int>(0, 5)(rng)];
      st.points.push_back({std::to_string(p + 1), kw, kw > 22 ? "DC" : "AC",
                           kw > 22 ? "IEC_62196_T2_COMBO" : "IEC_62196_T2", std::nullopt});
    }
    cat.stations.push_back(std::move(st));
  }
  for (auto& c : cats) c.info.stations = static_cast<int>(c.stations.size());
  auto w = core::World::Build(std::move(map), std::move(cats));
  if (!w) throw std::runtime_error(w.error().message);
  return std::move(*w);
}

std::vector<schemas::PlanRequest> Trips(const core::World& w, int n, double min_km, double max_km,
                                        unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> city(0, w.city_count() - 1);
  std::vector<schemas::PlanRequest> trips;
  while (static_cast<int>(trips.size()) < n) {
    const auto &a = w.city(city(rng)), &b = w.city(city(rng));
    double d = core::GreatCircleKm(a.lat, a.lon, b.lat, b.lon);
    if (d < min_km || d > max_km) continue;
    schemas::PlanRequest r;
    r.from = a.id;
    r.to = b.id;
    r.vehicle = {60, 0.17, 0.8, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
    r.alternatives = 3;
    trips.push_back(r);
  }
  return trips;
}

// Plain Dijkstra by km from one city to another: what routing alone costs.
double ShortestKm(const core::World& w, int from, int to) {
  std::vector<double> dist(w.city_count(), 1e18);
  using Item = std::pair<double, int>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
  dist[from] = 0;
  q.push({0, from});
  while (!q.empty()) {
    auto [d, c] = q.top();
    q.pop();
    if (c == to) return d;
    if (d > dist[c]) continue;
    for (const auto& r : w.roads_from(c)) {
      if (d + r.km < dist[r.to]) {
        dist[r.to] = d + r.km;
        q.push({dist[r.to], r.to});
      }
    }
  }
  return -1;
}

void Report(benchmark::State& state, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  state.counters["max_us"] = us.back();
}

void RunPlanner(benchmark::State& state, const core::World& w,
                const std::vector<schemas::PlanRequest>& trips) {
  core::PlanContext ctx;
  ctx.station_allowed = [](const schemas::Station&) { return true; };
  ctx.earliest_start = [](const schemas::Station&, const schemas::Point&, Time from, Time) {
    return from;
  };
  std::vector<double> us;
  std::size_t i = 0, ok = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    auto plans = core::PlanTrip(w, trips[i++ % trips.size()], 0, ctx);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    ok += plans.has_value();
    benchmark::DoNotOptimize(plans);
  }
  state.counters["planned_share"] = static_cast<double>(ok) / static_cast<double>(us.size());
  Report(state, us);
}

void RunBaseline(benchmark::State& state, const core::World& w,
                 const std::vector<schemas::PlanRequest>& trips) {
  std::vector<double> us;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& t = trips[i++ % trips.size()];
    auto t0 = Clock::now();
    double km = ShortestKm(w, w.CityIndex(t.from), w.CityIndex(t.to));
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    benchmark::DoNotOptimize(km);
  }
  Report(state, us);
}

const core::World& DefaultWorld() {
  static core::World w = [] {
    auto r = worldfiles::LoadWorld(TRIPMESH_DATA_DIR);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
  }();
  return w;
}

const core::World& BigWorld() {
  static core::World w = GeneratedWorld(5000, 10000, 7);
  return w;
}

void BM_PlanDefaultWorld(benchmark::State& state) {
  static auto trips = Trips(DefaultWorld(), 500, 150, 1500, 1);
  RunPlanner(state, DefaultWorld(), trips);
}
void BM_BaselineDefaultWorld(benchmark::State& state) {
  static auto trips = Trips(DefaultWorld(), 500, 150, 1500, 1);
  RunBaseline(state, DefaultWorld(), trips);
}
void BM_PlanGenerated5000(benchmark::State& state) {
  static auto trips = Trips(BigWorld(), 300, 200, 1200, 2);
  RunPlanner(state, BigWorld(), trips);
}
void BM_BaselineGenerated5000(benchmark::State& state) {
  static auto trips = Trips(BigWorld(), 300, 200, 1200, 2);
  RunBaseline(state, BigWorld(), trips);
}

constexpr Time kAirMonday = 1799020800;  // 2027-01-04T00:00:00Z

const air::Timetable& AirWorld() {
  static air::Timetable t = [] {
    auto r = worldfiles::LoadAirWorld(
        std::string(TRIPMESH_DATA_DIR) + "/air", [](const std::string& zone) {
          return runtime::OffsetAt(zone, kAirMonday).utc_offset_s / 60;
        });
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
  }();
  return t;
}

const std::vector<air::Leg>& AirLegs() {
  static std::vector<air::Leg> legs = AirWorld().LegsDeparting(kAirMonday, kAirMonday + 9 * kDayS);
  return legs;
}

// Random pairs of the airports that fly, leaving at a random hour of the week.
std::vector<air::ItineraryQuery> AirTrips(int n, unsigned seed) {
  std::vector<std::string> codes;
  for (const auto& l : AirLegs()) codes.push_back(l.from);
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, codes.size() - 1);
  std::uniform_int_distribution<int> hour(0, 7 * 24 - 1);
  std::vector<air::ItineraryQuery> trips;
  while (static_cast<int>(trips.size()) < n) {
    air::ItineraryQuery q;
    q.from = codes[pick(rng)];
    q.to = codes[pick(rng)];
    if (q.from == q.to) continue;
    q.depart_after = kAirMonday + hour(rng) * kHourS;
    q.prefer = static_cast<air::Prefer>(trips.size() % 3);
    trips.push_back(q);
  }
  return trips;
}

void BM_PlanAirItineraries(benchmark::State& state) {
  static auto trips = AirTrips(500, 3);
  air::SeatsLeft seats = [](const air::Leg& leg, air::Cabin cabin) {
    return AirWorld().AircraftOf(leg)->SeatsIn(cabin);
  };
  std::vector<double> us;
  std::size_t i = 0, ok = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    auto plans = air::PlanItineraries(AirWorld(), AirLegs(), trips[i++ % trips.size()], seats);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    ok += plans.has_value();
    benchmark::DoNotOptimize(plans);
  }
  state.counters["planned_share"] = static_cast<double>(ok) / static_cast<double>(us.size());
  Report(state, us);
}

// Earliest arrival by a single scan: each airport's earliest arrival only.
void BM_BaselineAirEarliestArrival(benchmark::State& state) {
  static auto trips = AirTrips(500, 3);
  std::vector<double> us;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& q = trips[i++ % trips.size()];
    auto t0 = Clock::now();
    std::map<std::string, Time> arrival{{q.from, q.depart_after}};
    for (const auto& l : AirLegs()) {
      if (l.departs >= q.depart_after + q.horizon_s) break;
      auto at = arrival.find(l.from);
      if (at == arrival.end() || at->second > l.departs) continue;
      auto [to, fresh] = arrival.emplace(l.to, l.arrives);
      if (!fresh && l.arrives < to->second) to->second = l.arrives;
    }
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    benchmark::DoNotOptimize(arrival);
  }
  Report(state, us);
}

BENCHMARK(BM_BaselineAirEarliestArrival)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PlanAirItineraries)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BaselineDefaultWorld)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PlanDefaultWorld)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BaselineGenerated5000)->Iterations(300)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PlanGenerated5000)->Iterations(300)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tripmesh

BENCHMARK_MAIN();
