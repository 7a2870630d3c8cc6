#include "deferred_events.h"

namespace tripmesh::engine {
namespace {

thread_local DeferredEvents::Scope current;

}  // namespace

DeferredEvents::DeferredEvents(const void* owner, std::vector<runtime::OutboundMessage>& events)
    : outer_(current) {
  current = {owner, &events};
}

DeferredEvents::~DeferredEvents() { current = outer_; }

bool DeferredEvents::Defer(const void* owner, runtime::OutboundMessage& m) {
  if (current.owner != owner || !current.events) return false;
  current.events->push_back(std::move(m));
  return true;
}

}  // namespace tripmesh::engine
