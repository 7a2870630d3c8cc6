#include "tripmesh/vehicle/vehicle_client.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "tripmesh/base/ids.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::vehicle {
namespace {

class VehicleClientImpl final : public VehicleClient {
 public:
  VehicleClientImpl(const VehicleClientImpl&) = delete;
  VehicleClientImpl& operator=(const VehicleClientImpl&) = delete;
  explicit VehicleClientImpl(VehicleOptions options) : options_(std::move(options)) {}

  Status Init() {
    if (!topics::IsVehicleId(options_.id)) {
      return Fail(Errc::kInvalidRequest, "vehicle id must match [A-Za-z0-9_-]{1,64}", "id");
    }
    if (!topics::IsCompanyId(options_.home)) {
      return Fail(Errc::kInvalidRequest, "home company id must match [a-z0-9-]{1,32}", "home");
    }
    reply_topic_ = topics::VehicleReplies(options_.id);
    runtime::TransportOptions mqtt = options_.mqtt;
    if (mqtt.client_id.empty())
      mqtt.client_id = "vehicle-" + options_.id + "-" + RandomHex().substr(0, 8);
    mqtt.clean_start = true;
    transport_ = runtime::NewTransport(options_.transport, mqtt);
    transport_->SetReceiver([this](runtime::InboundMessage m) { OnMessage(std::move(m)); });
    if (auto st = transport_->Connect(options_.timeout); !st) return st;
    // The broker sends a subscription's retained messages before it answers
    // the next SUBSCRIBE: once the replies are subscribed, every company's
    // status is known.
    if (options_.check_home) {
      if (auto st = transport_->Subscribe(topics::CompanyStatus("+"), 1); !st) return st;
    }
    return transport_->Subscribe(reply_topic_, 1);
  }

  ~VehicleClientImpl() override {
    if (transport_) transport_->Disconnect();
  }

  Result<std::string> Request(const std::string& op, std::string payload) override {
    if (auto st = HomeIsServing(); !st) return tl::unexpected<Error>(st.error());
    std::string corr = RandomHex();
    std::string id = schemas::PeekRequestId(payload);
    if (id.empty()) id = "q-" + corr;
    auto timeout_s = static_cast<int>((options_.timeout.count() + 999) / 1000);
    // Wall-clock time, also when the companies run a simulation clock: it is
    // the requester's patience that runs out.
    Time now = core::RealClock().Now();
    payload = schemas::StampRequest(std::move(payload), id, now + std::max(timeout_s, 1));
    std::future<std::string> reply;
    {
      std::lock_guard lock(mu_);
      auto& pending = pending_[corr];
      pending.request_id = id;
      reply = pending.reply.get_future();
      last_request_id_ = id;
    }
    runtime::OutboundMessage m{.topic = topics::RequestNamed(options_.home, options_.id, op),
                               .payload = std::move(payload),
                               .response_topic = reply_topic_,
                               .correlation_data = corr,
                               .expiry_s = std::max(timeout_s, 1)};
    auto st = transport_->Publish(std::move(m));
    if (st && reply.wait_for(options_.timeout) == std::future_status::ready) return reply.get();
    std::lock_guard lock(mu_);
    pending_.erase(corr);
    if (!st) return tl::unexpected<Error>(st.error());
    return Fail(Errc::kTimeout,
                fmt::format("no reply from {} within {} ms to request {}; it expires unserved "
                            "unless {} began it in time: ask with list --request {}",
                            options_.home, options_.timeout.count(), id, options_.home, id));
  }

  std::string last_request_id() const override {
    std::lock_guard lock(mu_);
    return last_request_id_;
  }

  Result<schemas::ReservationList> ListForRequest(const std::string& request_id) override {
    schemas::ListRequest req;
    req.for_request_id = request_id;
    return Call<schemas::ReservationList>(topics::Op::kList, schemas::Encode(req));
  }

