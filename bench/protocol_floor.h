// The least a three-company reservation can cost under PROTOCOL.md's saga
// rules on this machine, with no agent work at all: its broker round trips and
// its durable commits, one step after another. The participants of a step
// commit at the same time, each in a store of its own, as two companies do:
// on one machine they share a disk. An implementation cannot be faster than
// this floor; the benchmark reports it beside tripmesh's latency.
#pragma once

#include <string>

#include "harness.h"

namespace tripmesh::bench {

struct FloorOptions {
  // vehicle -> home company -> vehicle, saga request -> ack, commit -> ack
  int round_trips = 3;
  // The rules' durable writes in a row: the coordinator's state before its
  // requests, the participant's hold before its ack, the coordinator's decision
  // before its commits, the participant's booking before its ack.
  int commits = 4;
  // Stores that commit at once in a participant's step (the second and the
  // fourth). 1: a single participant, every commit after another (the floor
  // as first measured, which wrote all four in one store).
  int participants = 2;
  bool sync_full = true;  // else synchronous=NORMAL, as agents run with --no-sync-full
};

// Runs the chain for `seconds` after `warmup`: QoS 1 round trips between two
// plain libmosquitto clients, and one-row SQLite transactions (WAL,
// synchronous as in `options`) in databases under `dir`. Latencies in ms per chain.
Latencies ProtocolFloor(const std::string& broker, const std::string& dir, FloorOptions options,
                        double warmup, double seconds);

// What one durable one-row write costs the thread that commits it, when
// `rows_per_commit` writes share each commit (the agents' group commit
// carries about two under load): one thread writes into a SQLite file under
// `dir` for `seconds`. The disk's wait is not CPU; the system calls are.
// Per write; switches: the thread's (it sleeps in fsync).
using WriteCost = ResourceUse;
WriteCost WriteCostOf(const std::string& dir, int rows_per_commit, bool sync_full, double seconds);

}  // namespace tripmesh::bench
