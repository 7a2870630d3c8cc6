// The air profile's ProfileWorld: Tucano, Jangada and Sabiá, a passenger
// homed at Tucano, and Belém to Natal on a leg of each.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "air_world.h"
#include "profile_world.h"
#include "tripmesh/airline/air_consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;
using schemas::AirReservation;
using schemas::ReservationStatus;

const std::vector<std::string> kHomeFirst = {"tucano", "jangada", "sabia"};

Result<AirReservation> ReservationOf(Result<std::string> reply) {
  auto text = vehicle::ResultOf(std::move(reply));
  if (!text) return tl::unexpected<Error>(text.error());
  return schemas::Decode<AirReservation>(*text);
}

Result<Booking> BookingOf(Result<std::string> reply) {
  auto r = ReservationOf(std::move(reply));
  if (!r) return tl::unexpected<Error>(r.error());
  return Booking{r->reservation_id, r->status};
}

class Passenger : public Requester {
 public:
  // `named` (leg -> seat) is the world's, shared: the seats this passenger asks for by name.
  Passenger(std::unique_ptr<vehicle::VehicleClient> who,
            const std::vector<schemas::AirPlanLeg>& legs,
            const std::map<std::string, std::string>& named)
      : who_(std::move(who)), legs_(legs), named_(named) {}
  Result<Booking> Reserve(const std::string& request_id, HoldOnly hold) override {
    bool hold_only = hold == HoldOnly::kYes;
    schemas::AirReserveRequest r{
        .request_id = request_id, .legs = {}, .passengers = 1, .hold_only = hold_only};
    for (const auto& l : legs_) {
      std::vector<std::string> seats;
      if (named_.count(l.leg_id)) seats.push_back(named_.at(l.leg_id));
      r.legs.push_back({.leg_id = l.leg_id, .fare_class = l.fare_class, .seats = seats});
    }
    return BookingOf(who_->Request("reserve", schemas::Encode(r)));
  }
  Result<ReservationStatus> Request(topics::Op op, const std::string& id) override {
    std::string name(topics::OpName(op));
    auto r = ReservationOf(who_->Request(name, schemas::EncodeRef({"", id}, name)));
    if (!r) return tl::unexpected<Error>(r.error());
    return r->status;
  }

 protected:
  Result<std::optional<ReservationStatus>> Listed(const std::string& request_id) override {
    auto list =
        vehicle::ResultOf(who_->Request("list", R"({"for_request_id":")" + request_id + R"("})"));
    if (!list) return tl::unexpected<Error>(list.error());
    auto decoded = schemas::Decode<schemas::AirReservationList>(*list);
    if (!decoded) return tl::unexpected<Error>(decoded.error());
    if (decoded->reservations.empty()) return std::nullopt;
    return decoded->reservations.front().status;
  }

 private:
  std::unique_ptr<vehicle::VehicleClient> who_;
  const std::vector<schemas::AirPlanLeg>& legs_;
  const std::map<std::string, std::string>& named_;
};

class AirWorld : public ProfileWorld {
 public:
  using ProfileWorld::ProfileWorld;
  std::vector<std::string> Agents() const override { return kHomeFirst; }
  std::string SimFlags() const override { return " --profile air"; }
  std::string StoreOf(const std::string& agent) const override {
    return dir_ + "/" + agent + ".db";
  }
  std::unique_ptr<harness::Process> Start(const std::string& agent,
                                          const std::vector<std::string>& extra) override {
    return StartAirline(agent, broker_, dir_, extra);
  }
  std::unique_ptr<Requester> Join(const std::string& name, const std::string& home,
                                  std::chrono::milliseconds answers) override {
    auto who = ConnectVehicle(broker_, name, home, "", answers);
    EXPECT_TRUE(who) << name;
    if (!who) return nullptr;
    if (legs_.empty()) legs_ = BelemToNatal(*who);
    return std::make_unique<Passenger>(std::move(who), legs_, named_);
  }
  // Another passenger buys a seat of `agent`'s leg, and the passengers'
  // next reserves name that seat.
  void Take(const std::string& agent) override {
    auto leg =
        std::find_if(legs_.begin(), legs_.end(), [&](const auto& l) { return l.airline == agent; });
    ASSERT_NE(leg, legs_.end()) << "the itinerary has no leg of " << agent;
    taker_ = ConnectVehicle(broker_, "taker", agent);
    ASSERT_TRUE(taker_);
    auto bought = ReservationOf(taker_->Request("reserve", AskFor({*leg})));
    ASSERT_TRUE(bought) << bought.error().message;
    ASSERT_EQ(bought->legs.size(), 1u);
    named_[leg->leg_id] = bought->legs[0].seats.at(0);
    taken_ = bought->reservation_id;
  }
  void GiveBack() override {
    ASSERT_TRUE(taker_);
    auto r = ReservationOf(taker_->Request("cancel", schemas::EncodeRef({"", taken_}, "cancel")));
    ASSERT_TRUE(r) << r.error().message;
    named_.clear();
    taker_.reset();
  }
  Errc TakenCode() const override { return Errc::kConflict; }
  Checked Check() override {
    std::map<std::string, std::string> stores;
    for (const auto& a : kAirlines) stores[a] = StoreOf(a);
    auto r = airline::CheckAirStores(stores, core::RealClock().Now(), 2);
    if (!r) return {.ok = false, .in_flight = 0, .summary = r.error().message};
    return {.ok = r->ok(), .in_flight = r->in_flight, .summary = r->Summary()};
  }
  int Claimed(const std::string& agent) override {
    return static_cast<int>(AirSeatsIn(StoreOf(agent)).size());
  }
  int ClaimedBy(const std::string& agent, const std::string& owner) override {
    int n = 0;
    for (const auto& [seat, who] : AirSeatsIn(StoreOf(agent))) n += who == owner;
    return n;
  }
  // A seat on the agent's leg of the planned itinerary, in that leg's class.
  std::string PartRequest(const std::string& agent, const std::string& saga_id) override {
    auto leg =
        std::find_if(legs_.begin(), legs_.end(), [&](const auto& l) { return l.airline == agent; });
    EXPECT_NE(leg, legs_.end()) << "join first: the itinerary has no leg of " << agent;
    if (leg == legs_.end()) return "";
    return schemas::Encode(schemas::AirSagaRequest{
        .saga_id = saga_id,
        .reservation_id = engine::ReservationIdOf(saga_id),
        .passenger = "ana",
        .passengers = 1,
        .hold_ttl_s = 600,
        .legs = {{.leg_id = leg->leg_id, .fare_class = leg->fare_class, .seats = {}}}});
  }
  std::optional<PartAck> AckOf(const std::string& payload) const override {
    auto a = schemas::Decode<schemas::AirSagaAck>(payload);
    if (!a) return std::nullopt;
    return PartAck{a->phase, a->ok, a->code, payload};
  }

 private:
  std::unique_ptr<vehicle::VehicleClient> taker_;
  std::vector<schemas::AirPlanLeg> legs_;
  std::map<std::string, std::string> named_;  // leg -> the seat the passengers ask for
  std::string taken_;
};

}  // namespace

std::unique_ptr<ProfileWorld> NewAirWorld(const std::string& broker, const std::string& dir) {
  return std::make_unique<AirWorld>(broker, dir);
}

}  // namespace tripmesh::testing
