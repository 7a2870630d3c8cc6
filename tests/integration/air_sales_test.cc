// Airlines sell the seats of their own legs on a real broker: 200 passengers
// race for the 72 seats of one flight and no seat is sold twice, before or
// after the airline is killed; a hold that is not confirmed expires and its
// seat goes back on sale; a settled sale leaves memory and is answered from
// the store; bad requests get precise errors and change nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <set>
#include <thread>

#include "testing.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

using schemas::AirReservation;
using schemas::ReservationStatus;

constexpr int kNotOffered = -1;

class AirSalesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = NewTestDir();
    auto b = harness::LocalBroker::Start(dir_ + "/broker");
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
    recorder_ = Recorder::ForThisTest(broker_->uri());
  }

  void StartJangada(const std::vector<std::string>& extra = {}) {
    jangada_ = StartAirline("jangada", extra);
  }

  std::unique_ptr<harness::Process> StartAirline(const std::string& id,
                                                 const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {TripmeshBinary(), "airline",
                                     "--id",           id,
                                     "--broker",       broker_->uri(),
                                     "--data",         DataDir() + "/air",
                                     "--db",           dir_ + "/" + id + ".db"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = harness::Process::Spawn(args, dir_ + "/" + id + ".log");
    EXPECT_TRUE(p) << p.error().message;
    if (!p) return nullptr;
    EXPECT_TRUE(WaitOnline(broker_->uri(), id)) << id << " did not come online; see " << dir_;
    return std::move(*p);
  }

  // JG1061 Recife -> João Pessoa, an ATR72 (72 economy seats), on Wednesday of next week.
  static std::string Leg() {
    Time now = core::RealClock().Now();
    Time days = now / kDayS;
    Time monday = (days - (days + 3) % 7 + 7) * kDayS;
    return "JG1061-" + FormatTime(monday + 2 * kDayS).substr(0, 10);
  }

  static std::string Ask(const std::string& leg, int passengers = 1, bool hold_only = false,
                         std::vector<std::string> seats = {}) {
    schemas::AirReserveRequest r{
        .request_id = "", .legs = {}, .passengers = passengers, .hold_only = hold_only};
    r.legs.push_back({.leg_id = leg, .fare_class = "E", .seats = std::move(seats)});
    return schemas::Encode(r);
  }

  static Result<AirReservation> Reservation(Result<std::string> reply) {
    auto text = vehicle::ResultOf(std::move(reply));
    if (!text) return tl::unexpected<Error>(text.error());
    return schemas::Decode<AirReservation>(*text);
  }

  // Seats left on the leg, as a plan from Recife to João Pessoa shows it;
  // kNotOffered when no itinerary has it (the planner leaves out a full leg).
  int SeatsLeft(vehicle::VehicleClient& passenger) {
    schemas::AirPlanRequest q;
    q.from = "REC";
    q.to = "JPA";
    auto leg = Leg();
    q.depart_after = ParseTime(leg.substr(7) + "T00:00:00-03:00").value();
    q.alternatives = 10;
    auto text = vehicle::ResultOf(passenger.Request("plan", schemas::Encode(q)));
    if (!text) return text.error().code == Errc::kNoRoute ? kNotOffered : -2;
    auto plan = schemas::Decode<schemas::AirPlanResult>(*text);
    if (!plan) return -2;
    for (const auto& it : plan->itineraries) {
      for (const auto& l : it.legs) {
        if (l.leg_id == leg) return static_cast<int>(l.seats_left);
      }
    }
    return kNotOffered;
  }

  // Every "leg/seat" -> owner of Jangada's store.
  std::map<std::string, std::string> StoredSeats() { return AirSeatsIn(dir_ + "/jangada.db"); }

  std::string dir_;
  std::unique_ptr<harness::LocalBroker> broker_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<harness::Process> jangada_;
};

