// Events a lane's task raises, held until the task's own messages are out.
#pragma once

#include <vector>

#include "tripmesh/runtime/transport.h"

namespace tripmesh::engine {

// Monitors' events raised while a lane runs a task wait until the task's own
// messages (a saga step, an ack, a reply) are out: written first, each would
// hold up the next step of a reservation by one more write and broker hop.
class DeferredEvents {
 public:
  DeferredEvents(const void* owner, std::vector<runtime::OutboundMessage>& events)
      : outer_(current_) {
    current_ = {owner, &events};
  }
  ~DeferredEvents() { current_ = outer_; }
  DeferredEvents(const DeferredEvents&) = delete;
  DeferredEvents& operator=(const DeferredEvents&) = delete;

  // Keeps `m` for the end of the task if `owner` runs one on this thread.
  static bool Defer(const void* owner, runtime::OutboundMessage& m) {
    if (current_.owner != owner || !current_.events) return false;
    current_.events->push_back(std::move(m));
    return true;
  }

 private:
  struct Scope {
    const void* owner = nullptr;
    std::vector<runtime::OutboundMessage>* events = nullptr;
  };
  static thread_local Scope current_;
  Scope outer_;
};

}  // namespace tripmesh::engine
