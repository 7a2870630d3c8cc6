#include "tripmesh/air/seat_book.h"

#include <algorithm>

namespace tripmesh::air {

double TotalPrice(const schemas::AirReservation& r) {
  double sum = 0;
  for (const auto& leg : r.legs) sum += leg.price * static_cast<double>(r.passengers);
  return sum;
}

std::optional<Leg> FindLeg(const Timetable& timetable, const std::string& leg_id) {
  constexpr std::size_t kDateLen = 10;  // YYYY-MM-DD
  if (leg_id.size() <= kDateLen + 1 || leg_id[leg_id.size() - kDateLen - 1] != '-')
    return std::nullopt;
  std::string date = leg_id.substr(leg_id.size() - kDateLen);
  auto midnight = ParseTime(date + "T00:00:00Z");
  if (!midnight || FormatTime(*midnight).substr(0, kDateLen) != date) return std::nullopt;
  return timetable.LegOn(leg_id.substr(0, leg_id.size() - kDateLen - 1), *midnight / kDayS);
}

namespace {

using schemas::AirReservation;
using schemas::ReservationStatus;

bool Active(const AirReservation& r) { return HoldsSeats(r.status); }

double Money(std::int64_t cents) { return static_cast<double>(cents) / 100; }

}  // namespace

SeatLedger& SeatBook::LedgerOf(const Timetable& timetable, const Leg& leg) {
  auto it = ledgers_.find(leg.id);
  if (it != ledgers_.end()) return it->second;
  const Aircraft* craft = timetable.AircraftOf(leg);
  return ledgers_.emplace(leg.id, SeatLedger(craft ? *craft : Aircraft{})).first->second;
}

Result<schemas::AirBookedLeg> DraftLeg(const Timetable& timetable,
                                       const schemas::AirReserveLeg& want, Time now) {
  auto leg = FindLeg(timetable, want.leg_id);
  if (!leg) return Fail(Errc::kInvalidRequest, "no leg " + want.leg_id.substr(0, 40), "legs");
  if (leg->departs <= now)
    return Fail(Errc::kInvalidRequest, "leg " + leg->id + " has departed", "legs");
  auto fare = std::find_if(leg->fares.begin(), leg->fares.end(),
                           [&](const Fare& f) { return f.fare_class == want.fare_class; });
  const FareClass* fc = timetable.FindFareClass(leg->airline, want.fare_class);
  if (fare == leg->fares.end() || !fc) {
    return Fail(Errc::kInvalidRequest,
                "leg " + leg->id + " sells no fare class " + want.fare_class.substr(0, 4),
                "fare_class");
  }
  return schemas::AirBookedLeg{.leg_id = leg->id,
                               .airline = leg->airline,
                               .flight = leg->number,
                               .from = leg->from,
                               .to = leg->to,
                               .fare_class = want.fare_class,
                               .departs_at = leg->departs,
                               .arrives_at = leg->arrives,
                               .cabin = fc->cabin,
                               .seats = {},
                               .price = Money(fare->price_cents)};
}

Result<schemas::AirBookedLeg> SeatBook::HoldLeg(const Timetable& timetable,
                                                const schemas::AirReserveLeg& want, int passengers,
                                                const std::string& id, Time now, Time expires_at) {
  auto leg = DraftLeg(timetable, want, now);
  if (!leg) return leg;
  if (leg->airline != airline_) {
    return Fail(Errc::kInvalidRequest,
                "leg " + leg->leg_id + " is " + leg->airline + "'s: " + airline_ +
                    " holds only its own legs",
                "legs");
  }
  auto flown = FindLeg(timetable, leg->leg_id);
  auto seats = LedgerOf(timetable, *flown).Hold(id, leg->cabin, passengers, want.seats, expires_at);
  if (!seats) {
    Error e = seats.error();
    e.message = "leg " + leg->leg_id + ": " + e.message;
    return tl::unexpected<Error>(std::move(e));
  }
  leg->seats = std::move(*seats);
  return leg;
}

Result<AirReservation> SeatBook::Hold(const Timetable& timetable, const std::string& passenger,
                                      const schemas::AirReserveRequest& request,
                                      const std::string& id, Time now, Time hold_ttl_s) {
  AirReservation r{
      .reservation_id = id,
      .request_id = request.request_id,
      .passenger = passenger,
      .status = request.hold_only ? ReservationStatus::kHeld : ReservationStatus::kConfirmed,
      .created_at = now,
      .expires_at = std::nullopt,
      .passengers = request.passengers,
      .price = 0,
      .currency = "BRL",
      .legs = {}};
  if (request.hold_only) r.expires_at = now + hold_ttl_s;
  for (const auto& want : request.legs) {
    auto leg = HoldLeg(timetable, want, static_cast<int>(request.passengers), id, now,
                       r.expires_at.value_or(now));
    if (!leg) {
      Release(r);
      return tl::unexpected<Error>(leg.error());
    }
    r.legs.push_back(std::move(*leg));
  }
  r.price = TotalPrice(r);
  Keep(r);
  if (!r.request_id.empty()) by_request_[{passenger, r.request_id}] = id;
  if (!request.hold_only) Apply(r);
  return r;
}

void SeatBook::Release(const AirReservation& r) {
  for (const auto& leg : r.legs) {
    auto it = ledgers_.find(leg.leg_id);
    if (it != ledgers_.end()) it->second.Release(r.reservation_id);
  }
}

void SeatBook::Drop(const std::string& id) {
  auto it = reservations_.find(id);
  if (it == reservations_.end()) return;
  Release(it->second);
  Evict(id);
}

void SeatBook::Keep(const AirReservation& r) {
  reservations_[r.reservation_id] = r;
  holds_.Set(r.reservation_id,
             r.status == ReservationStatus::kHeld ? r.expires_at : std::optional<Time>());
}

void SeatBook::Evict(const std::string& id) {
  auto it = reservations_.find(id);
  if (it == reservations_.end()) return;
  by_request_.erase({it->second.passenger, it->second.request_id});
  holds_.Set(id, std::nullopt);
  reservations_.erase(it);
}

void SeatBook::Recall(const AirReservation& r) {
  if (reservations_.count(r.reservation_id)) return;
  Keep(r);
  if (!r.request_id.empty()) by_request_[{r.passenger, r.request_id}] = r.reservation_id;
}

Status SeatBook::Adopt(const Timetable& timetable, const AirReservation& r) {
  if (Active(r)) {
    for (const auto& booked : r.legs) {
      auto leg = FindLeg(timetable, booked.leg_id);
      if (!leg) continue;  // a timetable that no longer flies it: nothing to hold
      auto seats = LedgerOf(timetable, *leg)
                       .Hold(r.reservation_id, booked.cabin, static_cast<int>(booked.seats.size()),
                             booked.seats, r.expires_at.value_or(0));
      if (!seats) {
        Release(r);
        return Fail(Errc::kConflict, "reservation " + r.reservation_id + " on " + booked.leg_id +
                                         ": " + seats.error().message);
      }
    }
  }
  Keep(r);
  if (!r.request_id.empty()) by_request_[{r.passenger, r.request_id}] = r.reservation_id;
  Apply(r);
  return {};
}

Result<AirReservation> SeatBook::Get(const std::string& passenger, const std::string& id) const {
  auto it = reservations_.find(id);
  if (it == reservations_.end() || it->second.passenger != passenger)
    return Fail(Errc::kNotFound, "no reservation " + id.substr(0, 40) + " of " + passenger);
  return it->second;
}

std::optional<AirReservation> SeatBook::Find(const std::string& id) const {
  auto it = reservations_.find(id);
  if (it == reservations_.end()) return std::nullopt;
  return it->second;
}

std::optional<AirReservation> SeatBook::ByRequest(const std::string& passenger,
                                                  const std::string& request_id) const {
  auto it = by_request_.find({passenger, request_id});
  if (request_id.empty() || it == by_request_.end()) return std::nullopt;
  return reservations_.at(it->second);
}

bool HoldsSeats(ReservationStatus s) {
  return s == ReservationStatus::kHeld || s == ReservationStatus::kConfirmed;
}

AirReservation Bought(AirReservation r) {
  r.status = ReservationStatus::kConfirmed;
  r.expires_at.reset();
  return r;
}

AirReservation Ended(AirReservation r, ReservationStatus outcome) {
  r.status = outcome;
  r.expires_at.reset();
  return r;
}

void SeatBook::Apply(const AirReservation& r) {
  if (!reservations_.count(r.reservation_id)) return;
  Keep(r);
  if (!Active(r)) {
    Release(r);
    return;
  }
  if (r.status != ReservationStatus::kConfirmed) return;
  for (const auto& leg : r.legs) {
    auto ledger = ledgers_.find(leg.leg_id);
    if (ledger != ledgers_.end()) (void)ledger->second.Book(r.reservation_id);
  }
}

std::vector<std::pair<std::string, std::string>> SeatBook::DueHolds(Time now) const {
  std::vector<std::pair<std::string, std::string>> due;
  for (auto& id : holds_.Due(now)) {
    const auto& passenger = reservations_.at(id).passenger;
    due.emplace_back(passenger, std::move(id));
  }
  return due;
}

int SeatBook::SeatsLeft(const Timetable& timetable, const Leg& leg, Cabin cabin) const {
  auto it = ledgers_.find(leg.id);
  if (it != ledgers_.end()) return it->second.SeatsLeft(cabin);
  const Aircraft* craft = timetable.AircraftOf(leg);
  return craft ? craft->SeatsIn(cabin) : 0;
}

}  // namespace tripmesh::air
