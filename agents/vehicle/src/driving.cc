#include "driving.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <queue>
#include <thread>
#include <utility>

namespace tripmesh::vehicle {

namespace {

// Where the vehicle is at the ends of a drive: leaving one place, reaching the next.
struct DriveEnd {
  std::size_t route_index = 0;
  Time at = 0;
  double soc = 0;
};

// The route's cities strictly between two ends of a drive, each at its share
// of the drive's km, time and charge.
void PassThrough(const schemas::Plan& plan, const LegKm& leg_km, DriveEnd a, DriveEnd b,
                 const std::function<void(Time, const std::string&, double)>& at) {
  if (b.route_index <= a.route_index + 1) return;
  std::vector<double> km_to(b.route_index - a.route_index + 1, 0);
  for (std::size_t i = a.route_index + 1; i <= b.route_index; ++i) {
    km_to[i - a.route_index] =
        km_to[i - a.route_index - 1] + std::max(0.0, leg_km(plan.route[i - 1], plan.route[i]));
  }
  double total = km_to.back();
  if (total <= 0) return;
  for (std::size_t i = a.route_index + 1; i < b.route_index; ++i) {
    double share = km_to[i - a.route_index] / total;
    at(a.at + static_cast<Time>(share * static_cast<double>(b.at - a.at)), plan.route[i],
       a.soc + share * (b.soc - a.soc));
  }
}

// The route index of each stop's city (searched onwards from the previous
// stop's), or none when the route does not name the cities in order.
std::optional<std::vector<std::size_t>> StopIndexes(const schemas::Plan& plan) {
  std::vector<std::size_t> out;
  std::size_t from = 0;
  for (const auto& stop : plan.stops) {
    auto it = std::find(plan.route.begin() + static_cast<std::ptrdiff_t>(from), plan.route.end(),
                        stop.city);
    if (it == plan.route.end()) return std::nullopt;
    from = static_cast<std::size_t>(it - plan.route.begin());
    out.push_back(from);
  }
  return out;
}

}  // namespace

std::vector<DriveEvent> Timeline(const std::string& vehicle, const schemas::Plan& plan,
                                 const std::string& from, const std::string& to, double soc,
                                 std::optional<std::size_t> skip, const LegKm& leg_km) {
  std::vector<DriveEvent> out;
  auto at = [&](Time t, const std::string& city, double s, const char* state,
                std::string checkin = "") {
    out.push_back({{vehicle, city, std::clamp(s, 0.0, 1.0), state, t}, std::move(checkin)});
  };
  auto passing = [&](Time t, const std::string& city, double s) { at(t, city, s, "driving"); };
  std::optional<std::vector<std::size_t>> stop_index;
  if (leg_km && !plan.route.empty()) stop_index = StopIndexes(plan);
  DriveEnd left{0, plan.depart_at, soc};
  at(plan.depart_at, from, soc, "driving");
  for (std::size_t k = 0; k < plan.stops.size(); ++k) {
    const auto& stop = plan.stops[k];
    if (stop_index) {
      PassThrough(plan, leg_km, left, {(*stop_index)[k], stop.arrive_at, stop.soc_in}, passing);
      left = {(*stop_index)[k], stop.end_at, stop.soc_out};
    }
    if (skip == k) {
      if (stop_index) at(stop.arrive_at, stop.city, stop.soc_in, "driving");
      continue;
    }
    if (stop.start_at > stop.arrive_at) at(stop.arrive_at, stop.city, stop.soc_in, "waiting");
    at(stop.start_at, stop.city, stop.soc_in, "charging", stop.station);
    at(stop.end_at, stop.city, stop.soc_out, "driving");
  }
  if (stop_index) {
    PassThrough(plan, leg_km, left, {plan.route.size() - 1, plan.arrive_at, plan.arrival_soc},
                passing);
  }
  at(plan.arrive_at, to, plan.arrival_soc, "parked");
  // A stop at the origin starts as the trip does.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.telemetry.timestamp < b.telemetry.timestamp;
  });
  return out;
}

void Detours::Resume(std::size_t vehicle, std::vector<DriveEvent> rest) {
  std::lock_guard lock(mu_);
  resumed_.emplace_back(vehicle, std::move(rest));
}

std::vector<std::pair<std::size_t, std::vector<DriveEvent>>> Detours::Take() {
  std::lock_guard lock(mu_);
  return std::exchange(resumed_, {});
}

namespace {

using Next = std::pair<Time, std::pair<std::size_t, std::size_t>>;  // (when, (vehicle, step))
using Due = std::priority_queue<Next, std::vector<Next>, std::greater<>>;

// How many vehicles are in each state, as their last published events say.
class Tally {
 public:
  explicit Tally(std::size_t vehicles) : state_(vehicles, "parked") {}
  void Set(std::size_t v, const std::string& st) {
    Count(state_[v], -1);
    state_[v] = st;
    Count(st, +1);
  }
  FleetState fleet;

 private:
  void Count(const std::string& st, int d) {
    if (st == "driving") fleet.driving += d;
    if (st == "charging") fleet.charging += d;
    if (st == "waiting") fleet.waiting += d;
  }
  std::vector<std::string> state_;
};

}  // namespace

void DriveFleet(std::vector<std::vector<DriveEvent>> timelines, const core::Clock& clock,
                double time_scale, Detours& detours, const DriveHooks& hooks) {
  Due due;
  Tally tally(timelines.size());
  std::vector<std::size_t> stopped_at(timelines.size());  // a waiting vehicle's next step
  std::size_t waiting_for_plans = 0;
  for (std::size_t v = 0; v < timelines.size(); ++v) {
    if (timelines[v].empty()) continue;
    ++tally.fleet.total;
    due.push({timelines[v][0].telemetry.timestamp, {v, 0}});
  }
  auto last_progress = std::chrono::steady_clock::now();
  auto report = [&] {
    tally.fleet.now = clock.Now();
    hooks.progress(tally.fleet);
  };
  while ((!due.empty() || waiting_for_plans > 0) && !(hooks.stop && hooks.stop())) {
    for (auto& [v, rest] : detours.Take()) {
      --waiting_for_plans;
      std::size_t step = stopped_at[v];
      if (!rest.empty()) {
        timelines[v] = std::move(rest);
        step = 0;
      }
      due.push({timelines[v][step].telemetry.timestamp, {v, step}});
    }
    Time now = clock.Now();
    if (due.empty() || due.top().first > now) {
      // Sleep until the next moment, but wake for progress and for vehicles
      // that planned again.
      double real_s = due.empty() ? 0 : static_cast<double>(due.top().first - now) / time_scale;
      double cap = waiting_for_plans > 0 ? 0.02 : 0.5;
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(real_s, cap)));
    } else {
      auto [v, step] = due.top().second;
      due.pop();
      const auto& event = timelines[v][step];
      if (hooks.detour && hooks.detour(v, event)) {
        stopped_at[v] = step;
        ++waiting_for_plans;
        continue;
      }
      hooks.publish(v, event);
      ++tally.fleet.published;
      tally.Set(v, event.telemetry.state);
      if (step + 1 < timelines[v].size()) {
        due.push({timelines[v][step + 1].telemetry.timestamp, {v, step + 1}});
      } else {
        ++tally.fleet.arrived;
      }
    }
    if (hooks.progress &&
        std::chrono::steady_clock::now() - last_progress > std::chrono::milliseconds(500)) {
      last_progress = std::chrono::steady_clock::now();
      report();
    }
  }
  if (hooks.progress) report();
}

}  // namespace tripmesh::vehicle
