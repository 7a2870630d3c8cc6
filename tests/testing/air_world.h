// The air profile's world for integration tests: its airlines as processes,
// a day the timetable flies, and the itinerary that takes all three airlines.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tripmesh/harness/process.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/vehicle/vehicle_client.h"

namespace tripmesh::testing {

inline const std::vector<std::string> kAirlines = {"jangada", "sabia", "tucano"};

// Wednesday of next week at the origin, as leg ids name it.
std::string AirDate();

// Starts `tripmesh airline --id id` on `dir`/`id`.db, its sagas waiting
// `saga_timeout_ms` for the others' holds, and waits until it is online
// (null, and a test failure, when it does not come).
std::unique_ptr<harness::Process> StartAirline(const std::string& id, const std::string& broker,
                                               const std::string& dir,
                                               const std::vector<std::string>& extra = {},
                                               int saga_timeout_ms = 1500);

// Belém to Natal on AirDate(), the best itinerary a plan finds: it takes all
// three airlines.
std::vector<schemas::AirPlanLeg> BelemToNatal(vehicle::VehicleClient& passenger);

// A reserve of `legs` for one passenger.
std::string AskFor(const std::vector<schemas::AirPlanLeg>& legs, bool hold_only = false,
                   const std::string& request_id = "");

}  // namespace tripmesh::testing
