// A secured mosquitto (password file + ACL from `tripmesh secure`): the topic
// carries identity because nobody can publish under another's name.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "testing.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

class SecureBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = NewTempDir(std::string("Secure-") + info->name());
    std::string out;
    ASSERT_EQ(RunCommand(TripmeshBinary() + " secure --data " + DataDir() + " --conf " +
                             SourceDir() + "/mosquitto/secure.conf --out " + dir_ +
                             "/secure --vehicle car-a --vehicle car-b",
                         &out),
              0)
        << out;
    std::ifstream creds(dir_ + "/secure/credentials");
    for (std::string user, pw; creds >> user >> pw;) password_[user] = pw;
    ASSERT_EQ(password_.size(), 9u);
    auto b = harness::LocalBroker::Start(dir_ + "/broker", dir_ + "/secure/mosquitto.conf");
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
    monitor_ = Recorder::Start(broker_->uri(), std::string("Secure.") + info->name(), "monitor",
                               password_["monitor"]);
    company_ = SpawnCompany("voltpoint");
  }
  std::unique_ptr<harness::Process> SpawnCompany(const std::string& id) {
    auto p = harness::Process::Spawn(
        {TripmeshBinary(), "company", "--id", id, "--broker", broker_->uri(), "--data", DataDir(),
         "--db", dir_ + "/" + id + ".db", "--username", id, "--password", password_[id]},
        dir_ + "/" + id + ".log");
    EXPECT_TRUE(p);
    if (!p) return nullptr;
    EXPECT_TRUE(WaitOnline(broker_->uri(), id, true, std::chrono::seconds(20), "monitor",
                           password_["monitor"]))
        << "see " << dir_ << "/" << id << ".log";
    return std::move(*p);
  }

  struct Raw {
    std::unique_ptr<runtime::Transport> t;
    std::mutex mu;
    std::vector<runtime::InboundMessage> got;
    std::size_t Count() {
      std::lock_guard lock(mu);
      return got.size();
    }
  };
  std::unique_ptr<Raw> Connect(const std::string& user, const std::string& password,
                               const std::string& subscribe = "") {
    auto r = std::make_unique<Raw>();
    runtime::TransportOptions o;
    o.broker = broker_->uri();
    o.client_id = "raw-" + user;
    o.clean_start = true;
    o.username = user;
    o.password = password;
    r->t = runtime::NewMosquittoTransport(o);
    auto* raw = r.get();
    r->t->SetReceiver([raw](runtime::InboundMessage m) {
      std::lock_guard lock(raw->mu);
      raw->got.push_back(std::move(m));
    });
    EXPECT_TRUE(r->t->Connect(std::chrono::seconds(5)));
    if (!subscribe.empty()) {
      EXPECT_TRUE(r->t->Subscribe(subscribe, 1));
    }
    return r;
  }
  bool MonitorSees(const std::string& topic,
                   std::chrono::milliseconds wait = std::chrono::milliseconds(1500)) {
    return monitor_->WaitFor([&](const runtime::InboundMessage& m) { return m.topic == topic; },
                             wait);
  }
  std::string PlanPayload() { return schemas::Encode(CompanyTrip()); }
  static schemas::PlanRequest CompanyTrip() {
    schemas::PlanRequest r;
    r.from = "salvador-ba";
    r.to = "jequie-ba";
    r.vehicle = {60, 0.17, 0.5, 0.10, std::nullopt, {"IEC_62196_T2_COMBO"}};
    return r;
  }

  std::string dir_;
  std::map<std::string, std::string> password_;
  std::unique_ptr<harness::LocalBroker> broker_;
  std::unique_ptr<Recorder> monitor_;
  std::unique_ptr<harness::Process> company_;
};

TEST_F(SecureBrokerTest, FullReserveFlowWorksWithEveryAgentAuthenticated) {
  auto car = ConnectVehicle(broker_->uri(), "car-a", "voltpoint", password_["car-a"]);
  ASSERT_TRUE(car);
  auto r = car->Reserve({"", "", CompanyTrip(), false});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
  EXPECT_EQ(car->Get(r->reservation_id)->status, schemas::ReservationStatus::kConfirmed);
  EXPECT_TRUE(MonitorSees("tripmesh/v1/companies/voltpoint/events/reservation"));
}

