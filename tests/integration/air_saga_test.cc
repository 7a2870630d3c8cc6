// An itinerary across airlines is one saga on a real broker, coordinated by
// the passenger's home airline: bought at every airline it names or at none.
// Three airlines' legs confirmed; 200 passengers racing for the last seats
// of a three-airline itinerary sell no seat twice; a late commit buys the
// same seats only if they are still free; only a saga's coordinator reaches
// its part, and no saga message a passenger's own sale. (For both profiles:
// held, confirmed and cancelled, a refusal, a lapsed hold, repeated and
// reordered saga messages and a restarted broker in saga_profile_test; a
// frozen airline and the home airline killed at each saga step in
// saga_crash_test.)
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "air_world.h"
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

// (leg, seat) -> owner, of one airline's store.
using Seats = std::map<std::string, std::string>;

// Another airline's side of the saga wire, played by hand: what it sends to
// `to` as `self`, and the acks `to` returns.
class PlayedAirline {
 public:
  PlayedAirline(const std::string& broker, const std::string& self, const std::string& to)
      : self_(self), to_(to) {
    runtime::TransportOptions o;
    o.broker = broker;
    o.client_id = "played-" + self;
    o.clean_start = true;
    transport_ = runtime::NewMosquittoTransport(o);
    transport_->SetReceiver([this](runtime::InboundMessage m) {
      auto ack = schemas::Decode<schemas::AirSagaAck>(m.payload);
      std::lock_guard lock(mu_);
      if (ack) acks_.push_back(*ack);
    });
    connected_ =
        transport_->Connect(std::chrono::seconds(5)).has_value() &&
        transport_->Subscribe(topics::Saga(self, to, topics::SagaKind::kAck), 1).has_value();
  }
  bool connected() const { return connected_; }
  // One message at a time, so the acks come back in the order sent.
  void Send(topics::SagaKind kind, const std::string& payload) {
    std::size_t before = acks().size();
    ASSERT_TRUE(transport_->Publish({.topic = topics::Saga(to_, self_, kind), .payload = payload}));
    WaitAcks(before + 1);
  }
  bool WaitAcks(std::size_t n) {
    for (int i = 0; i < 100; ++i) {
      if (acks().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  std::vector<schemas::AirSagaAck> acks() const {
    std::lock_guard lock(mu_);
    return acks_;
  }

 private:
  std::string self_, to_;
  std::unique_ptr<runtime::Transport> transport_;
  bool connected_ = false;
  mutable std::mutex mu_;
  std::vector<schemas::AirSagaAck> acks_;
};

class AirSagaFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = NewTestDir();
    auto b = harness::LocalBroker::Start(dir_ + "/broker");
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
    recorder_ = Recorder::ForThisTest(broker_->uri());
  }

  // An airline whose sagas wait `saga_timeout_ms` for the others' holds.
  void Start(const std::string& id, const std::vector<std::string>& extra = {},
             int saga_timeout_ms = 1500) {
    airlines_[id] = StartAirline(id, broker_->uri(), dir_, extra, saga_timeout_ms);
    ASSERT_TRUE(airlines_[id]);
  }

  void StartAll(int saga_timeout_ms = 1500) {
    for (const auto& a : kAirlines) Start(a, {}, saga_timeout_ms);
  }

  static std::string Date() { return AirDate(); }

  static std::string Ask(const std::vector<std::pair<std::string, std::string>>& legs,
                         bool hold_only = false, const std::string& request_id = "") {
    schemas::AirReserveRequest r{
        .request_id = request_id, .legs = {}, .passengers = 1, .hold_only = hold_only};
    for (const auto& [leg, fare_class] : legs)
      r.legs.push_back({.leg_id = leg, .fare_class = fare_class, .seats = {}});
    return schemas::Encode(r);
  }

  static std::string Ask(const std::vector<schemas::AirPlanLeg>& legs, bool hold_only = false,
                         const std::string& request_id = "") {
    return AskFor(legs, hold_only, request_id);
  }

  static Result<AirReservation> Reservation(Result<std::string> reply) {
    auto text = vehicle::ResultOf(std::move(reply));
    if (!text) return tl::unexpected<Error>(text.error());
    return schemas::Decode<AirReservation>(*text);
  }

  static std::string Ref(const std::string& op, const std::string& id) {
    return schemas::EncodeRef({"", id}, op);
  }

  // A coordinator's request for Ana's seat on Jangada's JG1001 next Wednesday.
  static std::string PartRequest(const std::string& saga_id, Time hold_ttl_s = 600) {
    return schemas::Encode(schemas::AirSagaRequest{
        .saga_id = saga_id,
        .reservation_id = saga_id.substr(1),
        .passenger = "ana",
        .passengers = 1,
        .hold_ttl_s = hold_ttl_s,
        .legs = {{.leg_id = "JG1001-" + Date(), .fare_class = "E", .seats = {}}}});
  }

  Seats StoredSeats(const std::string& airline) { return AirSeatsIn(dir_ + "/" + airline + ".db"); }

  // Waits until no store of `airlines` holds a seat of `owner` (a saga id).
  bool NothingHeldFor(const std::string& owner,
                      const std::vector<std::string>& airlines = kAirlines) {
    for (int i = 0; i < 100; ++i) {
      bool any = false;
      for (const auto& a : airlines) {
        for (const auto& [seat, who] : StoredSeats(a)) any = any || who == owner;
      }
      if (!any) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Every seat of the itinerary is in the store of the airline that flies its leg.
  void ExpectBookedEverywhere(const AirReservation& r) {
    std::string owner = "s" + r.reservation_id;
    for (const auto& leg : r.legs) {
      ASSERT_EQ(leg.seats.size(), 1u) << leg.leg_id;
      auto stored = StoredSeats(leg.airline);
      EXPECT_EQ(stored[leg.leg_id + "/" + leg.seats[0]], owner) << leg.leg_id;
    }
  }

  std::string dir_;
  std::unique_ptr<harness::LocalBroker> broker_;
  std::unique_ptr<Recorder> recorder_;
  std::map<std::string, std::unique_ptr<harness::Process>> airlines_;
};

using AirSagaTest = AirSagaFixture;

TEST_F(AirSagaTest, AThreeAirlineItineraryIsBoughtAtEveryAirlineItNames) {
  StartAll();
  auto ana = ConnectVehicle(broker_->uri(), "ana", "tucano");
  ASSERT_TRUE(ana);
  auto legs = BelemToNatal(*ana);
  std::set<std::string> airlines;
  for (const auto& l : legs) airlines.insert(l.airline);
  ASSERT_EQ(airlines.size(), 3u);
  auto r = Reservation(ana->Request("reserve", Ask(legs, false, "trip-1")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, ReservationStatus::kConfirmed);
  ASSERT_EQ(r->legs.size(), legs.size());
  double sum = 0;
  for (const auto& l : r->legs) sum += l.price;
  EXPECT_NEAR(r->price, sum, 0.005);
  ExpectBookedEverywhere(*r);
  // The same request again gets the same itinerary; get and list show it.
  auto again = Reservation(ana->Request("reserve", Ask(legs, false, "trip-1")));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->reservation_id, r->reservation_id);
  auto got = Reservation(ana->Request("get", Ref("get", r->reservation_id)));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, ReservationStatus::kConfirmed);
  EXPECT_EQ(got->legs[0].seats, r->legs[0].seats);
  auto list = vehicle::ResultOf(ana->Request("list", R"({"type":"list.request"})"));
  ASSERT_TRUE(list);
  auto decoded = schemas::Decode<schemas::AirReservationList>(*list);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->reservations.size(), 1u);
  EXPECT_EQ(decoded->reservations[0].reservation_id, r->reservation_id);
}

// The coordinator decided in time and only its commit came late: the part
// buys the same seats if nobody took them, as a charging company does.
TEST_F(AirSagaTest, ACommitAfterTheHoldLapsedBuysTheSameSeatsOnlyIfStillFree) {
  Start("jangada");
  PlayedAirline tucano(broker_->uri(), "tucano", "jangada");
  ASSERT_TRUE(tucano.connected());
  for (const char* saga : {"sfree", "staken", "sended"}) {
    tucano.Send(topics::SagaKind::kRequest, PartRequest(saga, 1));
  }
  ASSERT_TRUE(tucano.WaitAcks(3));
  auto holds = tucano.acks();
  for (const auto& ack : holds) ASSERT_TRUE(ack.ok && ack.legs.size() == 1) << ack.detail;
  for (const char* saga : {"sfree", "staken", "sended"}) {
    ASSERT_TRUE(NothingHeldFor(saga, {"jangada"})) << saga << "'s hold did not lapse";
  }
  const std::string leg = holds[1].legs[0].leg_id, taken = holds[1].legs[0].seats.at(0);
  auto bia = ConnectVehicle(broker_->uri(), "bia", "jangada");
  ASSERT_TRUE(bia);
  schemas::AirReserveRequest buy{.request_id = "",
                                 .legs = {{.leg_id = leg, .fare_class = "E", .seats = {taken}}},
                                 .passengers = 1,
                                 .hold_only = false};
  auto bought = Reservation(bia->Request("reserve", schemas::Encode(buy)));
  ASSERT_TRUE(bought) << bought.error().message;
  // A compensation of a lapsed part ends it: a commit that overtook it buys nothing.
  tucano.Send(topics::SagaKind::kCompensate,
              schemas::Encode(schemas::SagaCompensate{"sended", "failed"}));

  tucano.Send(topics::SagaKind::kCommit, schemas::Encode(schemas::SagaCommit{"sfree"}));
  tucano.Send(topics::SagaKind::kCommit, schemas::Encode(schemas::SagaCommit{"staken"}));
  tucano.Send(topics::SagaKind::kCommit, schemas::Encode(schemas::SagaCommit{"sended"}));
  ASSERT_TRUE(tucano.WaitAcks(7));
  auto acks = tucano.acks();
  EXPECT_TRUE(acks[3].ok) << acks[3].detail;
  EXPECT_TRUE(acks[4].ok) << acks[4].detail;
  EXPECT_FALSE(acks[5].ok);
  EXPECT_EQ(acks[5].code, Errc::kExpired) << acks[5].detail;
  EXPECT_FALSE(acks[6].ok);
  EXPECT_EQ(acks[6].code, Errc::kConflict) << acks[6].detail;
  auto seats = StoredSeats("jangada");
  EXPECT_EQ(seats[leg + "/" + holds[0].legs[0].seats.at(0)], "sfree");
  EXPECT_EQ(seats[leg + "/" + taken], bought->reservation_id);
  for (const auto& [seat, owner] : seats) EXPECT_NE(owner, "sended") << seat;
}

TEST_F(AirSagaTest, APartAnswersOnlyItsCoordinatorAndASaleNoSaga) {
  Start("jangada");
  PlayedAirline tucano(broker_->uri(), "tucano", "jangada");
  PlayedAirline sabia(broker_->uri(), "sabia", "jangada");
  ASSERT_TRUE(tucano.connected() && sabia.connected());
  // Bia bought a seat at Jangada itself; Tucano holds one there for Ana's itinerary.
  auto bia = ConnectVehicle(broker_->uri(), "bia", "jangada");
  ASSERT_TRUE(bia);
  std::vector<std::pair<std::string, std::string>> leg = {{"JG1001-" + Date(), "E"}};
  auto sale = Reservation(bia->Request("reserve", Ask(leg)));
  ASSERT_TRUE(sale) << sale.error().message;
  tucano.Send(topics::SagaKind::kRequest, PartRequest("sana"));
  ASSERT_TRUE(tucano.WaitAcks(1));
  ASSERT_TRUE(tucano.acks()[0].ok) << tucano.acks()[0].detail;
  auto before = StoredSeats("jangada");
  ASSERT_EQ(before.size(), 2u);

  // Sabiá, a trusted airline but not this saga's coordinator, can neither
  // take over Tucano's part nor end it, nor end Bia's sale as if it were a part.
  auto commit = [](const std::string& id) { return schemas::Encode(schemas::SagaCommit{id}); };
  auto release = [](const std::string& id) {
    return schemas::Encode(schemas::SagaCompensate{id, "failed"});
  };
  sabia.Send(topics::SagaKind::kRequest, PartRequest("sana"));
  sabia.Send(topics::SagaKind::kCommit, commit("sana"));
  sabia.Send(topics::SagaKind::kCompensate, release("sana"));
  sabia.Send(topics::SagaKind::kCompensate, release(sale->reservation_id));
  sabia.Send(topics::SagaKind::kCommit, commit(sale->reservation_id));
  ASSERT_TRUE(sabia.WaitAcks(5));
  auto refused = sabia.acks();
  std::vector<Errc> want = {Errc::kForbidden, Errc::kNotFound, Errc::kForbidden, Errc::kForbidden,
                            Errc::kNotFound};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_FALSE(refused[i].ok) << i;
    EXPECT_EQ(refused[i].code, want[i]) << i << ": " << refused[i].detail;
    EXPECT_TRUE(refused[i].legs.empty()) << i << ": another's seats were shown";
  }
  // Ana cannot confirm or cancel the part alone: the itinerary is Tucano's.
  auto ana = ConnectVehicle(broker_->uri(), "ana", "jangada");
  ASSERT_TRUE(ana);
  for (const char* op : {"confirm", "cancel"}) {
    auto alone = Reservation(ana->Request(op, Ref(op, "sana")));
    ASSERT_FALSE(alone) << op;
    EXPECT_EQ(alone.error().code, Errc::kConflict) << op << ": " << alone.error().message;
    EXPECT_NE(alone.error().message.find("tucano"), std::string::npos) << alone.error().message;
  }
  EXPECT_EQ(StoredSeats("jangada"), before);
  auto kept = Reservation(bia->Request("get", Ref("get", sale->reservation_id)));
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->status, ReservationStatus::kConfirmed);

  // Its coordinator still commits it, also after a restart, and ends it.
  airlines_["jangada"]->Signal(SIGKILL);
  ASSERT_TRUE(airlines_["jangada"]->Wait(std::chrono::seconds(10)));
  Start("jangada");
  sabia.Send(topics::SagaKind::kCompensate, release("sana"));
  tucano.Send(topics::SagaKind::kCommit, commit("sana"));
  ASSERT_TRUE(sabia.WaitAcks(6) && tucano.WaitAcks(2));
  EXPECT_EQ(sabia.acks()[5].code, Errc::kForbidden) << sabia.acks()[5].detail;
  EXPECT_TRUE(tucano.acks()[1].ok) << tucano.acks()[1].detail;
  auto confirmed =
      OnceHomeIsBack([&] { return Reservation(ana->Request("get", Ref("get", "sana"))); });
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  EXPECT_EQ(confirmed->status, ReservationStatus::kConfirmed);
  tucano.Send(topics::SagaKind::kCompensate, release("sana"));
  ASSERT_TRUE(tucano.WaitAcks(3));
  EXPECT_TRUE(tucano.acks()[2].ok) << tucano.acks()[2].detail;
  EXPECT_TRUE(NothingHeldFor("sana", {"jangada"}));
}

