// A deterministic simulation of the saga, for either profile: the three
// companies' real logic (the charging CompanyCore, or the airlines' own
// profile as their agent runs it), with real SQLite stores in a temp folder;
// vehicles or passengers that reserve, hold, confirm and cancel; and a
// simulated network and clock, all driven by one seeded PRNG. The network delays, duplicates and
// (beyond what MQTT QoS 1 allows, as an option) loses and reorders messages; companies crash and
// restart with their stores; holds expire; the clock jumps. Invariants are checked after every step
// and once the system settles. Thread safety: one simulation per process at a time (ids are seeded
// process-wide).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tripmesh::dst {

enum class SimProfile { kCharging, kAir };

struct SimConfig {
  SimProfile profile = SimProfile::kCharging;
  std::uint64_t seed = 1;
  std::string dir;               // where the stores go (a folder of its own per run)
  int vehicles = 6;              // or passengers: each runs a few reserve/confirm/cancel cycles
  int cycles = 2;                // per vehicle or passenger
  bool faults = true;            // crashes, duplicates, clock jumps
  bool beyond_mqtt = false;      // also lose and reorder messages between live agents
  std::size_t trace_tail = 400;  // trace lines kept for a failure's report
};

struct SimResult {
  bool ok = true;
  std::string failure;             // the first invariant broken
  std::vector<std::string> trace;  // the last steps, oldest first
  std::uint64_t trace_hash = 0;    // of the whole trace: a replay must match it
  int steps = 0, reservations = 0, confirmed_heard = 0, crashes = 0;
};

SimResult RunSimulation(const SimConfig& config);

}  // namespace tripmesh::dst