  Result<schemas::PlanResult> Plan(const schemas::PlanRequest& req) override {
    return Call<schemas::PlanResult>(topics::Op::kPlan, schemas::Encode(req));
  }
  Result<schemas::Reservation> Reserve(const schemas::ReserveRequest& req) override {
    return Call<schemas::Reservation>(topics::Op::kReserve, schemas::Encode(req));
  }
  Result<schemas::Reservation> Confirm(const std::string& id) override {
    return Call<schemas::Reservation>(topics::Op::kConfirm,
                                      schemas::EncodeRef({"", id}, "confirm"));
  }
  Result<schemas::Reservation> Cancel(const std::string& id) override {
    return Call<schemas::Reservation>(topics::Op::kCancel, schemas::EncodeRef({"", id}, "cancel"));
  }
  Result<schemas::Reservation> Get(const std::string& id) override {
    return Call<schemas::Reservation>(topics::Op::kGet, schemas::EncodeRef({"", id}, "get"));
  }
  Result<schemas::Reservation> CheckIn(const std::string& id, const std::string& station) override {
    return Call<schemas::Reservation>(topics::Op::kCheckin,
                                      schemas::Encode(schemas::CheckinRequest{"", id, station}));
  }
  Result<schemas::ReservationList> List() override {
    return Call<schemas::ReservationList>(topics::Op::kList,
                                          schemas::Encode(schemas::ListRequest{}));
  }

  Status PublishTelemetry(const schemas::VehicleTelemetry& m) override {
    return transport_->Publish(
        {.topic = topics::VehicleTelemetry(options_.id), .payload = schemas::Encode(m), .qos = 0});
  }

  std::string last_reply() const override {
    std::lock_guard lock(mu_);
    return last_reply_;
  }

 private:
  template <typename T>
  Result<T> Call(topics::Op op, std::string payload) {
    auto text = ResultOf(Request(std::string(topics::OpName(op)), std::move(payload)));
    if (!text) return tl::unexpected<Error>(text.error());
    auto out = schemas::Decode<T>(*text);
    if (!out) return Fail(Errc::kInternal, "unreadable reply: " + out.error().message);
    return out;
  }

  // The home company must be known to the broker and online.
  Status HomeIsServing() const {
    if (!options_.check_home) return {};
    std::lock_guard lock(mu_);
    auto it = statuses_.find(options_.home);
    if (it == statuses_.end()) {
      std::string known;
      for (const auto& [c, s] : statuses_) known += (known.empty() ? "" : ", ") + c;
      return Fail(Errc::kUnknownCompany,
                  fmt::format("no company {} has ever been online on {} (known: {})", options_.home,
                              options_.mqtt.broker, known.empty() ? "none" : known));
    }
    const auto& s = it->second;
    if (s.online) return {};
    Time now = core::RealClock().Now();
    std::string zone = s.time_zone.empty() ? "UTC" : s.time_zone;
    if (s.reason == "stopped") {
      return Fail(Errc::kOffline, fmt::format("{} is offline since {}", options_.home,
                                              runtime::FormatLocal(s.timestamp, zone, now)));
    }
    return Fail(Errc::kOffline,
                fmt::format("{} is offline: its connection to the broker was lost (it had been "
                            "online since {})",
                            options_.home, runtime::FormatLocal(s.timestamp, zone, now)));
  }

  void OnMessage(runtime::InboundMessage m) {  // network thread
    if (m.topic != reply_topic_ && m.topic.rfind(reply_topic_ + "/", 0) != 0) {
      auto s = schemas::Decode<schemas::CompanyStatus>(m.payload);
      if (!s) return;
      std::lock_guard lock(mu_);
      if (s->company == options_.home) AbandonedBy(*s);
      statuses_[s->company] = std::move(*s);
      return;
    }
    OnReply(std::move(m));
  }

