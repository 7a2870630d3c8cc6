#include "seat_sales.h"

#include <fmt/format.h>

#include "seat_records.h"
#include "tripmesh/base/ids.h"
#include "tripmesh/engine/sale.h"
#include "tripmesh/runtime/log.h"

namespace tripmesh::airline {
namespace {

using schemas::AirReservation;
using schemas::ReservationStatus;
using schemas::SagaPhase;

}  // namespace

std::string NewReservationId() { return RandomHex(); }

Status SeatSales::Load(const air::Timetable& timetable) {
  std::vector<AirReservation> live;
  std::vector<records::ReservationKeys> keys;
  std::set<std::string> released_early;
  std::unordered_map<std::string, std::string> coordinators;
  auto st = services_.store.Write([&](runtime::Tx& tx) { return records::CreateTables(tx); });
  if (!st) return st;
  st = services_.store.Read([&](runtime::Tx& tx) {
    auto read = records::Reservations().WithStatus(
        tx, {ReservationStatus::kHeld, ReservationStatus::kConfirmed},
        [&](const std::string& body) {
          if (auto r = schemas::Decode<AirReservation>(body)) live.push_back(std::move(*r));
        });
    if (!read) return read;
    read = records::SelectKeys(tx, [&](const records::ReservationKeys& k) { keys.push_back(k); });
    if (!read) return read;
    read = records::SelectHeldParts(
        tx, [&](const std::string& id, const std::string& c) { coordinators.emplace(id, c); });
    if (!read) return read;
    return records::SelectReleasedEarly(
        tx, [&](const std::string& saga_id) { released_early.insert(saga_id); });
  });
  if (!st) return st;
  std::lock_guard lock(mu_);
  released_early_ = std::move(released_early);
  coordinators_ = std::move(coordinators);
  // Every key is known as settled; a hold in memory is found there first.
  for (const auto& k : keys) {
    settled_ids_.insert(std::hash<std::string>{}(k.id));
    if (!k.request_id.empty()) settled_requests_.insert(RequestKey(k.passenger, k.request_id));
  }
  for (const auto& r : live) {
    if (auto adopted = book_.Adopt(timetable, r); !adopted) return adopted;
    if (r.status != ReservationStatus::kHeld) book_.Evict(r.reservation_id);
  }
  runtime::Log(runtime::LogLevel::kInfo, "{} reservations in the store, {} of them live",
               keys.size(), live.size());
  return {};
}

std::uint64_t SeatSales::RequestKey(const std::string& passenger, const std::string& request_id) {
  std::string key = passenger;
  key += '\n';  // neither name has one
  key += request_id;
  return std::hash<std::string>{}(key);
}

void SeatSales::Settle(const AirReservation& r) {
  if (r.status == ReservationStatus::kHeld) return;
  std::lock_guard lock(mu_);
  settled_ids_.insert(std::hash<std::string>{}(r.reservation_id));
  if (!r.request_id.empty()) settled_requests_.insert(RequestKey(r.passenger, r.request_id));
  book_.Evict(r.reservation_id);
  coordinators_.erase(r.reservation_id);
}

Result<std::string> SeatSales::CoordinatorOf(const std::string& id) const {
  {
    std::lock_guard lock(mu_);
    if (auto it = coordinators_.find(id); it != coordinators_.end()) return it->second;
    // Not a held part, and never settled: a held sale, or nothing.
    if (!settled_ids_.count(std::hash<std::string>{}(id))) return std::string();
  }
  Result<std::optional<std::string>> coordinator = std::nullopt;
  auto st = services_.store.Read([&](runtime::Tx& tx) -> Status {
    coordinator = records::SelectCoordinator(tx, id);
    if (!coordinator) return tl::unexpected<Error>(coordinator.error());
    return {};
  });
  if (!st) return tl::unexpected<Error>(st.error());
  return coordinator->value_or("");
}

Result<std::optional<AirReservation>> SeatSales::Lookup(const std::string& id) const {
  {
    std::lock_guard lock(mu_);
    if (auto r = book_.Find(id)) return r;
    if (!settled_ids_.count(std::hash<std::string>{}(id))) return std::nullopt;
  }
  return engine::ReadOne<AirReservation>(services_.store,
                                         [&](runtime::Tx& tx, const engine::BodyFn& each) {
                                           return records::Reservations().ById(tx, id, each);
                                         });
}

Result<AirReservation> SeatSales::Mine(const std::string& passenger, const std::string& id) const {
  auto r = Lookup(id);
  if (!r) return tl::unexpected<Error>(r.error());
  if (!*r || (*r)->passenger != passenger)
    return Fail(Errc::kNotFound, "no reservation " + id.substr(0, 40) + " of " + passenger);
  return std::move(**r);
}

Result<AirReservation> SeatSales::MineToChange(const std::string& passenger,
                                               const std::string& id) const {
  auto r = Mine(passenger, id);
  if (!r) return r;
  auto coordinator = CoordinatorOf(id);
  if (!coordinator) return tl::unexpected<Error>(coordinator.error());
  if (coordinator->empty()) return r;
  std::string who =
      *coordinator == engine::kAnyCoordinator ? "the passenger's home airline" : *coordinator;
  return Fail(Errc::kConflict,
              fmt::format("{} is this airline's part of an itinerary that {} coordinates: confirm "
                          "or cancel the itinerary at {}",
                          id.substr(0, 40), who, who));
}

Status SeatSales::Change(const AirReservation& was, const AirReservation& next,
                         engine::JoinedWrite* joined) {
  {
    std::lock_guard lock(mu_);
    book_.Recall(was);  // back from the store if it had left memory
  }
  return Commit(next, joined);
}

Status SeatSales::WriteJoined(engine::JoinedWrite* joined,
                              const std::function<Status(runtime::Tx&)>& write) {
  auto st = services_.store.Write([&](runtime::Tx& tx) -> Status {
    if (joined && joined->write) {
      if (auto w = joined->write(tx); !w) return w;
    }
    return write(tx);
  });
  if (st && joined) joined->done = true;
  return st;
}

Result<std::optional<AirReservation>> SeatSales::ByRequest(const std::string& passenger,
                                                           const std::string& request_id) const {
  if (request_id.empty()) return std::nullopt;
  {
    std::lock_guard lock(mu_);
    if (auto r = book_.ByRequest(passenger, request_id)) return r;
    if (!settled_requests_.count(RequestKey(passenger, request_id))) return std::nullopt;
  }
  return engine::ReadOne<AirReservation>(
      services_.store, [&](runtime::Tx& tx, const engine::BodyFn& each) {
        return records::Reservations().ByRequest(tx, passenger, request_id, each);
      });
}

std::string SeatSales::Answer(AirReservation r, const std::string& request_id) {
  r.request_id = request_id;
  return schemas::Encode(r);
}

Status SeatSales::Commit(const AirReservation& r, engine::JoinedWrite* joined) {
  auto st = WriteJoined(joined, [&](runtime::Tx& tx) { return records::Save(tx, r); });
  if (!st) return st;
  {
    std::lock_guard lock(mu_);
    book_.Apply(r);
  }
  Settle(r);
  return {};
}

Result<std::string> SeatSales::Reserve(const air::Timetable& timetable,
                                       const std::string& passenger,
                                       const schemas::AirReserveRequest& request) {
  // One passenger's requests come from its lane: none with this id is under way.
  auto earlier = ByRequest(passenger, request.request_id);
  if (!earlier) return tl::unexpected<Error>(earlier.error());
  if (*earlier) return Answer(**earlier, request.request_id);
  Result<AirReservation> held;
  {
    std::lock_guard lock(mu_);
    held = book_.Hold(timetable, passenger, request, NewReservationId(), services_.clock.Now(),
                      hold_ttl_s_);
  }
  if (!held) return tl::unexpected<Error>(held.error());
  auto st = services_.store.Write([&](runtime::Tx& tx) { return records::Save(tx, *held); });
  if (!st) {
    std::lock_guard lock(mu_);
    book_.Drop(held->reservation_id);
    return tl::unexpected<Error>(st.error());
  }
  Settle(*held);
  services_.count(request.hold_only ? "reservations.held" : "reservations.confirmed", 1);
  return Answer(*held, request.request_id);
}

class SeatSales::Desk {
 public:
  using Sale = AirReservation;
  // Whose reservations it takes: a passenger's own sales, or (the expiry
  // sweep) a saga's parts too.
  enum class Takes { kOwnSales, kPartsToo };
  Desk(SeatSales& sales, Takes takes) : sales_(sales), takes_(takes) {}

