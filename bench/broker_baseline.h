// The raw broker as a baseline, and a count of the messages tripmesh needs.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "harness.h"

namespace tripmesh::bench {

struct BrokerResult {
  double round_trips_per_s = 0;
  Latencies latency;  // ms per round trip
  // The CPU both clients (this process) spent per round trip, warm-up
  // included: a request's and a reply's publish and delivery, with one thread
  // hand-off on the requester's side, as an agent hands a message to a lane.
  double client_cpu_ms_per_round_trip = 0;
  double client_switches_per_round_trip = 0;  // context switches of both clients' threads
  // The broker's CPU per round trip (two messages through it), warm-up
  // included; zero when the caller gave no way to read it.
  double broker_cpu_ms_per_round_trip = 0;
};

// QoS 1 request/reply between two plain MQTT clients (libmosquitto): one keeps
// `in_flight` requests outstanding, the other answers each at once. Payloads
// are the size of a reserve request and of its reply. `broker_cpu_ms`, when
// given, reads the broker process's CPU so far.
BrokerResult BrokerRoundTrips(const std::string& broker, int in_flight, double warmup,
                              double seconds, const std::function<double()>& broker_cpu_ms = {});

struct MessageCount {
  double per_reservation = 0;
  std::map<std::string, double> by_kind;  // requests, replies, saga, events, ...
  std::string Format() const;
};

// Counts every message published under tripmesh/v1/# while `reserve` runs
// `n` times one after another; `reserve` returns true when confirmed.
MessageCount CountMessages(const std::string& broker, int n,
                           const std::function<bool(int)>& reserve);

}  // namespace tripmesh::bench
