// An airline's sales desk: the seat book behind a lock, every change durable
// in the store before the book shows it and the passenger hears of it, and
// holds that run out expired on the passenger's lane.
// Thread safety: any thread; calls for one passenger come from its lane, so
// they do not interleave.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "tripmesh/air/seat_book.h"
#include "tripmesh/base/result.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/runtime/keyed_locks.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::airline {

// 16 random hex digits.
std::string NewReservationId();

class SeatSales {
 public:
  SeatSales(std::string airline, Time hold_ttl_s, engine::Services& services)
      : book_(std::move(airline)), hold_ttl_s_(hold_ttl_s), services_(services) {}

  // Makes the tables and reads every reservation back into the book.
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
  std::vector<schemas::AirReservation> List(const std::string& passenger,
                                            const schemas::ListRequest& request) const;

  // This airline's part of an itinerary's saga, kept as a reservation under
  // the saga's id: its legs held for `hold_ttl_s`, then bought or given back.
  // Each answers a repeat as it answered first.
  schemas::AirSagaAck HoldPart(const air::Timetable& timetable,
                               const schemas::AirSagaRequest& request);
  schemas::AirSagaAck CommitPart(const std::string& saga_id);
  schemas::AirSagaAck ReleasePart(const std::string& saga_id);
  std::optional<schemas::AirReservation> Find(const std::string& id) const;

  // Posts the expiry of every hold whose time is up to its passenger's lane.
  void ExpireDue();
  int SeatsLeft(const air::Timetable& timetable, const air::Leg& leg, air::Cabin cabin) const;
  std::size_t Reservations() const;

 private:
  // Writes `r` and then shows it in the book.
  [[nodiscard]] Status Commit(const schemas::AirReservation& r);
  void Expire(const std::string& passenger, const std::string& id);
  static std::string Answer(schemas::AirReservation r, const std::string& request_id);

  air::SeatBook book_;
  Time hold_ttl_s_;
  engine::Services& services_;
  // Held across each change of one reservation, from reading it to showing
  // its new state: a hold that expires and a confirm never cross.
  runtime::KeyedLocks changing_;
  mutable std::mutex mu_;           // guards the book, expiring_ and released_early_
  std::set<std::string> expiring_;  // reservations whose expiry is posted
  // Sagas compensated before their request arrived (messages reordered): a
  // late request holds nothing. Also in the store (air_released_early).
  std::set<std::string> released_early_;
};

}  // namespace tripmesh::airline
