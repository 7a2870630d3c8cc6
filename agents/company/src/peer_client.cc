#include "peer_client.h"

#include <fmt/format.h>

#include <random>

#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {

std::map<std::string, schemas::AvailabilityResult> PeerClient::Availability(
    const std::map<std::string, std::vector<std::string>>& stations_by_company, Time from, Time to,
    std::chrono::milliseconds timeout) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::vector<std::pair<std::string, std::future<std::string>>> waiting;
  std::vector<std::string> correlations;
  for (const auto& [company, stations] : stations_by_company) {
    std::string corr = fmt::format("{:016x}", rng());
    std::future<std::string> reply;
    {
      std::lock_guard lock(mu_);
      reply = pending_[corr].get_future();
    }
    schemas::AvailabilityRequest req{corr, stations, from, to};
    auto st =
        transport_.Publish({.topic = topics::Request(company, self_, topics::Op::kAvailability),
                            .payload = schemas::Encode(req),
                            .response_topic = topics::CompanyReplies(self_),
                            .correlation_data = corr});
    correlations.push_back(corr);
    if (st) waiting.emplace_back(company, std::move(reply));
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::map<std::string, schemas::AvailabilityResult> out;
  for (auto& [company, reply] : waiting) {
    if (reply.wait_until(deadline) != std::future_status::ready) continue;
    auto result = schemas::Decode<schemas::AvailabilityResult>(reply.get());
    if (result && result->company == company) out.emplace(company, std::move(*result));
  }
  std::lock_guard lock(mu_);
  for (const auto& corr : correlations) pending_.erase(corr);
  return out;
}

bool PeerClient::OnReply(const runtime::InboundMessage& m) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(m.correlation_data);
  if (it == pending_.end()) return false;
  it->second.set_value(m.payload);
  pending_.erase(it);
  return true;
}

}  // namespace tripmesh::company
