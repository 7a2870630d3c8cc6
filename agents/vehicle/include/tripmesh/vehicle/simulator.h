// A fleet of simulated vehicles: each its own MQTT client under its own id,
// homed at one of the companies, with a realistic car and a trip between two
// cities of the world, departing during the next day. Drivers plan and book in
// one call, hold then confirm, or book then cancel. Deterministic for a seed
// (the trips, cars and behaviours; not the timing of the race for points).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tripmesh/core/world.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/result.h"

namespace tripmesh::vehicle {

struct SimOptions {
  int vehicles = 50;
  std::uint64_t seed = 1;
  int concurrency = 16;       // vehicles reserving at the same moment
  double hold_share = 0.2;    // drivers who hold, then confirm
  double cancel_share = 0.1;  // drivers who cancel after booking
  int max_retries = 2;        // re-plans after an `unavailable` failure
  std::string id_prefix = "sim";
  // Home companies, taken in turn; empty: every company. A federated vehicle
  // must be homed at the company whose broker it connects to.
  std::vector<std::string> homes;
  runtime::TransportKind transport = runtime::TransportKind::kMosquitto;
  runtime::TransportOptions mqtt;  // broker and credentials shared by the fleet
};

struct SimSummary {
  int trips = 0, confirmed = 0, held_then_confirmed = 0, cancelled = 0, retries = 0;
  std::map<std::string, int> failed;          // by error code
  int spanning_two = 0, spanning_three = 0;   // confirmed reservations across companies
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // reserve (and confirm) latency
  double seconds = 0;
  std::string Format() const;
};

// Called after each vehicle finishes: (done, total, confirmed so far).
using SimProgress = std::function<void(int, int, int)>;

[[nodiscard]] Result<SimSummary> RunSim(const SimOptions& options, const core::World& world,
                                        const SimProgress& progress = {});

}  // namespace tripmesh::vehicle
