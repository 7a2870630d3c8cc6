// The charging profile's ProfileWorld: VoltPoint, E-Flux and EcoCharge, a
// vehicle homed at VoltPoint, and Salvador to Fortaleza with a stop at each.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "company_fixture.h"
#include "profile_world.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;
using schemas::ReservationStatus;

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};

Result<Booking> BookingOf(Result<schemas::Reservation> r) {
  if (!r) return tl::unexpected<Error>(r.error());
  if (r->error) return tl::unexpected<Error>(Error{r->error->code, r->error->message});
  return Booking{r->reservation_id, r->status};
}

Result<ReservationStatus> StatusOf(Result<schemas::Reservation> r) {
  if (!r) return tl::unexpected<Error>(r.error());
  return r->status;
}

class Vehicle : public Requester {
 public:
  // Reserves `plan_id`, or `trip` when it has none.
  Vehicle(std::unique_ptr<vehicle::VehicleClient> car, std::string plan_id,
          schemas::PlanRequest trip)
      : car_(std::move(car)), plan_id_(std::move(plan_id)), trip_(std::move(trip)) {}
  Result<Booking> Reserve(const std::string& request_id, HoldOnly hold) override {
    bool hold_only = hold == HoldOnly::kYes;
    if (plan_id_.empty()) return BookingOf(car_->Reserve({request_id, "", trip_, hold_only}));
    return BookingOf(car_->Reserve({request_id, plan_id_, std::nullopt, hold_only}));
  }
  Result<ReservationStatus> Request(topics::Op op, const std::string& id) override {
    switch (op) {
      case topics::Op::kConfirm:
        return StatusOf(car_->Confirm(id));
      case topics::Op::kCancel:
        return StatusOf(car_->Cancel(id));
      case topics::Op::kGet:
        return StatusOf(car_->Get(id));
      default:
        return Fail(Errc::kInvalidRequest, "a vehicle confirms, cancels or gets a reservation");
    }
  }

 protected:
  Result<std::optional<ReservationStatus>> Listed(const std::string& request_id) override {
    auto list = car_->ListForRequest(request_id);
    if (!list) return tl::unexpected<Error>(list.error());
    if (list->reservations.empty()) return std::nullopt;
    return list->reservations.front().status;
  }

 private:
  std::unique_ptr<vehicle::VehicleClient> car_;
  std::string plan_id_;
  schemas::PlanRequest trip_;
};

