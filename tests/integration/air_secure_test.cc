// The air profile on a secured broker (`tripmesh secure --profile air`): the
// three airlines log in with their accounts, publish their timetables and
// sell a passenger an itinerary across all three as one saga; a passenger
// cannot speak as an airline on the saga topics.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "testing.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

class AirSecureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = NewTempDir("AirSecure");
    std::string out;
    ASSERT_EQ(RunCommand(TripmeshBinary() + " secure --profile air --data " + DataDir() +
                             " --conf " + SourceDir() + "/mosquitto/secure.conf --out " + dir_ +
                             "/secure --vehicle ana",
                         &out),
              0)
        << out;
    std::ifstream creds(dir_ + "/secure/credentials");
    for (std::string user, pw; creds >> user >> pw;) password_[user] = pw;
    ASSERT_TRUE(password_.count("jangada") && password_.count("ana")) << out;
    auto b = harness::LocalBroker::Start(dir_ + "/broker", dir_ + "/secure/mosquitto.conf");
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
    for (const auto* a : {"jangada", "sabia", "tucano"}) {
      auto p = harness::Process::Spawn(
          {TripmeshBinary(), "airline", "--id", a, "--broker", broker_->uri(), "--data",
           DataDir() + "/air", "--db", dir_ + "/" + a + ".db", "--username", a, "--password",
           password_[a]},
          dir_ + "/" + a + ".log");
      ASSERT_TRUE(p) << p.error().message;
      airlines_.push_back(std::move(*p));
      ASSERT_TRUE(WaitOnline(broker_->uri(), a, true, std::chrono::seconds(20), "monitor",
                             password_["monitor"]))
          << "see " << dir_ << "/" << a << ".log";
    }
  }

  std::string dir_;
  std::map<std::string, std::string> password_;
  std::unique_ptr<harness::LocalBroker> broker_;
  std::vector<std::unique_ptr<harness::Process>> airlines_;
};

TEST_F(AirSecureTest, AnItineraryAcrossThreeAirlinesIsSoldUnderTheAcl) {
  auto ana = ConnectVehicle(broker_->uri(), "ana", "tucano", password_["ana"]);
  ASSERT_TRUE(ana);
  schemas::AirPlanRequest q;
  q.from = "BEL";
  q.to = "NAT";
  q.depart_after = core::RealClock().Now() + 2 * kDayS;
  auto text = vehicle::ResultOf(ana->Request("plan", schemas::Encode(q)));
  ASSERT_TRUE(text) << text.error().message;
  auto plan = schemas::Decode<schemas::AirPlanResult>(*text);
  ASSERT_TRUE(plan && !plan->itineraries.empty());
  schemas::AirReserveRequest r{.request_id = "", .legs = {}, .passengers = 1, .hold_only = false};
  std::set<std::string> airlines;
  for (const auto& leg : plan->itineraries.front().legs) {
    r.legs.push_back({.leg_id = leg.leg_id, .fare_class = leg.fare_class, .seats = {}});
    airlines.insert(leg.airline);
  }
  EXPECT_EQ(airlines.size(), 3u);
  auto bought = vehicle::ResultOf(ana->Request("reserve", schemas::Encode(r)));
  ASSERT_TRUE(bought) << bought.error().message;
  auto reservation = schemas::Decode<schemas::AirReservation>(*bought);
  ASSERT_TRUE(reservation);
  EXPECT_EQ(reservation->status, schemas::ReservationStatus::kConfirmed);
}

TEST_F(AirSecureTest, APassengerCannotSpeakAsAnAirlineOnTheSagaTopics) {
  runtime::TransportOptions o;
  o.broker = broker_->uri();
  o.client_id = "raw-ana";
  o.clean_start = true;
  o.username = "ana";
  o.password = password_["ana"];
  auto raw = runtime::NewMosquittoTransport(o);
  ASSERT_TRUE(raw->Connect(std::chrono::seconds(5)));
  schemas::AirSagaRequest forged{
      .saga_id = "sforged",
      .reservation_id = "forged",
      .passenger = "ana",
      .passengers = 1,
      .hold_ttl_s = 600,
      .legs = {{.leg_id = "JG1001-" + FormatTime(core::RealClock().Now() + 2 * kDayS).substr(0, 10),
                .fare_class = "E",
                .seats = {}}}};
  // The broker drops it (the ACL), so Jangada holds nothing for it.
  (void)raw->Publish({.topic = topics::Saga("jangada", "tucano", topics::SagaKind::kRequest),
                      .payload = schemas::Encode(forged)});
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (const auto& [seat, owner] : AirSeatsIn(dir_ + "/jangada.db")) EXPECT_NE(owner, "sforged");
  EXPECT_TRUE(AirSeatsIn(dir_ + "/jangada.db").empty());
}

}  // namespace
}  // namespace tripmesh::testing