TEST_F(SecureBrokerTest, ASagaAcrossThreeCompaniesWorksUnderTheAcl) {
  auto eflux = SpawnCompany("eflux");
  auto ecocharge = SpawnCompany("ecocharge");
  auto car = ConnectVehicle(broker_->uri(), "car-b", "voltpoint", password_["car-b"]);
  ASSERT_TRUE(car);
  schemas::PlanRequest trip;
  trip.from = "salvador-ba";
  trip.to = "fortaleza-ce";
  trip.vehicle = {50, 0.165, 1.0, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
  auto r = car->Reserve({"", "", trip, false});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, schemas::ReservationStatus::kConfirmed)
      << (r->error ? r->error->message : "");
  std::set<std::string> companies;
  for (const auto& i : r->items) companies.insert(i.company);
  EXPECT_EQ(companies.size(), 3u);
  EXPECT_TRUE(MonitorSees("tripmesh/v1/companies/eflux/saga/voltpoint/commit"));
  EXPECT_TRUE(MonitorSees("tripmesh/v1/companies/voltpoint/saga/ecocharge/ack"));
}

TEST_F(SecureBrokerTest, WrongPasswordAndAnonymousAreRefusedWithAClearMessage) {
  vehicle::VehicleOptions o;
  o.id = "car-a";
  o.home = "voltpoint";
  o.mqtt.broker = broker_->uri();
  o.mqtt.username = "car-a";
  o.mqtt.password = "not-the-password";
  auto c = vehicle::VehicleClient::Connect(o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::kForbidden);
  EXPECT_NE(c.error().message.find("refused the connection"), std::string::npos)
      << c.error().message;
  o.mqtt.username.clear();
  o.mqtt.password.clear();
  auto anonymous = vehicle::VehicleClient::Connect(o);
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().code, Errc::kForbidden);
  std::string out;
  EXPECT_EQ(RunCommand(TripmeshBinary() + " vehicle --id car-a --home voltpoint --broker " +
                           broker_->uri() + " --username car-a --password wrong list 2>&1",
                       &out),
            1);
  EXPECT_NE(out.find("refused the connection"), std::string::npos) << out;
}

