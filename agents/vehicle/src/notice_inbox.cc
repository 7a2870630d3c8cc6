#include "notice_inbox.h"

#include <fmt/format.h>

#include <random>

#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::vehicle {

Result<std::unique_ptr<NoticeInbox>> NoticeInbox::Open(runtime::TransportKind kind,
                                                       const runtime::TransportOptions& mqtt,
                                                       std::set<std::string> vehicles) {
  std::unique_ptr<NoticeInbox> inbox(new NoticeInbox(std::move(vehicles)));
  runtime::TransportOptions o = mqtt;
  o.client_id = fmt::format("fleet-notices-{:08x}", std::random_device{}());
  o.clean_start = true;
  o.will.reset();
  inbox->transport_ = runtime::NewTransport(kind, o);
  auto* self = inbox.get();
  inbox->transport_->SetReceiver([self](const runtime::InboundMessage& m) {
    auto n = schemas::Decode<schemas::VehicleNotice>(m.payload);
    if (!n || !self->vehicles_.count(n->vehicle)) return;
    std::lock_guard lock(self->mu_);
    self->notices_.push_back(std::move(*n));
  });
  if (auto st = inbox->transport_->Connect(std::chrono::seconds(10)); !st) {
    // A secured broker that has no account for the fleet as a whole: each
    // vehicle logs in as itself, and the fleet hears no notices.
    if (st.error().code == Errc::kForbidden) {
      inbox->transport_.reset();
      return inbox;
    }
    return tl::unexpected<Error>(st.error());
  }
  if (auto st = inbox->transport_->Subscribe(topics::VehicleEvents("+"), 1); !st)
    return tl::unexpected<Error>(st.error());
  return inbox;
}

NoticeInbox::~NoticeInbox() {
  if (transport_) transport_->Disconnect();
}

std::vector<schemas::VehicleNotice> NoticeInbox::Take() {
  std::lock_guard lock(mu_);
  return std::exchange(notices_, {});
}

}  // namespace tripmesh::vehicle
