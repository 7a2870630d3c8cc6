// Driving a reserved trip on the simulation clock: the telemetry a vehicle
// publishes at every change of state and the stops it checks in at, and a
// scheduler that plays the whole fleet's trips as the clock reaches each moment.
#pragma once

#include <functional>
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

// A trip's events, in time order: driving from the origin, then at each stop
// waiting (when its point is not free yet), charging (check in), and driving
// on, and parked at the destination. Stop `skip` (-1: none) is driven past.
std::vector<DriveEvent> Timeline(const std::string& vehicle, const schemas::Plan& plan,
                                 const std::string& from, const std::string& to, double soc,
                                 int skip = -1);

struct FleetState {
  Time now = 0;
  int driving = 0, charging = 0, waiting = 0, arrived = 0, total = 0;
  long published = 0;
};

// Hands `timelines[i]`'s events to `publish(i, event)` as `clock` passes each
// timestamp (`time_scale` tells how long to sleep in real time), until every
// timeline is done or `stop` returns true. `progress` runs about twice a second.
void DriveFleet(const std::vector<std::vector<DriveEvent>>& timelines, const core::Clock& clock,
                double time_scale, const std::function<bool()>& stop,
                const std::function<void(std::size_t, const DriveEvent&)>& publish,
                const std::function<void(const FleetState&)>& progress);

}  // namespace tripmesh::vehicle
