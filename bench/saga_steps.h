// Where a three-company reservation's time goes, seen from the topics alone: a
// monitor subscribed to tripmesh/v1/# stamps each message of a saga as the
// broker delivers it, so every interval is one company's step plus the
// broker's hops to and from it (the monitor's own hop cancels out).
#pragma once

#include <memory>
#include <string>

#include "harness.h"

namespace tripmesh::bench {

struct SagaSteps {
  long reservations = 0;
  // reserve -> first saga request: the home company holds its own stops and
  // writes the saga; -> last request ack: the participants hold theirs;
  // -> first commit: the home company's decision; -> last commit ack: the
  // participants book; -> the vehicle's reply.
  Latencies home_request, participants_hold, home_decision, participants_book, home_reply, total;
};

class SagaStepMonitor {
 public:
  // Subscribes at QoS 0 so the monitor adds no acknowledgements to the path.
  explicit SagaStepMonitor(const std::string& broker);
  ~SagaStepMonitor();
  SagaStepMonitor(const SagaStepMonitor&) = delete;
  SagaStepMonitor& operator=(const SagaStepMonitor&) = delete;

  // Sagas whose reserve arrived after Start() and whose reply arrived before
  // Stop(), one vehicle's reservations at a time.
  void Start();
  SagaSteps Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tripmesh::bench
