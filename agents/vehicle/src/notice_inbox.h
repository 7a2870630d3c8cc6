// The notices companies send the fleet's vehicles (vehicles/{v}/events): one
// connection reads them for the whole fleet, as a simulation may (each real
// vehicle reads only its own topic).
// Thread safety: Take() from any thread; notices arrive on the transport's.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::vehicle {

class NoticeInbox {
 public:
  // Listens for the notices of `vehicles` (ids); a broker that does not let
  // these credentials read them, or log in, delivers none.
  [[nodiscard]] static Result<std::unique_ptr<NoticeInbox>> Open(
      runtime::TransportKind kind, const runtime::TransportOptions& mqtt,
      std::set<std::string> vehicles);
  ~NoticeInbox();
  NoticeInbox(const NoticeInbox&) = delete;
  NoticeInbox& operator=(const NoticeInbox&) = delete;

  // The notices received since the last call, oldest first.
  std::vector<schemas::VehicleNotice> Take();

 private:
  explicit NoticeInbox(std::set<std::string> vehicles) : vehicles_(std::move(vehicles)) {}
  std::set<std::string> vehicles_;
  std::unique_ptr<runtime::Transport> transport_;
  std::mutex mu_;  // guards notices_
  std::vector<schemas::VehicleNotice> notices_;
};

}  // namespace tripmesh::vehicle