class ChargingWorld : public ProfileWorld {
 public:
  ChargingWorld(std::string broker, std::string dir, Backend backend)
      : ProfileWorld(std::move(broker), std::move(dir)) {
    for (const auto& c : kCompanies) {
      stores_[c] = backend == Backend::kSqlite ? dir_ + "/" + c + ".db" : NewStore(backend, c);
    }
  }
  std::vector<std::string> Agents() const override { return kCompanies; }
  // A hold let go would stay in flight for ten minutes.
  std::string SimFlags() const override { return " --expire-share 0"; }
  std::string StoreOf(const std::string& agent) const override { return stores_.at(agent); }
  std::unique_ptr<harness::Process> Start(const std::string& agent,
                                          const std::vector<std::string>& extra) override {
    std::vector<std::string> flags = {"--saga-timeout-ms", "1500", "--db", stores_.at(agent)};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return StartCompany(agent, broker_, dir_, flags);
  }
  std::unique_ptr<Requester> Join(const std::string& name, const std::string& home,
                                  std::chrono::milliseconds answers) override {
    auto car = ConnectVehicle(broker_, name, home, "", answers);
    EXPECT_TRUE(car) << name;
    if (!car) return nullptr;
    auto trip = LongTrip();
    if (joined_++ == 0) {
      plan_ = ThreeCompanyPlan(*car);
      return std::make_unique<Vehicle>(std::move(car), plan_.plan_id, trip);
    }
    trip.depart_at = *trip.depart_at + Time{600} * (joined_ - 1);  // the same stations, later
    return std::make_unique<Vehicle>(std::move(car), "", trip);
  }
  // Saga "s-taker" of the next company holds every point of `agent`'s stop
  // of the plan for that stop's window, as if another vehicle had booked them.
  void Take(const std::string& agent) override {
    const schemas::Stop* stop = nullptr;
    for (const auto& s : plan_.stops) {
      if (s.company == agent) stop = &s;
    }
    ASSERT_TRUE(stop) << "the plan does not stop at " << agent;
    const auto* station = DefaultWorld().FindStation(stop->station);
    ASSERT_TRUE(station);
    schemas::SagaRequest taker{"s-taker", "r-taker", "someone-else", {}, 600};
    for (const auto& p : station->points) {
      taker.items.push_back({station->id, p.id, stop->start_at, stop->end_at, 1});
    }
    auto at = std::find(kCompanies.begin(), kCompanies.end(), agent) - kCompanies.begin();
    taker_ = std::make_unique<PlayedCoordinator>(broker_, kCompanies[(at + 1) % 3], agent);
    auto held =
        AckOf(taker_->Send(topics::SagaKind::kRequest, schemas::Encode(taker)).value_or(""));
    ASSERT_TRUE(held && held->ok) << (held ? held->payload : "no ack");
  }
  void GiveBack() override {
    ASSERT_TRUE(taker_);
    auto ack = AckOf(taker_
                         ->Send(topics::SagaKind::kCompensate,
                                schemas::Encode(schemas::SagaCompensate{"s-taker", "test over"}))
                         .value_or(""));
    ASSERT_TRUE(ack && ack->ok) << (ack ? ack->payload : "no ack");
    taker_.reset();
  }
  Errc TakenCode() const override { return Errc::kUnavailable; }
  Checked Check() override {
    auto r = company::CheckConsistency(stores_, core::RealClock().Now(), 2);
    if (!r) return {.ok = false, .in_flight = 0, .summary = r.error().message};
    return {.ok = r->ok(), .in_flight = r->sagas_in_flight, .summary = r->Summary()};
  }
  int Claimed(const std::string& agent) override {
    return Count(agent, "SELECT count(*) FROM bookings", {});
  }
  int ClaimedBy(const std::string& agent, const std::string& owner) override {
    return Count(agent, "SELECT count(*) FROM bookings WHERE reservation_id = ?", {owner});
  }
  // The first point of the agent's first station, tomorrow at 01:00 for half an hour.
  std::string PartRequest(const std::string& agent, const std::string& saga_id) override {
    const auto* company = DefaultWorld().FindCompany(agent);
    EXPECT_TRUE(company && !company->stations.empty()) << agent << " has no station";
    if (!company || company->stations.empty()) return "";
    const auto& station = company->stations.front();
    Time start = Tomorrow() + 3600;
    schemas::SagaRequest r{saga_id, engine::ReservationIdOf(saga_id), "car-played", {}, 600};
    r.items.push_back({station.id, station.points.front().id, start, start + 1800, 20});
    return schemas::Encode(r);
  }
  std::optional<PartAck> AckOf(const std::string& payload) const override {
    auto a = schemas::Decode<schemas::SagaAck>(payload);
    if (!a) return std::nullopt;
    return PartAck{a->phase, a->ok, a->code, payload};
  }

 private:
  int Count(const std::string& agent, const std::string& sql, std::vector<runtime::Value> args) {
    int n = 0;
    auto store = runtime::Store::Open(stores_.at(agent));
    EXPECT_TRUE(store) << store.error().message;
    if (!store) return -1;
    auto st = (*store)->Read([&](runtime::Tx& tx) {
      return tx.Query(sql, args,
                      [&](const runtime::Row& row) { n = static_cast<int>(row.Int(0)); });
    });
    EXPECT_TRUE(st) << st.error().message;
    return n;
  }

  std::map<std::string, std::string> stores_;
  int joined_ = 0;
  schemas::Plan plan_;
  std::unique_ptr<PlayedCoordinator> taker_;
};

}  // namespace

std::unique_ptr<ProfileWorld> NewChargingWorld(Backend backend, const std::string& broker,
                                               const std::string& dir) {
  return std::make_unique<ChargingWorld>(broker, dir, backend);
}

}  // namespace tripmesh::testing