TEST_F(AirSagaTest, TwoHundredPassengersRaceForTheLastSeatsAcrossThreeAirlinesAndNoneIsSoldTwice) {
  StartAll(30000);  // a slow machine answers late, never wrongly
  constexpr int kPassengers = 200, kSeats = 72;
  // Jangada's ATR72 from Recife to João Pessoa (72 seats), and a Sabiá and a
  // Tucano leg of the same day: three airlines, one saga each.
  std::vector<std::pair<std::string, std::string>> itinerary = {
      {"JG1061-" + Date(), "E"}, {"SB3001-" + Date(), "E"}, {"TU6002-" + Date(), "E"}};
  std::vector<std::unique_ptr<vehicle::VehicleClient>> passengers;
  for (int i = 0; i < kPassengers; ++i) {
    passengers.push_back(ConnectVehicle(broker_->uri(), "p" + std::to_string(i),
                                        kAirlines[static_cast<std::size_t>(i) % 3]));
    ASSERT_TRUE(passengers.back()) << i;
  }
  std::vector<Result<AirReservation>> results(kPassengers, Fail(Errc::kInternal, "not run"));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kPassengers; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      results[i] = Reservation(passengers[i]->Request("reserve", Ask(itinerary)));
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  // Sagas racing across airlines can each take a last seat somewhere and all
  // fail, so the race may sell fewer than all; what they held goes back on
  // sale, and those turned away, trying again one by one, fill the flights.
  auto sold_in_race =
      std::count_if(results.begin(), results.end(), [](const auto& r) { return r.has_value(); });
  for (int i = 0; i < kPassengers && sold_in_race < kSeats; ++i) {
    if (results[i]) continue;
    results[i] = Reservation(passengers[i]->Request("reserve", Ask(itinerary)));
    if (results[i]) {
      ++sold_in_race;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // releases still under way
    }
  }
  std::map<std::string, std::string> sold;  // leg/seat -> reservation
  int confirmed = 0;
  for (int i = 0; i < kPassengers; ++i) {
    if (!results[i]) {
      EXPECT_EQ(results[i].error().code, Errc::kUnavailable) << results[i].error().message;
      continue;
    }
    ASSERT_EQ(results[i]->status, ReservationStatus::kConfirmed);
    ++confirmed;
    for (const auto& leg : results[i]->legs) {
      ASSERT_EQ(leg.seats.size(), 1u);
      EXPECT_TRUE(sold.emplace(leg.leg_id + "/" + leg.seats[0], results[i]->reservation_id).second)
          << leg.leg_id << " seat " << leg.seats[0] << " sold twice";
    }
  }
  EXPECT_EQ(confirmed, kSeats);
  // Every confirmed itinerary is booked at both airlines, and nothing else is
  // held once the failed ones' compensations are through.
  for (int i = 0; i < kPassengers; ++i) {
    if (results[i]) ExpectBookedEverywhere(*results[i]);
  }
  for (int i = 0; i < 100; ++i) {
    if (StoredSeats("sabia").size() == kSeats && StoredSeats("tucano").size() == kSeats) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const auto& a : kAirlines)
    EXPECT_EQ(StoredSeats(a).size(), static_cast<std::size_t>(kSeats)) << a;
  // The checker, over the three stores as the airlines run, finds nothing.
  std::string out;
  EXPECT_EQ(RunCommand(TripmeshBinary() + " check --json --profile air --data " + DataDir() +
                           " --var " + dir_,
                       &out),
            0)
      << out;
  EXPECT_NE(out.find(R"("profile":"air","consistent":true,"counts":{"reservations":)"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace tripmesh::testing