  Result<Sale> Take(const std::string& passenger, const std::string& id) {
    changing_ = sales_.changing_.LockOne(id);
    return takes_ == Takes::kOwnSales ? sales_.MineToChange(passenger, id)
                                      : sales_.Mine(passenger, id);
  }

  static engine::SaleNow Now(const Sale& r) { return {r.status, r.expires_at}; }

  Result<Sale> Book(const Sale& held) {
    auto next = air::Bought(held);
    if (auto st = sales_.Change(held, next); !st) return tl::unexpected<Error>(st.error());
    sales_.services_.count("reservations.confirmed", 1);
    return next;
  }

  Result<Sale> End(const Sale& was, ReservationStatus outcome) {
    auto next = air::Ended(was, outcome);
    if (auto st = sales_.Change(was, next); !st) return tl::unexpected<Error>(st.error());
    sales_.services_.count(fmt::format("reservations.{}", schemas::ReservationStatusName(outcome)),
                           1);
    return next;
  }

 private:
  SeatSales& sales_;
  Takes takes_;
  std::unique_lock<std::mutex> changing_;  // the reservation's, once taken
};

Result<std::string> SeatSales::Confirm(const std::string& passenger,
                                       const schemas::ReservationRef& ref) {
  Desk desk(*this, Desk::Takes::kOwnSales);
  auto r = engine::RunConfirm(desk, passenger, ref.reservation_id, services_.clock);
  if (!r) return tl::unexpected<Error>(r.error());
  return Answer(*r, ref.request_id);
}

Result<std::string> SeatSales::Cancel(const std::string& passenger,
                                      const schemas::ReservationRef& ref) {
  Desk desk(*this, Desk::Takes::kOwnSales);
  auto r = engine::RunEnd(desk, passenger, ref.reservation_id, ReservationStatus::kCancelled,
                          services_.clock);
  if (!r) return tl::unexpected<Error>(r.error());
  return Answer(*r, ref.request_id);
}

Result<std::string> SeatSales::Get(const std::string& passenger,
                                   const schemas::ReservationRef& ref) const {
  auto r = Mine(passenger, ref.reservation_id);
  if (!r) return tl::unexpected<Error>(r.error());
  return Answer(*r, ref.request_id);
}

Result<std::vector<AirReservation>> SeatSales::List(const std::string& passenger,
                                                    const schemas::ListRequest& request) const {
  if (!request.for_request_id.empty()) {
    auto r = ByRequest(passenger, request.for_request_id);
    if (!r) return tl::unexpected<Error>(r.error());
    std::vector<AirReservation> found;
    if (*r) found.push_back(std::move(**r));
    return found;
  }
  // The store has every reservation the book shows: a change is written first.
  return engine::ReadAll<AirReservation>(services_.store,
                                         [&](runtime::Tx& tx, const engine::BodyFn& each) {
                                           return records::Reservations().Of(tx, passenger, each);
                                         });
}

void SeatSales::ExpireDue() {
  std::vector<std::pair<std::string, std::string>> due;
  {
    std::lock_guard lock(mu_);
    for (auto& [passenger, id] : book_.DueHolds(services_.clock.Now())) {
      if (expiring_.insert(id).second) due.emplace_back(std::move(passenger), std::move(id));
    }
  }
  for (const auto& hold : due) {
    services_.post(hold.first, [this, hold] { Expire(hold.first, hold.second); });
  }
}

void SeatSales::Expire(const std::string& passenger, const std::string& id) {
  {
    std::lock_guard lock(mu_);
    expiring_.erase(id);  // runs now; a later sweep may post it again, which finds it ended
  }
  Desk desk(*this, Desk::Takes::kPartsToo);
  auto r = engine::RunEnd(desk, passenger, id, ReservationStatus::kExpired, services_.clock);
  if (!r && r.error().code != Errc::kNotFound && r.error().code != Errc::kConflict) {
    runtime::Log(runtime::LogLevel::kWarn, "the hold of {} did not expire: {}", id,
                 r.error().message);
  }
}

// This airline's part of a saga as engine::RunPart sees it: a reservation
// under the saga's id, or a compensation that came before its request.
struct SeatSales::PartOfSaga {
  std::optional<AirReservation> reservation;  // unset only when released early
  std::string coordinator;                    // "": a passenger's own sale, no saga's
};

class SeatSales::Keeper {
 public:
  using Part = PartOfSaga;
  using Request = schemas::AirSagaRequest;
  using Ack = schemas::AirSagaAck;

