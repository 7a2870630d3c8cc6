// Driving a reserved trip on the simulation clock: the telemetry a vehicle
// publishes at every change of state, and a scheduler that publishes the
// whole fleet's telemetry when the clock reaches each moment.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tripmesh/core/clock.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::vehicle {

// A trip's telemetry, in time order: driving from the origin, then at each
// stop waiting (when its point is not free yet), charging, and driving on,
// and parked at the destination.
std::vector<schemas::VehicleTelemetry> Timeline(const std::string& vehicle,
                                                const schemas::Plan& plan, const std::string& from,
                                                const std::string& to, double soc);

struct FleetState {
  Time now = 0;
  int driving = 0, charging = 0, waiting = 0, arrived = 0, total = 0;
  long published = 0;
};

// Publishes `timelines[i]` through `publish(i, message)` as `clock` passes
// each timestamp (`time_scale` tells how long to sleep in real time), until
// every timeline is done or `stop` returns true. `progress` runs about twice a second.
void DriveFleet(const std::vector<std::vector<schemas::VehicleTelemetry>>& timelines,
                const core::Clock& clock, double time_scale, const std::function<bool()>& stop,
                const std::function<void(std::size_t, const schemas::VehicleTelemetry&)>& publish,
                const std::function<void(const FleetState&)>& progress);

}  // namespace tripmesh::vehicle