  // The home company went offline, or another instance of it now serves
  // (a standby took over): requests in flight to the one that served will
  // not be answered. Each fails at once, saying how to learn its fate.
  // Under mu_.
  void AbandonedBy(const schemas::CompanyStatus& now) {
    auto before = statuses_.find(options_.home);
    if (before == statuses_.end() || !before->second.online) return;
    bool replaced =
        now.online && (now.pid != before->second.pid || now.host != before->second.host);
    if (now.online && !replaced) return;
    for (auto& [corr, p] : pending_) {
      schemas::ErrorReply e;
      e.request_id = p.request_id;
      e.error = {
          Errc::kOffline,
          fmt::format("{} {} while request {} was in flight: ask with list --request {}",
                      options_.home,
                      replaced ? "changed hands (another instance serves it)" : "went offline",
                      p.request_id, p.request_id),
          ""};
      p.reply.set_value(schemas::Encode(e));
    }
    pending_.clear();
  }

  void OnReply(runtime::InboundMessage m) {  // network thread
    std::lock_guard lock(mu_);
    auto it = pending_.find(m.correlation_data);
    if (it == pending_.end()) return;  // a late reply to a request that timed out
    last_reply_ = m.payload;
    it->second.reply.set_value(std::move(m.payload));
    pending_.erase(it);
  }

  VehicleOptions options_;
  std::string reply_topic_;
  std::unique_ptr<runtime::Transport> transport_;
  mutable std::mutex mu_;  // guards the fields below
  struct Pending {
    std::promise<std::string> reply;
    std::string request_id;
  };
  std::unordered_map<std::string, Pending> pending_;        // by correlation data
  std::map<std::string, schemas::CompanyStatus> statuses_;  // by company
  std::string last_reply_;
  std::string last_request_id_;
};

}  // namespace

Result<std::unique_ptr<VehicleClient>> VehicleClient::Connect(VehicleOptions options) {
  auto client = std::make_unique<VehicleClientImpl>(std::move(options));
  if (auto st = client->Init(); !st) return tl::unexpected<Error>(st.error());
  return std::unique_ptr<VehicleClient>(std::move(client));
}

Status WaitForCompanies(const runtime::TransportOptions& mqtt,
                        const std::vector<std::string>& companies,
                        std::chrono::milliseconds timeout, const std::function<bool()>& cancelled) {
  runtime::TransportOptions o = mqtt;
  o.client_id = "watch-" + RandomHex().substr(0, 12);
  o.clean_start = true;
  o.will.reset();
  auto t = runtime::NewMosquittoTransport(o);
  std::mutex mu;
  std::map<std::string, bool> online;
  t->SetReceiver([&](const runtime::InboundMessage& m) {
    auto s = schemas::Decode<schemas::CompanyStatus>(m.payload);
    std::lock_guard lock(mu);
    if (s) online[s->company] = s->online;
  });
  if (auto st = t->Connect(timeout); !st) return st;
  if (auto st = t->Subscribe(topics::CompanyStatus("+"), 1); !st) return st;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string missing;
  while (true) {
    missing.clear();
    {
      std::lock_guard lock(mu);
      for (const auto& c : companies) {
        if (!online[c]) missing += (missing.empty() ? "" : ", ") + c;
      }
    }
    if (missing.empty()) break;
    if (std::chrono::steady_clock::now() >= deadline || (cancelled && cancelled())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  t->Disconnect();
  if (missing.empty()) return {};
  return Fail(Errc::kTimeout, "not online: " + missing);
}

Result<std::string> ResultOf(Result<std::string> reply) {
  if (!reply) return reply;
  auto type = schemas::PeekType(*reply);
  if (!type) return Fail(Errc::kInternal, "unreadable reply: " + type.error().message);
  if (*type != "error") return reply;
  auto e = schemas::Decode<schemas::ErrorReply>(*reply);
  if (!e) return Fail(Errc::kInternal, "unreadable error reply: " + e.error().message);
  return tl::unexpected<Error>(e->error);
}

}  // namespace tripmesh::vehicle
