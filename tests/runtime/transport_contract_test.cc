// Every Transport implementation keeps the same contract against a real mosquitto.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "testing.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/runtime/transport.h"

namespace tripmesh::runtime {
namespace {

using harness::FreeLoopbackPort;
using harness::LocalBroker;

class TransportContractTest : public ::testing::TestWithParam<TransportKind> {
 protected:
  void SetUp() override {
    auto b = LocalBroker::Start(tripmesh::testing::NewTempDir("transport"));
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
  }
  std::unique_ptr<Transport> Make(const std::string& id, bool clean = true) {
    TransportOptions o;
    o.broker = broker_->uri();
    o.client_id = id;
    o.clean_start = clean;
    return NewTransport(GetParam(), o);
  }
  struct Inbox {
    std::mutex mu;
    std::vector<InboundMessage> got;
    void Attach(Transport& t) {
      t.SetReceiver([this](InboundMessage m) {
        std::lock_guard lock(mu);
        got.push_back(std::move(m));
      });
    }
    bool WaitCount(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(10)) {
      auto deadline = std::chrono::steady_clock::now() + timeout;
      while (true) {
        {
          std::lock_guard lock(mu);
          if (got.size() >= n) return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  };
  std::unique_ptr<LocalBroker> broker_;
};

TEST_P(TransportContractTest, PublishReachesSubscriberWithV5Properties) {
  Inbox inbox;  // outlives the transport that delivers into it
  auto sub = Make("sub");
  inbox.Attach(*sub);
  ASSERT_TRUE(sub->Connect(std::chrono::seconds(5)));
  ASSERT_TRUE(sub->Subscribe("tripmesh/v1/test/#", 1));
  auto pub = Make("pub");
  ASSERT_TRUE(pub->Connect(std::chrono::seconds(5)));
  ASSERT_TRUE(pub->Publish({.topic = "tripmesh/v1/test/a",
                            .payload = "{\"x\":1}",
                            .response_topic = "tripmesh/v1/test/reply",
                            .correlation_data = std::string("c\0rr", 4)}));
  ASSERT_TRUE(pub->Flush(std::chrono::seconds(5)));
  ASSERT_TRUE(inbox.WaitCount(1));
  std::lock_guard lock(inbox.mu);
  EXPECT_EQ(inbox.got[0].topic, "tripmesh/v1/test/a");
  EXPECT_EQ(inbox.got[0].payload, "{\"x\":1}");
  EXPECT_EQ(inbox.got[0].response_topic, "tripmesh/v1/test/reply");
  EXPECT_EQ(inbox.got[0].correlation_data, std::string("c\0rr", 4));
}

TEST_P(TransportContractTest, RetainedMessageReachesALateSubscriber) {
  auto pub = Make("pub");
  ASSERT_TRUE(pub->Connect(std::chrono::seconds(5)));
  ASSERT_TRUE(pub->Publish({.topic = "tripmesh/v1/test/retained", .payload = "r", .retain = true}));
  ASSERT_TRUE(pub->Flush(std::chrono::seconds(5)));
  Inbox inbox;  // outlives the transport that delivers into it
  auto sub = Make("sub");
  inbox.Attach(*sub);
  ASSERT_TRUE(sub->Connect(std::chrono::seconds(5)));
  ASSERT_TRUE(sub->Subscribe("tripmesh/v1/test/retained", 1));
  ASSERT_TRUE(inbox.WaitCount(1));
  std::lock_guard lock(inbox.mu);
  EXPECT_TRUE(inbox.got[0].retained);
}

TEST_P(TransportContractTest, ManyQoS1MessagesArriveWithNoLoss) {
  Inbox inbox;  // outlives the transport that delivers into it
  auto sub = Make("sub");
  inbox.Attach(*sub);
  ASSERT_TRUE(sub->Connect(std::chrono::seconds(5)));
  ASSERT_TRUE(sub->Subscribe("tripmesh/v1/test/n", 1));
  auto pub = Make("pub");
  ASSERT_TRUE(pub->Connect(std::chrono::seconds(5)));
  for (int i = 0; i < 2000; ++i)
    ASSERT_TRUE(pub->Publish({.topic = "tripmesh/v1/test/n", .payload = std::to_string(i)}));
  ASSERT_TRUE(pub->Flush(std::chrono::seconds(20)));
  ASSERT_TRUE(inbox.WaitCount(2000, std::chrono::seconds(20)));
}

TEST_P(TransportContractTest, ReconnectsAndResubscribesAfterBrokerRestart) {
  // Both outlive the transport that writes to them: it says it is down as it is destroyed.
  Inbox inbox;
  std::atomic<int> ups{0};
  auto sub = Make("sub-restart", false);
  inbox.Attach(*sub);
  sub->SetConnectionHandler(
      [&](runtime::ConnectionEvent e) { ups += e == runtime::ConnectionEvent::kUp ? 1 : 0; });
  ASSERT_TRUE(sub->Connect(std::chrono::seconds(5)));
  ASSERT_TRUE(sub->Subscribe("tripmesh/v1/test/after", 1));
  broker_->Kill();
  ASSERT_TRUE(broker_->Restart());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ups.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(ups.load(), 2) << "no reconnection";
  auto pub = Make("pub");
  ASSERT_TRUE(pub->Connect(std::chrono::seconds(5)));
  // The resubscription races this publish: publish until one arrives.
  bool got = false;
  for (int i = 0; i < 100 && !got; ++i) {
    ASSERT_TRUE(pub->Publish({.topic = "tripmesh/v1/test/after", .payload = "x"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    got = inbox.WaitCount(1, std::chrono::seconds(0));
  }
  EXPECT_TRUE(got);
  EXPECT_GE(ups.load(), 2);
}

TEST_P(TransportContractTest, ARefusedConnectionOrAnUnknownHostFailsAtOnce) {
  TransportOptions o;
  o.broker = "mqtt://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  o.client_id = "nobody";
  auto t = NewTransport(GetParam(), o);
  auto started = std::chrono::steady_clock::now();
  // A long timeout: a refusal must not wait for it.
  auto st = t->Connect(std::chrono::seconds(60));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kOffline) << st.error().message;
  o.broker = "mqtt://no-such-host.invalid:1883";
  auto unknown = NewTransport(GetParam(), o)->Connect(std::chrono::seconds(60));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kOffline) << unknown.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
}

INSTANTIATE_TEST_SUITE_P(Transports, TransportContractTest,
                         ::testing::Values(TransportKind::kMosquitto, TransportKind::kPaho),
                         [](const auto& info) {
                           return info.param == TransportKind::kMosquitto ? std::string("Mosquitto")
                                                                          : std::string("Paho");
                         });

}  // namespace
}  // namespace tripmesh::runtime