  Keeper(SeatSales& sales, const air::Timetable* timetable)
      : sales_(sales), timetable_(timetable) {}

  Result<std::optional<Part>> Find(const std::string& saga_id) {
    {
      std::lock_guard lock(sales_.mu_);
      if (sales_.released_early_.count(saga_id)) return Part{};
    }
    auto r = sales_.Lookup(saga_id);
    if (!r) return tl::unexpected<Error>(r.error());
    if (!*r) return std::nullopt;
    auto coordinator = sales_.CoordinatorOf(saga_id);
    if (!coordinator) return tl::unexpected<Error>(coordinator.error());
    return Part{.reservation = std::move(*r), .coordinator = std::move(*coordinator)};
  }

  static engine::PartNow StateOf(const Part& part) {
    if (!part.reservation) {
      return {.state = engine::PartState::kAborted,
              .coordinator = std::string(engine::kAnyCoordinator),
              .hold_until = std::nullopt,
              .code = Errc::kConflict,
              .detail = "the saga was compensated before this request arrived"};
    }
    return {.state = PartStateOf(part.reservation->status),
            .coordinator = part.coordinator,
            .hold_until = part.reservation->expires_at,
            .code = std::nullopt,
            .detail = ""};
  }

  Ack Holding(const engine::PartMessage& m, const Part& part) {
    auto ack = Done(m);
    ack.expires_at = part.reservation->expires_at;
    ack.legs = part.reservation->legs;
    return ack;
  }

