#include "driving.h"

#include <algorithm>
#include <chrono>
#include <queue>
#include <thread>

namespace tripmesh::vehicle {

std::vector<DriveEvent> Timeline(const std::string& vehicle, const schemas::Plan& plan,
                                 const std::string& from, const std::string& to, double soc,
                                 int skip) {
  std::vector<DriveEvent> out;
  auto at = [&](Time t, const std::string& city, double s, const char* state,
                std::string checkin = "") {
    out.push_back({{vehicle, city, std::clamp(s, 0.0, 1.0), state, t}, std::move(checkin)});
  };
  at(plan.depart_at, from, soc, "driving");
  for (std::size_t k = 0; k < plan.stops.size(); ++k) {
    const auto& stop = plan.stops[k];
    if (static_cast<int>(k) == skip) continue;
    if (stop.start_at > stop.arrive_at) at(stop.arrive_at, stop.city, stop.soc_in, "waiting");
    at(stop.start_at, stop.city, stop.soc_in, "charging", stop.station);
    at(stop.end_at, stop.city, stop.soc_out, "driving");
  }
  at(plan.arrive_at, to, plan.arrival_soc, "parked");
  // A stop at the origin starts as the trip does.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.telemetry.timestamp < b.telemetry.timestamp;
  });
  return out;
}

void DriveFleet(const std::vector<std::vector<DriveEvent>>& timelines, const core::Clock& clock,
                double time_scale, const std::function<bool()>& stop,
                const std::function<void(std::size_t, const DriveEvent&)>& publish,
                const std::function<void(const FleetState&)>& progress) {
  using Next = std::pair<Time, std::pair<std::size_t, std::size_t>>;  // (when, (vehicle, step))
  std::priority_queue<Next, std::vector<Next>, std::greater<>> due;
  std::vector<std::string> state(timelines.size(), "parked");
  FleetState fleet;
  for (std::size_t v = 0; v < timelines.size(); ++v) {
    if (timelines[v].empty()) continue;
    ++fleet.total;
    due.push({timelines[v][0].telemetry.timestamp, {v, 0}});
  }
  auto tally = [&](const std::string& st, int d) {
    if (st == "driving") fleet.driving += d;
    if (st == "charging") fleet.charging += d;
    if (st == "waiting") fleet.waiting += d;
  };
  auto last_progress = std::chrono::steady_clock::now();
  while (!due.empty() && !(stop && stop())) {
    auto [when, at] = due.top();
    Time now = clock.Now();
    if (when > now) {
      // Sleep until the next moment, but wake for progress at least twice a second.
      double real_s = static_cast<double>(when - now) / time_scale;
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(real_s, 0.5)));
    } else {
      due.pop();
      auto [v, step] = at;
      const auto& event = timelines[v][step];
      publish(v, event);
      ++fleet.published;
      tally(state[v], -1);
      state[v] = event.telemetry.state;
      tally(state[v], +1);
      if (step + 1 < timelines[v].size()) {
        due.push({timelines[v][step + 1].telemetry.timestamp, {v, step + 1}});
      } else {
        ++fleet.arrived;
      }
    }
    if (progress &&
        std::chrono::steady_clock::now() - last_progress > std::chrono::milliseconds(500)) {
      last_progress = std::chrono::steady_clock::now();
      fleet.now = clock.Now();
      progress(fleet);
    }
  }
  if (progress) {
    fleet.now = clock.Now();
    progress(fleet);
  }
}

}  // namespace tripmesh::vehicle
