// A Transport with no broker: it records what is published and hands the
// receiver what a test delivers, on the test's own thread. With `respond` set,
// every publish may be answered at once (a scripted peer).
// Thread safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tripmesh/runtime/transport.h"

namespace tripmesh::testing {

class FakeTransport final : public runtime::Transport {
 public:
  // Called after each publish is recorded; what it returns is delivered.
  std::function<std::optional<runtime::InboundMessage>(const runtime::OutboundMessage&)> respond;

  void SetReceiver(std::function<void(runtime::InboundMessage)> r) override {
    receiver_ = std::move(r);
  }
  void SetConnectionHandler(std::function<void(runtime::ConnectionEvent)> h) override {
    handler_ = std::move(h);
  }
  Status Connect(std::chrono::milliseconds) override {
    if (handler_) handler_(runtime::ConnectionEvent::kUp);
    return {};
  }
  Status Subscribe(const std::string& filter, int) override {
    std::lock_guard lock(mu_);
    subscriptions_.push_back(filter);
    return {};
  }
  Status Publish(runtime::OutboundMessage m) override {
    {
      std::lock_guard lock(mu_);
      published_.push_back(m);
    }
    if (respond) {
      if (auto reply = respond(m)) Deliver(std::move(*reply));
    }
    return {};
  }
  Status Flush(std::chrono::milliseconds) override { return {}; }
  void Disconnect() override {}

  void Deliver(runtime::InboundMessage m) {
    if (receiver_) receiver_(std::move(m));
  }
  std::vector<runtime::OutboundMessage> published() const {
    std::lock_guard lock(mu_);
    return published_;
  }

 private:
  std::function<void(runtime::InboundMessage)> receiver_;
  std::function<void(runtime::ConnectionEvent)> handler_;
  mutable std::mutex mu_;
  std::vector<runtime::OutboundMessage> published_;
  std::vector<std::string> subscriptions_;
};

}  // namespace tripmesh::testing
