// Events a lane's task raises, held until the task's own messages are out.
#pragma once

#include <vector>

#include "tripmesh/runtime/transport.h"

namespace tripmesh::engine {

// Monitors' events raised while a lane runs a task wait until the task's own
// messages (a saga step, an ack, a reply) are out: written first, each would
// hold up the next step of a reservation by one more write and broker hop.
// The scope is the thread's: every access to it is in deferred_events.cc.
class DeferredEvents {
 public:
  DeferredEvents(const void* owner, std::vector<runtime::OutboundMessage>& events);
  ~DeferredEvents();
  DeferredEvents(const DeferredEvents&) = delete;
  DeferredEvents& operator=(const DeferredEvents&) = delete;

  // Keeps `m` for the end of the task if `owner` runs one on this thread.
  static bool Defer(const void* owner, runtime::OutboundMessage& m);

  struct Scope {
    const void* owner = nullptr;
    std::vector<runtime::OutboundMessage>* events = nullptr;
  };

 private:
  Scope outer_;
};

}  // namespace tripmesh::engine
