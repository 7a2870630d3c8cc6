// An airline's sales desk: the seat book behind a lock, every change durable
// in the store before the book shows it and the passenger hears of it, and
// holds that run out expired on the passenger's lane. Only holds stay in
// memory: a settled reservation is read back from the store when asked for
// (its seats stay booked in the book's ledgers), so memory does not grow
// with sales.
// Thread safety: any thread; calls for one passenger come from its lane, so
// they do not interleave.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "tripmesh/air/seat_book.h"
#include "tripmesh/base/result.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/engine/participant.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/runtime/keyed_locks.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::airline {

// 16 random hex digits.
std::string NewReservationId();

class SeatSales {
 public:
  SeatSales(std::string airline, Time hold_ttl_s, engine::Services& services)
      : book_(std::move(airline)), hold_ttl_s_(hold_ttl_s), services_(services) {}

  // Makes the tables, reads the holds back into the book and claims the
  // seats of every confirmed reservation.
  [[nodiscard]] Status Load(const air::Timetable& timetable);

  // A passenger's reserve, confirm, cancel, get and list: the encoded answer.
  [[nodiscard]] Result<std::string> Reserve(const air::Timetable& timetable,
                                            const std::string& passenger,
                                            const schemas::AirReserveRequest& request);
  [[nodiscard]] Result<std::string> Confirm(const std::string& passenger,
                                            const schemas::ReservationRef& ref);
  [[nodiscard]] Result<std::string> Cancel(const std::string& passenger,
                                           const schemas::ReservationRef& ref);
  [[nodiscard]] Result<std::string> Get(const std::string& passenger,
                                        const schemas::ReservationRef& ref) const;
  // Oldest first; a saga's part shows under the saga's id.
  [[nodiscard]] Result<std::vector<schemas::AirReservation>> List(
      const std::string& passenger, const schemas::ListRequest& request) const;

  // This airline's part of an itinerary's saga, kept as a reservation under
  // the saga's id: its legs held for `hold_ttl_s`, then bought or given back.
  // Each answers a repeat as it answered first. Only the airline that
  // coordinates the saga reaches its part (forbidden, or not_found for a
  // commit, to any other), and no saga message reaches a passenger's own sale.
  // With `joined` (the home airline's own part), the coordinator's saga state
  // is written in the same commit as the part's change.
  schemas::AirSagaAck HoldPart(const air::Timetable& timetable, const std::string& coordinator,
                               const schemas::AirSagaRequest& request,
                               engine::JoinedWrite* joined = nullptr);
  schemas::AirSagaAck CommitPart(const air::Timetable& timetable, const std::string& coordinator,
                                 const std::string& saga_id, engine::JoinedWrite* joined = nullptr);
  schemas::AirSagaAck ReleasePart(const std::string& coordinator, const std::string& saga_id,
                                  engine::JoinedWrite* joined = nullptr);
  // Any reservation or part by its id (from the store if it left memory).
  [[nodiscard]] Result<std::optional<schemas::AirReservation>> Find(const std::string& id) const;

  // Posts the expiry of every hold whose time is up to its passenger's lane.
  void ExpireDue();
  int SeatsLeft(const air::Timetable& timetable, const air::Leg& leg, air::Cabin cabin) const;
  std::size_t Reservations() const;  // in memory: the holds, and changes under way

 private:
  // Writes `r` and then shows it in the book; a settled one then leaves it.
  [[nodiscard]] Status Commit(const schemas::AirReservation& r,
                              engine::JoinedWrite* joined = nullptr);
  // `write` in one transaction, after `joined`'s write if there is one.
  [[nodiscard]] Status WriteJoined(engine::JoinedWrite* joined,
                                   const std::function<Status(runtime::Tx&)>& write);
  // Takes a settled `r` out of the book (its keys stay known, see below).
  void Settle(const schemas::AirReservation& r);
  // The reservation `id` from memory, else from the store if it left memory.
  [[nodiscard]] Result<std::optional<schemas::AirReservation>> Lookup(const std::string& id) const;
  // Lookup of `passenger`'s own: not_found for another's.
  [[nodiscard]] Result<schemas::AirReservation> Mine(const std::string& passenger,
                                                     const std::string& id) const;
  // Mine, when the passenger may change it alone: conflict for a saga's part
  // (the itinerary is confirmed or cancelled at its coordinator).
  [[nodiscard]] Result<schemas::AirReservation> MineToChange(const std::string& passenger,
                                                             const std::string& id) const;
  // The airline coordinating part `id`; "" for a sale or no reservation.
  [[nodiscard]] Result<std::string> CoordinatorOf(const std::string& id) const;
  // This airline's part of a saga, held, bought and given back for
  // engine::RunPart (in the .cc).
  struct PartOfSaga;
  class Keeper;
  friend class Keeper;
  // A reservation bought or given back for engine::RunConfirm and RunEnd,
  // under changing_ for its id (in the .cc).
  class Desk;
  friend class Desk;
  // Runs `m` on its part, under changing_ for the saga; `timetable` and
  // `request` for a request.
  schemas::AirSagaAck RunPart(const air::Timetable* timetable, const engine::PartMessage& m,
                              const schemas::AirSagaRequest* request);
  // Commits `next`, the new state of `was` (put back in the book first if
  // it had left memory). Under changing_ for its id.
  [[nodiscard]] Status Change(const schemas::AirReservation& was,
                              const schemas::AirReservation& next,
                              engine::JoinedWrite* joined = nullptr);
  [[nodiscard]] Result<std::optional<schemas::AirReservation>> ByRequest(
      const std::string& passenger, const std::string& request_id) const;
  static std::uint64_t RequestKey(const std::string& passenger, const std::string& request_id);
  void Expire(const std::string& passenger, const std::string& id);
  static std::string Answer(schemas::AirReservation r, const std::string& request_id);

  air::SeatBook book_;
  Time hold_ttl_s_;
  engine::Services& services_;
  // Held across each change of one reservation, from reading it to showing
  // its new state: a hold that expires and a confirm never cross.
  runtime::KeyedLocks changing_;
  mutable std::mutex mu_;  // guards the book, expiring_, released_early_, settled_*, coordinators_
  std::set<std::string> expiring_;  // reservations whose expiry is posted
  // Sagas compensated before their request arrived (messages reordered): a
  // late request holds nothing. Also in the store (air_released_early).
  std::set<std::string> released_early_;
  // Hashes of the ids and (passenger, request id) of the reservations that
  // left memory: a miss means the store need not be asked, so a purchase
  // costs no read; a hit is confirmed by reading the store.
  std::unordered_set<std::uint64_t> settled_ids_, settled_requests_;
  // The coordinator of each part held in memory; a settled one's is in the store.
  std::unordered_map<std::string, std::string> coordinators_;
};

}  // namespace tripmesh::airline
