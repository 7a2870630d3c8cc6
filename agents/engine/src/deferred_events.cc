#include "deferred_events.h"

namespace tripmesh::company {

thread_local DeferredEvents::Scope DeferredEvents::current_;

}  // namespace tripmesh::company