TEST_F(SecureBrokerTest, VehicleCannotPublishSagaMessagesNorAsAnotherVehicle) {
  auto a = Connect("car-a", password_["car-a"], "tripmesh/v1/vehicles/car-a/#");
  ASSERT_TRUE(a->t->Publish(
      {.topic = topics::Saga("voltpoint", "eflux", topics::SagaKind::kRequest), .payload = "{}"}));
  ASSERT_TRUE(a->t->Publish({.topic = topics::Request("voltpoint", "car-b", topics::Op::kPlan),
                             .payload = PlanPayload(),
                             .response_topic = topics::VehicleReplies("car-a"),
                             .correlation_data = "x"}));
  EXPECT_FALSE(MonitorSees(topics::Saga("voltpoint", "eflux", topics::SagaKind::kRequest)));
  EXPECT_FALSE(MonitorSees(topics::Request("voltpoint", "car-b", topics::Op::kPlan),
                           std::chrono::milliseconds(100)));
  EXPECT_EQ(a->Count(), 0u);
  // Under its own name the same request goes through.
  ASSERT_TRUE(a->t->Publish({.topic = topics::Request("voltpoint", "car-a", topics::Op::kPlan),
                             .payload = PlanPayload(),
                             .response_topic = topics::VehicleReplies("car-a"),
                             .correlation_data = "y"}));
  EXPECT_TRUE(MonitorSees(topics::Request("voltpoint", "car-a", topics::Op::kPlan)));
  for (int i = 0; i < 100 && a->Count() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(a->Count(), 1u);
}

TEST_F(SecureBrokerTest, VehicleCannotReadAnotherVehiclesRepliesNorRedirectThem) {
  auto b = Connect("car-b", password_["car-b"]);
  ASSERT_TRUE(b->t->Subscribe("tripmesh/v1/vehicles/car-a/#", 1));  // granted, but nothing may flow
  ASSERT_TRUE(b->t->Subscribe("tripmesh/v1/vehicles/car-b/#", 1));
  auto a = Connect("car-a", password_["car-a"], "tripmesh/v1/vehicles/car-a/#");
  ASSERT_TRUE(a->t->Publish({.topic = topics::Request("voltpoint", "car-a", topics::Op::kPlan),
                             .payload = PlanPayload(),
                             .response_topic = topics::VehicleReplies("car-a"),
                             .correlation_data = "1"}));
  // A Response Topic in car-b's namespace is refused by the company, on car-a's own topic.
  ASSERT_TRUE(a->t->Publish({.topic = topics::Request("voltpoint", "car-a", topics::Op::kPlan),
                             .payload = PlanPayload(),
                             .response_topic = topics::VehicleReplies("car-b"),
                             .correlation_data = "2"}));
  for (int i = 0; i < 100 && a->Count() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(a->Count(), 2u);
  std::lock_guard lock(a->mu);
  auto forbidden = std::find_if(a->got.begin(), a->got.end(),
                                [](const auto& m) { return m.correlation_data == "2"; });
  ASSERT_NE(forbidden, a->got.end());
  EXPECT_EQ(schemas::Decode<schemas::ErrorReply>(forbidden->payload)->error.code, Errc::kForbidden);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(b->Count(), 0u);
}

TEST_F(SecureBrokerTest, MonitorSeesEverythingAndPublishesNothing) {
  EXPECT_TRUE(MonitorSees(topics::Station("voltpoint", "vp-salvador-pituba")));
  EXPECT_TRUE(MonitorSees(topics::CompanyStatus("voltpoint")));
  auto m = Connect("monitor", password_["monitor"]);
  ASSERT_TRUE(m->t->Publish(
      {.topic = topics::Request("voltpoint", "monitor", topics::Op::kList), .payload = "{}"}));
  ASSERT_TRUE(m->t->Publish(
      {.topic = topics::CompanyStatus("voltpoint"), .payload = "{}", .retain = true}));
  EXPECT_FALSE(MonitorSees(topics::Request("voltpoint", "monitor", topics::Op::kList)));
  for (const auto& msg : monitor_->Messages()) EXPECT_NE(msg.payload, "{}") << msg.topic;
}

// Only the company's own admin account changes its network; a vehicle, the
// monitor and another company's admin are refused by the broker. A notice
// for a vehicle reaches that vehicle and nobody else of the fleet.
TEST_F(SecureBrokerTest, OnlyTheCompanysAdminChangesItsNetworkAndOnlyTheVehicleReadsItsNotices) {
  std::string payload = schemas::Encode(schemas::PointStatusRequest{
      .station = "vp-jequie", .point = "1", .status = schemas::PointStatus::kBlocked});
  std::string topic = topics::Admin("voltpoint", topics::AdminOp::kSetPointStatus);
  for (const char* user : {"car-a", "eflux-admin", "monitor", "eflux"}) {
    auto raw = Connect(user, password_[user]);
    (void)raw->t->Publish({.topic = topic, .payload = payload});
  }
  EXPECT_FALSE(MonitorSees(topic)) << "the broker let a publish onto the admin topic through";

  auto car = ConnectVehicle(broker_->uri(), "car-a", "voltpoint", password_["car-a"]);
  ASSERT_TRUE(car);
  auto r = car->Reserve({"", "", CompanyTrip(), false});
  ASSERT_TRUE(r) << r.error().message;
  auto own = Connect("car-a", password_["car-a"], topics::VehicleEvents("car-a"));
  auto other = Connect("car-b", password_["car-b"], topics::VehicleEvents("car-a"));
  std::string station = r->items.front().station, point = r->items.front().point;
  for (int round = 0; round < 8 && own->Count() == 0; ++round) {
    std::string out;
    ASSERT_EQ(RunCommand(TripmeshBinary() + " admin --company voltpoint --json --broker " +
                             broker_->uri() + " --username voltpoint-admin --password " +
                             password_["voltpoint-admin"] + " set-point-status --station " +
                             station + " --point " + point + " --status OUTOFORDER 2>&1",
                         &out),
              0)
        << out;
    auto result = schemas::Decode<schemas::AdminResult>(out.substr(0, out.find('\n')));
    ASSERT_TRUE(result) << out;
    if (!result->moved.empty()) point = result->moved.front().to_point;
    if (!result->lost.empty()) {
      ASSERT_TRUE(MonitorSees(topics::VehicleEvents("car-a")));
    }
  }
  EXPECT_EQ(own->Count(), 1u);
  EXPECT_EQ(other->Count(), 0u) << "car-b read car-a's notice";
}

}  // namespace
}  // namespace tripmesh::testing
