// An airline's agent: the engine's agent with the air profile. It publishes
// its weekly timetable (retained), hears the other airlines' and answers a
// passenger's air.plan.request with itineraries over every airline it knows.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/runtime/transport.h"

namespace tripmesh::airline {

struct AirlineOptions {
  std::string id;  // jangada, sabia, tucano
  std::string data_dir = "data/air";
  std::string db_path;      // default: var/<id>.db
  std::size_t workers = 0;  // lanes; 0: four per core
  runtime::TransportKind transport = runtime::TransportKind::kMosquitto;
  runtime::TransportOptions mqtt;  // broker, credentials, keepalive
  bool sync_full = true;
  Time hold_ttl_s = 600;  // a hold_only reservation's seats, unconfirmed
  // Longest an itinerary's saga waits for the other airlines to hold their legs.
  std::chrono::milliseconds saga_timeout{5000};
  std::string crash_at;  // fault injection: SIGKILL at this saga step (tests only)
  // The sagas' timer; empty: the steady clock (a simulation moves its own).
  std::function<std::chrono::steady_clock::time_point()> steady_now;
  std::function<bool()> interrupted;
  std::function<void(const Error&)> on_fatal;
};

// Starts the agent of airline `options.id` over <data_dir>/airports.json and
// its own <data_dir>/airlines/<id>.json; kNotFound for an airline not there.
// `clock` must outlive the agent.
[[nodiscard]] Result<std::unique_ptr<engine::Agent>> StartAirline(AirlineOptions options,
                                                                  const core::Clock& clock);

// The air profile alone, on what a harness lends it in place of the agent
// (the deterministic simulation): the profile StartAirline runs, its store's
// reservations loaded; kNotFound for an airline not in the data.
[[nodiscard]] Result<std::unique_ptr<engine::Profile>> MakeAirProfile(const AirlineOptions& options,
                                                                      engine::Services& services);

// Runs an airline's agent until SIGINT or SIGTERM; returns the process exit code.
int RunAirline(AirlineOptions options);

}  // namespace tripmesh::airline
