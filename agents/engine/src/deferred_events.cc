#include "deferred_events.h"

namespace tripmesh::engine {

thread_local DeferredEvents::Scope DeferredEvents::current_;

}  // namespace tripmesh::engine
