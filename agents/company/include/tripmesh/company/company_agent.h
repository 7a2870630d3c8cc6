// A company agent: owns its stations and charging points, answers the request
// ops of PROTOCOL.md over MQTT, and publishes its retained catalogue, status
// and availability.
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

namespace tripmesh::company {

struct CompanyOptions {
  std::string id;  // voltpoint, eflux, ecocharge
  std::string data_dir = "data";
  std::string db_path;      // default: var/<id>.db
  std::size_t workers = 0;  // lanes; 0: four per core
  runtime::TransportKind transport = runtime::TransportKind::kMosquitto;
  runtime::TransportOptions
      mqtt;                // broker, credentials, keepalive; client id and will are set here
  Time hold_ttl_s = 600;   // how long a hold_only reservation waits for confirm
  Time plan_ttl_s = 1800;  // how long a plan_id can be reserved
  // A confirmed reservation becomes no_show when its vehicle has not checked
  // in at a stop this long after the stop's start; its points are then freed.
  Time no_show_grace_s = 900;
  bool sync_full = true;  // SQLite synchronous=FULL (else NORMAL)
  // How long a saga waits for every participant's request ack before compensating.
  std::chrono::milliseconds saga_timeout{5000};
  // Fault injection for the saga tests: the coordinator SIGKILLs itself at this
  // step (after_requests, after_first_ack, after_decision, after_commits).
  // Default: $TRIPMESH_SAGA_CRASH_AT.
  std::string saga_crash_at;
  // For RunCompany: a clock that runs `time_scale` times faster than real time
  // from `clock_start` (0: now), read at the real moment `clock_origin` (0:
  // when the agent starts), shared with a simulated fleet. 1: the real clock.
  double time_scale = 1;
  Time clock_start = 0;
  Time clock_origin = 0;
  // On a PostgreSQL store: while another agent of the company serves, wait
  // (a standby) and take over once its lease runs out, instead of refusing
  // to start. The wait ends without serving when `interrupted` says so.
  bool standby = false;
  std::function<bool()> interrupted;
  // Called once, from a transport or lease thread, when the agent stopped
  // serving on its own (another connection took its client id, or another
  // instance its lease). Must not block.
  std::function<void(const Error&)> on_fatal;
};

// Starts the agent of company `options.id` (engine::Agent::Start) with the
// charging profile over the world of `options.data_dir`. `clock` must
// outlive the agent.
[[nodiscard]] Result<std::unique_ptr<engine::Agent>> StartCompany(CompanyOptions options,
                                                                  const core::Clock& clock);

// Runs an agent until SIGINT or SIGTERM; returns the process exit code.
int RunCompany(CompanyOptions options);

}  // namespace tripmesh::company
