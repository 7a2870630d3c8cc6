// Driving a reserved trip on the simulation clock: the telemetry a vehicle
// publishes at every change of state and the stops it checks in at, and a
// scheduler that plays the whole fleet's trips as the clock reaches each moment.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tripmesh/core/clock.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::vehicle {

// One moment of a trip: the telemetry to publish, and the station to check
// in at when the vehicle plugs in there.
struct DriveEvent {
  schemas::VehicleTelemetry telemetry;
  std::string checkin_station;
};

// Road km between two neighbouring cities of a route.
using LegKm = std::function<double(const std::string&, const std::string&)>;

// A trip's events, in time order: driving from the origin, then at each stop
// waiting (when its point is not free yet), charging (check in), and driving
// on, and parked at the destination. Stop `skip` (an index of plan.stops),
// when given, is driven past.
// With `leg_km`, also one "driving" event at each city of the route passed on
// the way, at the time and charge its share of the leg's km says: watchers
// see the vehicle move along the road.
std::vector<DriveEvent> Timeline(const std::string& vehicle, const schemas::Plan& plan,
                                 const std::string& from, const std::string& to, double soc,
                                 std::optional<std::size_t> skip = std::nullopt,
                                 const LegKm& leg_km = {});

struct FleetState {
  Time now = 0;
  int driving = 0, charging = 0, waiting = 0, arrived = 0, total = 0;
  long published = 0;
};

// Vehicles that stopped on the way to plan the rest of their trip again: a
// planner hands each back with the events of its new rest of the trip, or none
// to go on as before. Resume from any thread; the scheduler takes them.
class Detours {
 public:
  void Resume(std::size_t vehicle, std::vector<DriveEvent> rest);
  std::vector<std::pair<std::size_t, std::vector<DriveEvent>>> Take();

 private:
  std::mutex mu_;
  std::vector<std::pair<std::size_t, std::vector<DriveEvent>>> resumed_;
};

struct DriveHooks {
  std::function<bool()> stop;  // true: stop driving now
  std::function<void(std::size_t, const DriveEvent&)> publish;
  // Before a vehicle's next event: true when it stops there to plan again
  // (the event is not published; the vehicle waits for Detours::Resume).
  std::function<bool(std::size_t, const DriveEvent&)> detour;
  std::function<void(const FleetState&)> progress;  // about twice a second
};

// Hands `timelines[i]`'s events to `hooks.publish(i, event)` as `clock` passes
// each timestamp (`time_scale` tells how long to sleep in real time), until
// every timeline is done or `hooks.stop` returns true.
void DriveFleet(std::vector<std::vector<DriveEvent>> timelines, const core::Clock& clock,
                double time_scale, Detours& detours, const DriveHooks& hooks);

}  // namespace tripmesh::vehicle