TEST_F(AirSalesTest, TwoHundredPassengersRaceForSeventyTwoSeatsAndNoneIsSoldTwice) {
  StartJangada();
  constexpr int kPassengers = 200, kSeats = 72;
  std::vector<std::unique_ptr<vehicle::VehicleClient>> passengers;
  for (int i = 0; i < kPassengers; ++i) {
    passengers.push_back(ConnectVehicle(broker_->uri(), "p" + std::to_string(i), "jangada"));
    ASSERT_TRUE(passengers.back()) << i;
  }
  ASSERT_EQ(SeatsLeft(*passengers[0]), kSeats);
  std::vector<Result<AirReservation>> results(kPassengers, Fail(Errc::kInternal, "not run"));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kPassengers; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      // Every third one holds first, then confirms.
      bool hold = i % 3 == 0;
      auto r = Reservation(passengers[i]->Request("reserve", Ask(Leg(), 1, hold)));
      if (r && hold) {
        schemas::ReservationRef ref{"", r->reservation_id};
        r = Reservation(passengers[i]->Request("confirm", schemas::EncodeRef(ref, "confirm")));
      }
      results[i] = std::move(r);
    });
  }
  go = true;
  for (auto& t : threads) t.join();

  std::map<std::string, std::string> sold;  // seat -> reservation
  for (int i = 0; i < kPassengers; ++i) {
    if (!results[i]) {
      EXPECT_EQ(results[i].error().code, Errc::kUnavailable) << results[i].error().message;
      continue;
    }
    EXPECT_EQ(results[i]->status, ReservationStatus::kConfirmed);
    ASSERT_EQ(results[i]->legs.size(), 1u);
    ASSERT_EQ(results[i]->legs[0].seats.size(), 1u);
    EXPECT_TRUE(sold.emplace(results[i]->legs[0].seats[0], results[i]->reservation_id).second)
        << "seat " << results[i]->legs[0].seats[0] << " sold twice";
  }
  EXPECT_EQ(sold.size(), static_cast<std::size_t>(kSeats));
  EXPECT_EQ(SeatsLeft(*passengers[0]), kNotOffered);

  // Killed and restarted, the airline has sold exactly these seats.
  jangada_->Signal(SIGKILL);
  ASSERT_TRUE(jangada_->Wait(std::chrono::seconds(10)));
  auto stored = StoredSeats();
  ASSERT_EQ(stored.size(), sold.size());
  for (const auto& [seat, owner] : sold) EXPECT_EQ(stored[Leg() + "/" + seat], owner) << seat;
  StartJangada();
  for (int i = 0; i < kPassengers; ++i) {
    if (!results[i]) continue;
    schemas::ReservationRef ref{"", results[i]->reservation_id};
    auto again = OnceHomeIsBack(
        [&] { return Reservation(passengers[i]->Request("get", schemas::EncodeRef(ref, "get"))); });
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->status, ReservationStatus::kConfirmed);
    EXPECT_EQ(again->legs[0].seats, results[i]->legs[0].seats);
  }
  EXPECT_EQ(SeatsLeft(*passengers[0]), kNotOffered);
  auto late = Reservation(passengers[1]->Request("reserve", Ask(Leg())));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, Errc::kUnavailable);
}

TEST_F(AirSalesTest, AHoldNotConfirmedExpiresAndItsSeatGoesBackOnSale) {
  StartJangada({"--hold-ttl", "2"});
  auto ana = ConnectVehicle(broker_->uri(), "ana", "jangada");
  auto bia = ConnectVehicle(broker_->uri(), "bia", "jangada");
  ASSERT_TRUE(ana && bia);
  auto held = Reservation(ana->Request("reserve", Ask(Leg(), 1, true, {"12C"})));
  ASSERT_TRUE(held) << held.error().message;
  EXPECT_EQ(held->status, ReservationStatus::kHeld);
  ASSERT_TRUE(held->expires_at);
  auto taken = Reservation(bia->Request("reserve", Ask(Leg(), 1, false, {"12C"})));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, Errc::kConflict);
  EXPECT_EQ(SeatsLeft(*bia), 71);

  schemas::ReservationRef ref{"", held->reservation_id};
  Result<AirReservation> got = Fail(Errc::kInternal, "not asked");
  for (int i = 0; i < 100; ++i) {
    got = Reservation(ana->Request("get", schemas::EncodeRef(ref, "get")));
    if (got && got->status == ReservationStatus::kExpired) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, ReservationStatus::kExpired);
  auto late = Reservation(ana->Request("confirm", schemas::EncodeRef(ref, "confirm")));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, Errc::kExpired);
  auto bought = Reservation(bia->Request("reserve", Ask(Leg(), 1, false, {"12C"})));
  ASSERT_TRUE(bought) << bought.error().message;
  EXPECT_EQ(bought->legs[0].seats, std::vector<std::string>{"12C"});
  EXPECT_TRUE(StoredSeats().count(Leg() + "/12C"));

  // A cancel frees the seat; cancelling again answers the same.
  schemas::ReservationRef bref{"", bought->reservation_id};
  auto cancelled = Reservation(bia->Request("cancel", schemas::EncodeRef(bref, "cancel")));
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, ReservationStatus::kCancelled);
  auto twice = Reservation(bia->Request("cancel", schemas::EncodeRef(bref, "cancel")));
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, ReservationStatus::kCancelled);
  EXPECT_EQ(SeatsLeft(*bia), 72);
  EXPECT_TRUE(StoredSeats().empty());
}

