// An airline's seats on its own legs and the reservations that hold or bought
// them (the settled ones only while the caller keeps them; see Evict). A reservation holds one seat
// per passenger on each of its legs, of the cabin its fare class sells; all legs or none. The first
// hold on a seat wins. Changes are proposed, made durable by the caller, then applied, so a state
// the book shows is one the store has; only Hold claims seats at once (and Drop gives them back
// when its write fails), so that two passengers never both get a seat. Not thread-safe: the airline
// serialises calls.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tripmesh/air/seat_ledger.h"
#include "tripmesh/air/timetable.h"
#include "tripmesh/base/expiry_index.h"
#include "tripmesh/base/result.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::air {

class SeatBook {
 public:
  explicit SeatBook(std::string airline) : airline_(std::move(airline)) {}

  // Claims the seats `request` asks for on this airline's legs of `timetable`
  // and records the reservation `id` of `passenger`: held until now +
  // hold_ttl_s with hold_only, else confirmed. Errors (nothing claimed):
  // invalid_request for a leg not found (field legs), of another airline,
  // departed, or a fare class the leg does not sell (field fare_class), or a
  // seat not of that cabin (field seats); conflict for a named seat taken;
  // unavailable for fewer seats free than passengers.
  [[nodiscard]] Result<schemas::AirReservation> Hold(const Timetable& timetable,
                                                     const std::string& passenger,
                                                     const schemas::AirReserveRequest& request,
                                                     const std::string& id, Time now,
                                                     Time hold_ttl_s);
  // Forgets a reservation Hold made whose write failed; its seats are free.
  void Drop(const std::string& id);
  // Records a reservation read from the store, claiming its seats if it is
  // held or confirmed; conflict when a seat is another's (the store is corrupt).
  [[nodiscard]] Status Adopt(const Timetable& timetable, const schemas::AirReservation& r);

  // The reservation `passenger` means by `id`: not_found for another's.
  [[nodiscard]] Result<schemas::AirReservation> Get(const std::string& passenger,
                                                    const std::string& id) const;
  // Whoever's it is (a saga's part has the saga's id).
  std::optional<schemas::AirReservation> Find(const std::string& id) const;
  std::optional<schemas::AirReservation> ByRequest(const std::string& passenger,
                                                   const std::string& request_id) const;

  // A durable new state of a known reservation: a confirmed one keeps its
  // seats for good, a cancelled or expired one frees them.
  void Apply(const schemas::AirReservation& r);

  // A settled reservation (confirmed, cancelled or expired) leaves memory;
  // the seats of a confirmed one stay booked in the ledgers, so its store row
  // is all that is needed to bring it back.
  void Evict(const std::string& id);
  // Brings back a reservation Evict let go, as the store has it; its seats
  // are as it left them.
  void Recall(const schemas::AirReservation& r);

  // (passenger, id) of the holds whose time is up at `now`.
  std::vector<std::pair<std::string, std::string>> DueHolds(Time now) const;
  // Seats of `cabin` no reservation holds or bought on `leg` (this airline's).
  int SeatsLeft(const Timetable& timetable, const Leg& leg, Cabin cabin) const;
  std::size_t size() const { return reservations_.size(); }  // those in memory

 private:
  // The ledger of `leg`, made on first use.
  SeatLedger& LedgerOf(const Timetable& timetable, const Leg& leg);
  [[nodiscard]] Result<schemas::AirBookedLeg> HoldLeg(const Timetable& timetable,
                                                      const schemas::AirReserveLeg& want,
                                                      int passengers, const std::string& id,
                                                      Time now, Time expires_at);
  void Release(const schemas::AirReservation& r);
  // Records `r` as it now stands, and its hold's expiry.
  void Keep(const schemas::AirReservation& r);

  std::string airline_;
  std::map<std::string, SeatLedger> ledgers_;                    // by leg id
  std::map<std::string, schemas::AirReservation> reservations_;  // by id
  std::map<std::pair<std::string, std::string>, std::string>
      by_request_;     // (passenger, request id)
  ExpiryIndex holds_;  // the held ones, by when they lapse
};

// Whether a reservation in this state holds or has bought its seats.
bool HoldsSeats(schemas::ReservationStatus s);

// A held reservation once bought: confirmed, with no hold time.
schemas::AirReservation Bought(schemas::AirReservation r);
// A reservation ended as `outcome` (cancelled, expired): its seats go back.
schemas::AirReservation Ended(schemas::AirReservation r, schemas::ReservationStatus outcome);

// Every passenger's seat on every leg.
double TotalPrice(const schemas::AirReservation& r);

// The leg `want` names, priced in its fare class, no seat chosen yet:
// invalid_request for a leg the timetable does not fly or that has departed
// (field legs), or a fare class it does not sell (field fare_class).
[[nodiscard]] Result<schemas::AirBookedLeg> DraftLeg(const Timetable& timetable,
                                                     const schemas::AirReserveLeg& want, Time now);

// The leg `leg_id` names ("JG1001-2027-01-04": the flight and its origin's
// local date) if the timetable flies it.
std::optional<Leg> FindLeg(const Timetable& timetable, const std::string& leg_id);

}  // namespace tripmesh::air
