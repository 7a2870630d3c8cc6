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
};

// QoS 1 request/reply between two plain MQTT clients (libmosquitto): one keeps
// `in_flight` requests outstanding, the other answers each at once. Payloads
// are the size of a reserve request and of its reply.
BrokerResult BrokerRoundTrips(const std::string& broker, int in_flight, double warmup,
                              double seconds);

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