// Only holds stay in the airline's memory: a sale, once bought, is read back
// from the store for a repeated request, get, list and cancel, before and
// after a restart, and from a store made before the request_id and
// coordinator columns.
TEST_F(AirSalesTest, ASettledSaleLeavesMemoryAndIsStillAnsweredFromTheStore) {
  StartJangada();
  auto ana = ConnectVehicle(broker_->uri(), "ana", "jangada");
  auto bia = ConnectVehicle(broker_->uri(), "bia", "jangada");
  ASSERT_TRUE(ana && bia);
  auto ask = schemas::Decode<schemas::AirReserveRequest>(Ask(Leg(), 1, false, {"12C"})).value();
  ask.request_id = "q1";
  auto bought = Reservation(ana->Request("reserve", schemas::Encode(ask)));
  ASSERT_TRUE(bought) << bought.error().message;
  auto held = Reservation(bia->Request("reserve", Ask(Leg(), 1, true, {"14A"})));
  ASSERT_TRUE(held) << held.error().message;
  // The airline's metrics count what it keeps in memory: the hold alone.
  EXPECT_TRUE(recorder_->WaitFor(
      [](const runtime::InboundMessage& m) {
        auto metrics = schemas::Decode<schemas::CompanyMetrics>(m.payload);
        return m.topic == topics::Metrics("jangada") && metrics &&
               metrics->counters["reservations.in_memory"] == 1;
      },
      std::chrono::seconds(15)));
  schemas::ReservationRef ref{"", bought->reservation_id};
  auto answered_from_the_store = [&] {
    auto again = Reservation(ana->Request("reserve", schemas::Encode(ask)));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->reservation_id, bought->reservation_id);
    auto got = Reservation(ana->Request("get", schemas::EncodeRef(ref, "get")));
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->status, ReservationStatus::kConfirmed);
    auto others = Reservation(bia->Request("get", schemas::EncodeRef(ref, "get")));
    ASSERT_FALSE(others);
    EXPECT_EQ(others.error().code, Errc::kNotFound);
    auto list = vehicle::ResultOf(ana->Request("list", R"({"type":"list.request"})"));
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_NE(list->find(bought->reservation_id), std::string::npos) << *list;
    auto taken = Reservation(bia->Request("reserve", Ask(Leg(), 1, false, {"12C"})));
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().code, Errc::kConflict);
    EXPECT_EQ(SeatsLeft(*bia), 70);
  };
  answered_from_the_store();

  // Killed, and its store taken back to before the request_id and coordinator columns.
  jangada_->Signal(SIGKILL);
  ASSERT_TRUE(jangada_->Wait(std::chrono::seconds(10)));
  {
    auto store = runtime::Store::Open(dir_ + "/jangada.db");
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->Write([](runtime::Tx& tx) -> Status {
      if (auto st = tx.Exec("DROP INDEX air_reservations_by_passenger"); !st) return st;
      if (auto st = tx.Exec("ALTER TABLE air_reservations DROP COLUMN coordinator"); !st) {
        return st;
      }
      return tx.Exec("ALTER TABLE air_reservations DROP COLUMN request_id");
    }));
  }
  StartJangada();
  // New sessions read the retained status the new agent set; the old ones
  // may not have heard it yet, and would be told the airline is offline.
  ana = ConnectVehicle(broker_->uri(), "ana", "jangada");
  bia = ConnectVehicle(broker_->uri(), "bia", "jangada");
  ASSERT_TRUE(ana && bia);
  answered_from_the_store();
  auto cancelled = Reservation(ana->Request("cancel", schemas::EncodeRef(ref, "cancel")));
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, ReservationStatus::kCancelled);
  auto rebought = Reservation(bia->Request("reserve", Ask(Leg(), 1, false, {"12C"})));
  ASSERT_TRUE(rebought) << rebought.error().message;
  EXPECT_EQ(StoredSeats().at(Leg() + "/12C"), rebought->reservation_id);
}

TEST_F(AirSalesTest, BadSeatRequestsGetPreciseErrorsAndChangeNothing) {
  StartJangada();
  auto ana = ConnectVehicle(broker_->uri(), "ana", "jangada");
  ASSERT_TRUE(ana);
  auto error_of = [&](const std::string& op, const std::string& payload) {
    auto r = vehicle::ResultOf(ana->Request(op, payload));
    return r ? Error{Errc::kInternal, "accepted", ""} : r.error();
  };
  EXPECT_EQ(error_of("reserve", Ask("JG9999-" + Leg().substr(7))).field, "legs");
  EXPECT_EQ(error_of("reserve", Ask(Leg(), 1, false, {"99Z"})).field, "seats");
  EXPECT_EQ(error_of("reserve", Ask(Leg(), 2, false, {"12C"})).field, "seats");
  EXPECT_EQ(error_of("reserve", R"({"legs":[{"leg_id":"x"}]})").field, "legs[0].fare_class");
  EXPECT_EQ(error_of("reserve", "{not json").code, Errc::kInvalidJson);
  EXPECT_EQ(error_of("reserve", R"({"legs":"JG1061"})").code, Errc::kInvalidRequest);
  EXPECT_EQ(error_of("confirm", R"({"reservation_id":"nope"})").code, Errc::kNotFound);
  EXPECT_EQ(error_of("cancel", R"({"reservation_id":"nope"})").code, Errc::kNotFound);
  EXPECT_EQ(error_of("checkin", R"({"reservation_id":"x","station":"y"})").code, Errc::kUnknownOp);
  EXPECT_EQ(SeatsLeft(*ana), 72);
  EXPECT_TRUE(StoredSeats().empty());
  auto list = vehicle::ResultOf(ana->Request("list", R"({"type":"list.request"})"));
  ASSERT_TRUE(list) << list.error().message;
  auto decoded = schemas::Decode<schemas::AirReservationList>(*list);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(decoded->reservations.empty());
}

}  // namespace
}  // namespace tripmesh::testing
