// One agent per company. Before an agent takes its company's MQTT client id
// (which would silently close the session of another agent serving the same
// company), it reads the company's retained status with a client of its own:
// an "online" status from a live agent is a refusal. A status left "online"
// by a process of this host that is no longer running is stale, and ignored.
#pragma once

#include <chrono>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::engine {

// kConflict naming the agent that serves `company` now (pid, host, since),
// or OK when none does. kOffline when the broker cannot be reached.
[[nodiscard]] Status CheckNoOtherAgent(const std::string& company, runtime::TransportKind kind,
                                       const runtime::TransportOptions& mqtt,
                                       std::chrono::milliseconds timeout);

// The refusal for a live agent's online `status`; exposed for tests.
[[nodiscard]] Status RefuseIfServed(const schemas::CompanyStatus& status, Time now);

}  // namespace tripmesh::engine