  Ack Hold(const engine::PartMessage& m, const Request& request) {
    auto held = Claim(m, request.passenger,
                      {.request_id = "",
                       .legs = request.legs,
                       .passengers = request.passengers,
                       .hold_only = true},
                      request.hold_ttl_s);
    if (!held) return Refuse(m, held.error());
    {
      std::lock_guard lock(sales_.mu_);
      sales_.coordinators_.emplace(m.saga_id, m.from);
    }
    sales_.services_.count("saga.parts.held", 1);
    return Holding(m, {.reservation = std::move(*held), .coordinator = m.from});
  }

  Ack Book(const engine::PartMessage& m, const Part& part, bool lapsed) {
    if (lapsed) return Rebook(m, *part.reservation);
    if (auto st = sales_.Change(*part.reservation, air::Bought(*part.reservation), m.joined); !st)
      return Refuse(m, st.error());
    sales_.services_.count("saga.parts.committed", 1);
    return Done(m);
  }

  // A commit after the hold ran out: the coordinator decided in time, only
  // its message was late. The part buys the same seats if they are still free.
  Ack Rebook(const engine::PartMessage& m, AirReservation r) {
    if (r.status == ReservationStatus::kHeld) {  // its expiry has not run yet: the seats go back
      r = air::Ended(r, ReservationStatus::kExpired);
      if (auto st = sales_.Commit(r); !st) return Refuse(m, st.error());
    }
    schemas::AirReserveRequest same{
        .request_id = "", .legs = {}, .passengers = r.passengers, .hold_only = false};
    for (const auto& leg : r.legs) {
      same.legs.push_back({.leg_id = leg.leg_id, .fare_class = leg.fare_class, .seats = leg.seats});
    }
    auto bought = Claim(m, r.passenger, same, 0);
    if (!bought && bought.error().code != Errc::kInternal) {
      return Refuse(m, Error{Errc::kExpired,
                             "the hold of saga " + m.saga_id +
                                 " expired and its seats are gone: " + bought.error().message});
    }
    if (!bought) return Refuse(m, bought.error());
    sales_.Settle(*bought);
    sales_.services_.count("saga.parts.committed", 1);
    return Done(m);
  }

  // A lapsed hold has nothing to give back, but ends cancelled so that a
  // commit sent before this compensation and arriving after it buys nothing.
  Ack Release(const engine::PartMessage& m, const Part& part, bool lapsed) {
    const auto& r = *part.reservation;
    auto ended = air::Ended(r, ReservationStatus::kCancelled);
    if (lapsed) {
      if (auto st = sales_.Commit(ended, m.joined); !st) return Refuse(m, st.error());
      return Done(m);
    }
    if (auto st = sales_.Change(r, ended, m.joined); !st) return Refuse(m, st.error());
    sales_.services_.count("saga.parts.released", 1);
    return Done(m);
  }

  // Durable before the ack: a request that arrives after a restart is refused too.
  Ack RememberAbort(const engine::PartMessage& m) {
    auto st = sales_.WriteJoined(
        m.joined, [&](runtime::Tx& tx) { return records::InsertReleasedEarly(tx, m.saga_id); });
    if (!st) return Refuse(m, st.error());
    std::lock_guard lock(sales_.mu_);
    sales_.released_early_.insert(m.saga_id);
    return Done(m);
  }

