// The air checker over real SQLite stores: a clean pair of airlines passes;
// a seat claimed by two live reservations, a seat row of a cancelled one, and
// an itinerary confirmed by its coordinator but missing at an airline are
// each reported.
#include "tripmesh/airline/air_consistency.h"

#include <gtest/gtest.h>

#include <deque>

#include "seat_records.h"
#include "testing.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/runtime/store.h"

namespace tripmesh::airline {
namespace {

using schemas::AirReservation;
using schemas::ReservationStatus;

constexpr Time kNow = 1799020800;

AirReservation Ticket(const std::string& id, const std::string& seat,
                      ReservationStatus status = ReservationStatus::kConfirmed) {
  AirReservation r{.reservation_id = id,
                   .request_id = "",
                   .passenger = "ana",
                   .status = status,
                   .created_at = kNow,
                   .expires_at = std::nullopt,
                   .passengers = 1,
                   .price = 255.9,
                   .currency = "BRL",
                   .legs = {}};
  r.legs.push_back({.leg_id = "JG1001-2027-01-04",
                    .airline = "jangada",
                    .flight = "JG1001",
                    .from = "REC",
                    .to = "FOR",
                    .fare_class = "E",
                    .departs_at = kNow + kDayS,
                    .arrives_at = kNow + kDayS + 4500,
                    .cabin = schemas::Cabin::kEconomy,
                    .seats = {seat},
                    .price = 255.9});
  return r;
}

class AirConsistencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = tripmesh::testing::NewTempDir(std::string("AirConsistencyTest-") + info->name());
    for (const auto* a : {"jangada", "tucano"}) {
      auto store = runtime::Store::Open(dir_ + "/" + a + ".db");
      ASSERT_TRUE(store) << store.error().message;
      ASSERT_TRUE((*store)->Write([](runtime::Tx& tx) { return records::CreateTables(tx); }));
      stores_[a] = std::move(*store);
      Coordinator(a);  // an airline's store has the saga tables too
    }
  }

  void Save(const std::string& airline, const AirReservation& r) {
    ASSERT_TRUE(stores_[airline]->Write([&](runtime::Tx& tx) { return records::Save(tx, r); }));
  }

  // The engine's coordinator on `airline`'s store; Pump() runs its steps.
  std::unique_ptr<engine::Saga> Coordinator(const std::string& airline) {
    auto saga = std::make_unique<engine::Saga>(
        *stores_[airline], clock_, engine::SagaOptions{},
        engine::Saga::Hooks{
            .send = [](const engine::SagaRecord&, const std::string&, schemas::SagaPhase) {},
            .reply = [](const engine::SagaRecord&, const engine::ReplyTo&) {},
            .reply_error = [](const Error&, const engine::ReplyTo&) {},
            .post = [this](const std::string&,
                           std::function<void()> t) { tasks_.push_back(std::move(t)); },
            .changed = {}});
    EXPECT_TRUE(saga->Load());
    return saga;
  }

  void Pump() {
    while (!tasks_.empty()) {
      auto t = std::move(tasks_.front());
      tasks_.pop_front();
      t();
    }
  }

  // A saga of tucano's with a part at jangada, taken to confirmed or failed.
  void Itinerary(const std::string& saga_id, bool confirm) {
    auto saga = Coordinator("tucano");
    engine::SagaRecord r;
    r.saga_id = saga_id;
    r.requester = "ana";
    r.created_at = kNow;
    r.parts["jangada"] = {"{}", ""};
    saga->Start(r, {});
    Pump();
    saga->OnAck("jangada", saga_id, schemas::SagaPhase::kRequest,
                {.ok = confirm,
                 .code = confirm ? std::nullopt : std::optional(Errc::kUnavailable),
                 .detail = "",
                 .held = "",
                 .expires_at = std::nullopt});
    Pump();
    saga->OnAck(
        "jangada", saga_id, confirm ? schemas::SagaPhase::kCommit : schemas::SagaPhase::kCompensate,
        {.ok = true, .code = std::nullopt, .detail = "", .held = "", .expires_at = std::nullopt});
    Pump();
  }

  Result<AirConsistencyReport> Check() {
    std::map<std::string, std::string> paths;
    for (const auto& [a, s] : stores_) paths[a] = dir_ + "/" + a + ".db";
    return CheckAirStores(paths, kNow);
  }

  std::string dir_;
  core::ManualClock clock_{kNow};
  std::deque<std::function<void()>> tasks_;
  std::map<std::string, std::unique_ptr<runtime::Store>> stores_;
};

TEST_F(AirConsistencyTest, AgreeingAirlinesPass) {
  Save("jangada", Ticket("r1", "4A"));
  Save("jangada", Ticket("sabc", "4B"));  // tucano's itinerary's part
  Itinerary("sabc", true);
  auto report = Check();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->ok()) << report->Summary();
  EXPECT_EQ(report->itineraries, 1);
  EXPECT_EQ(report->seats, 2);
}

TEST_F(AirConsistencyTest, ASeatClaimedTwiceAnOrphanRowAndAnItineraryApartAreFindings) {
  Save("jangada", Ticket("r1", "4A"));
  // r2 says it has 4A too: written by hand, as the seats' key would refuse it.
  auto r2 = Ticket("r2", "4A");
  ASSERT_TRUE(stores_["jangada"]->Write([&](runtime::Tx& tx) {
    return tx.Exec(
        "INSERT INTO air_reservations(id, passenger, status, created_at, body) VALUES(?,?,?,?,?)",
        {r2.reservation_id, r2.passenger, std::string("confirmed"), kNow, schemas::Encode(r2)});
  }));
  Save("jangada", Ticket("r3", "5A", ReservationStatus::kCancelled));
  ASSERT_TRUE(stores_["jangada"]->Write([](runtime::Tx& tx) {
    return tx.Exec(
        "INSERT INTO air_seats(leg_id, seat, owner) VALUES('JG1001-2027-01-04','5A','r3')");
  }));
  Itinerary("smissing", true);  // confirmed by tucano, unknown at jangada
  Itinerary("sfailed", false);
  Save("jangada", Ticket("sfailed", "6A"));  // its part bought anyway
  auto report = Check();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->ok());
  ASSERT_EQ(report->sold_twice.size(), 1u);
  EXPECT_NE(report->sold_twice[0].find("r1 and r2"), std::string::npos) << report->sold_twice[0];
  ASSERT_EQ(report->orphans.size(), 1u);
  EXPECT_NE(report->orphans[0].find("5A of r3"), std::string::npos);
  ASSERT_EQ(report->sagas_apart.size(), 2u) << report->Summary();
  EXPECT_NE(report->Summary().find("smissing"), std::string::npos);
  EXPECT_NE(report->Summary().find("sfailed"), std::string::npos);
}

}  // namespace
}  // namespace tripmesh::airline
