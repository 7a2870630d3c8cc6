// Company-to-company requests (the availability op): published in parallel,
// replies matched by correlation data on companies/{self}/replies.
// Thread safety: Ask() from any lane; OnReply() from the network thread.
#pragma once

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::company {

// The other companies, as a planner asks them.
class Peers {
 public:
  virtual ~Peers() = default;
  // Asks every company for the free intervals of its stations in [from, to),
  // all at once; a company that does not answer in time is absent from the result.
  virtual std::map<std::string, schemas::AvailabilityResult> Availability(
      const std::map<std::string, std::vector<std::string>>& stations_by_company, Time from,
      Time to, std::chrono::milliseconds timeout) = 0;
};

class PeerClient final : public Peers {
 public:
  PeerClient(std::string self, runtime::Transport& transport)
      : self_(std::move(self)), transport_(transport) {}

  std::map<std::string, schemas::AvailabilityResult> Availability(
      const std::map<std::string, std::vector<std::string>>& stations_by_company, Time from,
      Time to, std::chrono::milliseconds timeout) override;

  // Returns true when the message was a reply to one of our requests.
  bool OnReply(const runtime::InboundMessage& m);

 private:
  std::string self_;
  runtime::Transport& transport_;
  std::mutex mu_;  // guards pending_
  std::unordered_map<std::string, std::promise<std::string>> pending_;
};

}  // namespace tripmesh::company
