// Bad input gets its precise error (or is dropped when no reply topic is
// known), changes nothing, and the agent answers the next valid request.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <unordered_map>

#include "company_fixture.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

class BadInputTest : public CompanyFixture {
 protected:
  void SetUp() override {
    StartWorld({"voltpoint"});
    runtime::TransportOptions o;
    o.broker = broker_->uri();
    o.client_id = "bad-client";
    o.clean_start = true;
    client_ = runtime::NewMosquittoTransport(o);
    client_->SetReceiver([this](runtime::InboundMessage m) {
      std::lock_guard lock(mu_);
      replies_.push_back(std::move(m));
    });
    ASSERT_TRUE(client_->Connect(std::chrono::seconds(5)));
    ASSERT_TRUE(client_->Subscribe("tripmesh/v1/vehicles/bad-car/#", 1));
  }

  // Sends and waits for the reply with this correlation (empty: any new reply).
  std::optional<runtime::InboundMessage> Send(
      const std::string& topic, const std::string& payload, const std::string& response_topic,
      const std::string& corr, std::chrono::seconds timeout = std::chrono::seconds(5)) {
    std::size_t before;
    {
      std::lock_guard lock(mu_);
      before = replies_.size();
    }
    EXPECT_TRUE(client_->Publish({.topic = topic,
                                  .payload = payload,
                                  .response_topic = response_topic,
                                  .correlation_data = corr}));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        for (std::size_t i = before; i < replies_.size(); ++i) {
          if (corr.empty() || replies_[i].correlation_data == corr) return replies_[i];
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }
  std::string Topic(const std::string& op) {
    return topics::RequestNamed("voltpoint", "bad-car", op);
  }
  Error ExpectError(const std::string& op, const std::string& payload) {
    auto reply = Send(Topic(op), payload, topics::VehicleReplies("bad-car"),
                      "c-" + op + std::to_string(n_++));
    EXPECT_TRUE(reply) << "no reply to " << payload.substr(0, 80);
    if (!reply) return {};
    auto e = schemas::Decode<schemas::ErrorReply>(reply->payload);
    EXPECT_TRUE(e) << reply->payload;
    return e ? e->error : Error{};
  }
  void ExpectStillServing() {
    auto reply = Send(Topic("plan"), schemas::Encode(Trip("salvador-ba", "jequie-ba", 0.5)),
                      topics::VehicleReplies("bad-car"), "ok-" + std::to_string(n_++));
    ASSERT_TRUE(reply);
    EXPECT_TRUE(schemas::Decode<schemas::PlanResult>(reply->payload)) << reply->payload;
  }

  std::unique_ptr<runtime::Transport> client_;
  std::mutex mu_;
  std::vector<runtime::InboundMessage> replies_;
  int n_ = 0;
};

TEST_F(BadInputTest, EachBadRequestGetsItsCodeAndNothingChanges) {
  EXPECT_EQ(ExpectError("plan", "{not json").code, Errc::kInvalidJson);
  EXPECT_EQ(ExpectError("plan", "[1,2,3]").code, Errc::kInvalidJson);
  auto wrong = ExpectError(
      "plan",
      R"({"from":"salvador-ba","to":"jequie-ba","vehicle":{"battery_kwh":"big","consumption_kwh_per_km":0.17,"soc":0.5}})");
  EXPECT_EQ(wrong.code, Errc::kInvalidRequest);
  EXPECT_EQ(wrong.field, "vehicle.battery_kwh");
  auto missing = ExpectError(
      "plan",
      R"({"from":"salvador-ba","vehicle":{"battery_kwh":60,"consumption_kwh_per_km":0.17,"soc":0.5}})");
  EXPECT_EQ(missing.code, Errc::kInvalidRequest);
  EXPECT_EQ(missing.field, "to");
  auto city = ExpectError(
      "plan",
      R"({"from":"salvador-ba","to":"gotham-ba","vehicle":{"battery_kwh":60,"consumption_kwh_per_km":0.17,"soc":0.5}})");
  EXPECT_EQ(city.code, Errc::kUnknownCity);
  EXPECT_EQ(city.field, "to");
  EXPECT_EQ(ExpectError("teleport", "{}").code, Errc::kUnknownOp);
  EXPECT_EQ(ExpectError("reserve", R"({"plan_id":"p-nope"})").code, Errc::kNotFound);
  EXPECT_EQ(ExpectError("confirm", R"({"reservation_id":"r-nope"})").code, Errc::kNotFound);
  EXPECT_EQ(
      ExpectError("availability",
                  R"({"stations":[],"from":"2026-11-22T14:05:00Z","to":"2026-11-22T15:05:00Z"})")
          .code,
      Errc::kForbidden);
  auto huge = ExpectError("plan", "{\"pad\":\"" + std::string(1 << 20, 'x') + "\"}");
  EXPECT_EQ(huge.code, Errc::kInvalidRequest);
  EXPECT_EQ(huge.field, "payload");

  // A Response Topic in another vehicle's namespace: refused on our own default topic.
  auto redirected = Send(Topic("plan"), schemas::Encode(Trip("salvador-ba", "jequie-ba", 0.5)),
                         "tripmesh/v1/vehicles/victim/replies", "redirect");
  ASSERT_TRUE(redirected);
  EXPECT_EQ(redirected->topic, topics::VehicleReplies("bad-car"));
  EXPECT_EQ(schemas::Decode<schemas::ErrorReply>(redirected->payload)->error.code,
            Errc::kForbidden);

  // Without v5 properties the request_id in the payload is echoed on the default topic.
  auto plain = Send(Topic("get"), R"({"request_id":"q-42","reservation_id":"r-nope"})", "", "");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->topic, topics::VehicleReplies("bad-car"));
  EXPECT_EQ(schemas::Decode<schemas::ErrorReply>(plain->payload)->request_id, "q-42");

  // No valid requester in the topic: nobody to answer, so it is dropped.
  EXPECT_FALSE(Send("tripmesh/v1/companies/voltpoint/requests/bad car/plan", "{}", "", "",
                    std::chrono::seconds(1)));
  ExpectStillServing();

  // Nothing changed: no reservation, no reservation event.
  auto car = Vehicle("bad-car", "voltpoint");
  EXPECT_TRUE(car->List()->reservations.empty());
  for (const auto& m : recorder_->Messages())
    EXPECT_EQ(m.topic.find("/events/"), std::string::npos) << m.topic;
}

}  // namespace
}  // namespace tripmesh::testing
