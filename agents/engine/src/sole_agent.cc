#include "sole_agent.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <optional>
#include <random>

#include "tripmesh/core/clock.h"
#include "tripmesh/runtime/host.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::engine {

Status RefuseIfServed(const schemas::CompanyStatus& status, Time now) {
  if (!status.online) return {};
  bool here = !status.host.empty() && status.host == runtime::HostName();
  if (here && (runtime::ProcessIsGone(status.pid) || status.pid == getpid())) return {};
  std::string who = status.pid > 0
                        ? fmt::format("pid {} on {}", status.pid,
                                      status.host.empty() ? "an unknown host" : status.host)
                        : "another agent";
  Time since = status.started_at ? status.started_at : status.timestamp;
  return Fail(Errc::kConflict,
              fmt::format("company {} is already served by {} since {}; one agent per company: "
                          "stop that one first (if its machine died, its Last Will clears this "
                          "within 1.5 keepalives)",
                          status.company, who,
                          runtime::FormatLocal(
                              since, status.time_zone.empty() ? "UTC" : status.time_zone, now)));
}

Status CheckNoOtherAgent(const std::string& company, runtime::TransportKind kind,
                         const runtime::TransportOptions& mqtt, std::chrono::milliseconds timeout) {
  runtime::TransportOptions o = mqtt;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  o.client_id = fmt::format("probe-{}-{:08x}", company, rng() & 0xffffffffu);
  o.clean_start = true;
  o.will.reset();
  auto probe = runtime::NewTransport(kind, o);
  std::mutex mu;
  std::optional<schemas::CompanyStatus> status;
  std::string status_topic = topics::CompanyStatus(company);
  probe->SetReceiver([&](const runtime::InboundMessage& m) {
    if (m.topic != status_topic) return;
    auto s = schemas::Decode<schemas::CompanyStatus>(m.payload);
    std::lock_guard lock(mu);
    if (s) status = std::move(*s);
  });
  if (auto st = probe->Connect(timeout); !st) return st;
  // The broker sends a subscription's retained message before it answers the
  // next SUBSCRIBE: after the second SUBACK the status, if any, is here.
  Status st = probe->Subscribe(status_topic, 1);
  if (st) st = probe->Subscribe(topics::CompanyInfo(company), 1);
  probe->Disconnect();
  if (!st) return st;
  std::lock_guard lock(mu);
  if (!status) return {};
  return RefuseIfServed(*status, core::RealClock().Now());
}

}  // namespace tripmesh::engine