  static Ack Done(const engine::PartMessage& m) {
    return {.saga_id = m.saga_id,
            .phase = m.phase,
            .ok = true,
            .code = std::nullopt,
            .detail = "",
            .expires_at = std::nullopt,
            .legs = {}};
  }

  static Ack Refuse(const engine::PartMessage& m, const Error& e) {
    return {.saga_id = m.saga_id,
            .phase = m.phase,
            .ok = false,
            .code = e.code,
            .detail = e.code == Errc::kInternal ? "the airline's store failed" : e.message,
            .expires_at = std::nullopt,
            .legs = {}};
  }

 private:
  // Takes the seats `want` names for the saga's part, held for `hold_ttl_s`
  // (bought when not hold_only), and writes it in `m.joined`'s commit; a
  // write that fails gives the seats back.
  Result<AirReservation> Claim(const engine::PartMessage& m, const std::string& passenger,
                               const schemas::AirReserveRequest& want, Time hold_ttl_s) {
    if (!timetable_) return Fail(Errc::kInternal, "no timetable");
    Result<AirReservation> claimed;
    {
      std::lock_guard lock(sales_.mu_);
      claimed = sales_.book_.Hold(*timetable_, passenger, want, m.saga_id,
                                  sales_.services_.clock.Now(), hold_ttl_s);
    }
    if (!claimed) return claimed;
    auto st = sales_.WriteJoined(
        m.joined, [&](runtime::Tx& tx) { return records::Save(tx, *claimed, m.from); });
    if (!st) {
      std::lock_guard lock(sales_.mu_);
      sales_.book_.Drop(m.saga_id);
      return tl::unexpected<Error>(st.error());
    }
    return claimed;
  }

  // A sale's state as a saga's part: a hold, bought, or over one way or another.
  static engine::PartState PartStateOf(ReservationStatus s) {
    switch (s) {
      case ReservationStatus::kHeld:
        return engine::PartState::kHeld;
      case ReservationStatus::kConfirmed:
      case ReservationStatus::kFulfilled:
      case ReservationStatus::kNoShow:
        return engine::PartState::kCommitted;
      case ReservationStatus::kExpired:
        return engine::PartState::kExpired;
      case ReservationStatus::kCancelled:
        return engine::PartState::kCompensated;
      case ReservationStatus::kFailed:
        break;
    }
    return engine::PartState::kRefused;
  }

  SeatSales& sales_;
  const air::Timetable* timetable_;  // for a request
};

schemas::AirSagaAck SeatSales::RunPart(const air::Timetable* timetable,
                                       const engine::PartMessage& m,
                                       const schemas::AirSagaRequest* request) {
  auto changing = changing_.LockOne(m.saga_id);
  Keeper keeper(*this, timetable);
  return engine::RunPart(keeper, m, request, services_.clock.Now());
}

schemas::AirSagaAck SeatSales::HoldPart(const air::Timetable& timetable,
                                        const std::string& coordinator,
                                        const schemas::AirSagaRequest& request,
                                        engine::JoinedWrite* joined) {
  return RunPart(&timetable,
                 {.phase = SagaPhase::kRequest,
                  .saga_id = request.saga_id,
                  .from = coordinator,
                  .reason = "",
                  .joined = joined},
                 &request);
}

schemas::AirSagaAck SeatSales::CommitPart(const air::Timetable& timetable,
                                          const std::string& coordinator,
                                          const std::string& saga_id, engine::JoinedWrite* joined) {
  return RunPart(&timetable,
                 {.phase = SagaPhase::kCommit,
                  .saga_id = saga_id,
                  .from = coordinator,
                  .reason = "",
                  .joined = joined},
                 nullptr);
}

schemas::AirSagaAck SeatSales::ReleasePart(const std::string& coordinator,
                                           const std::string& saga_id,
                                           engine::JoinedWrite* joined) {
  return RunPart(nullptr,
                 {.phase = SagaPhase::kCompensate,
                  .saga_id = saga_id,
                  .from = coordinator,
                  .reason = "",
                  .joined = joined},
                 nullptr);
}

Result<std::optional<AirReservation>> SeatSales::Find(const std::string& id) const {
  return Lookup(id);
}

int SeatSales::SeatsLeft(const air::Timetable& timetable, const air::Leg& leg,
                         air::Cabin cabin) const {
  std::lock_guard lock(mu_);
  return book_.SeatsLeft(timetable, leg, cabin);
}

std::size_t SeatSales::Reservations() const {
  std::lock_guard lock(mu_);
  return book_.size();
}

}  // namespace tripmesh::airline
