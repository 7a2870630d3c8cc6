// A fleet of simulated vehicles: each its own MQTT client under its own id,
// homed at one of the companies, with a realistic car and a trip between two
// cities of the world. Drivers plan, then book, hold then confirm, book then
// cancel, or hold and let the hold expire. On a simulation clock the fleet
// then drives: each vehicle leaves at its departure, waits and charges at its
// stops and parks at its destination, publishing telemetry at every change.
// Deterministic for a seed (the trips, cars and behaviours; not the timing of
// the race for points).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/core/world.h"
#include "tripmesh/crowd/crowd.h"
#include "tripmesh/runtime/transport.h"

namespace tripmesh::vehicle {

struct SimOptions {
  int vehicles = 50;
  std::uint64_t seed = 1;
  int concurrency = 16;          // vehicles reserving at the same moment
  double hold_share = 0.2;       // drivers who hold, then confirm
  double cancel_share = 0.1;     // drivers who cancel after booking
  double expire_share = 0.05;    // drivers who hold and never confirm
  double no_show_share = 0.05;   // drivers who skip a stop (when driving)
  int max_retries = 2;           // re-plans after an `unavailable` failure
  Time max_wait_s = 3 * kHourS;  // a driver books no plan that waits longer for points
  std::string id_prefix = "sim";
  // Home companies, taken in turn; empty: every company. A federated vehicle
  // must be homed at the company whose broker it connects to.
  std::vector<std::string> homes;
  runtime::TransportKind transport = runtime::TransportKind::kMosquitto;
  runtime::TransportOptions mqtt;  // broker and credentials shared by the fleet
  // On a secured broker each vehicle logs in as itself: vehicle id -> password
  // (a vehicle not here uses `mqtt`'s account).
  std::map<std::string, std::string> passwords;
  // With a clock (the companies' accelerated clock), departures fall within
  // `depart_within_s` of the moment each vehicle reserves, and the fleet drives
  // until the last vehicle parks. Without, departures are tomorrow and nobody drives.
  const core::Clock* clock = nullptr;
  double time_scale = 1;  // how much faster than real time `clock` runs
  Time depart_within_s = 4 * kHourS;
  std::function<bool()> stop;  // when it returns true, the fleet stops early (Ctrl-C)
};

// libmosquitto's network loop uses select() and three descriptors per client,
// so one process can keep about 340 of its clients connected; a driving fleet
// larger than this needs the paho transport (poll()).
constexpr int kMosquittoFleetLimit = 300;

struct SimSummary {
  int trips = 0, confirmed = 0, held_then_confirmed = 0, cancelled = 0, retries = 0;
  int gave_up = 0;      // drivers whose best plan waited over max_wait_s: no reservation
  Time max_wait_s = 0;  // as in the options, for the report
  int holds_let_go = 0, holds_expired = 0;        // held and never confirmed; seen expired
  int arrived = 0;                                // trips driven to the end
  int checkins = 0;                               // stops checked in at
  crowd::Failures checkin_failed;                 // by error code
  int fulfilled = 0, no_show = 0;                 // how driven reservations ended
  long telemetry = 0;                             // telemetry messages published
  double wait_mean_min = 0, wait_max_min = 0;     // waits for a free point, per confirmed trip
  crowd::Failures failed;                         // by error code
  std::map<std::string, int> unreachable_by_car;  // trips no plan could reach, by car model
  int spanning_two = 0, spanning_three = 0;       // confirmed reservations across companies
  int disrupted = 0;                   // reservations whose vehicle was told a stop was lost
  int recovered = 0;                   // of those, trips planned again and reserved before leaving
  int recovered_on_the_way = 0;        // and planned again by a driver already on the road
  std::vector<std::string> replanned;  // the vehicles of those trips
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // reserve (and confirm) latency
  double seconds = 0;
  std::string Format() const;
};

struct SimProgressInfo {
  bool driving = false;                    // false: reserving
  int done = 0, total = 0, confirmed = 0;  // vehicles reserved or parked, of total
  Time now = 0;                            // simulation time, when driving
  int on_road = 0, charging = 0, waiting = 0;
};
// Called after each reservation, and about twice a second while driving.
using SimProgress = std::function<void(const SimProgressInfo&)>;

[[nodiscard]] Result<SimSummary> RunSim(const SimOptions& options, const core::World& world,
                                        const SimProgress& progress = {});

}  // namespace tripmesh::vehicle
