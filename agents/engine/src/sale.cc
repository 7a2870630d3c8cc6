#include "tripmesh/engine/sale.h"

namespace tripmesh::engine {

using schemas::ReservationStatus;

namespace {

SaleDecision Refuse(Error e) { return {SaleStep::kRefuse, std::move(e)}; }

Error Standing(const std::string& id, ReservationStatus now, const char* why) {
  return Error{
      Errc::kConflict,
      "reservation " + id + " is " + std::string(schemas::ReservationStatusName(now)) + why,
      "reservation_id"};
}

}  // namespace

Error RefusedConfirm(const std::string& id, ReservationStatus now) {
  if (now == ReservationStatus::kExpired || now == ReservationStatus::kHeld) {
    return Error{Errc::kExpired, "the hold of reservation " + id + " expired: reserve again",
                 "reservation_id"};
  }
  return Standing(id, now, ": it cannot be confirmed");
}

bool HoldLapsed(const SaleNow& sale, Time now) {
  return sale.status == ReservationStatus::kHeld && sale.expires_at && *sale.expires_at <= now;
}

SaleDecision DecideConfirm(const std::string& id, const SaleNow& sale, Time at) {
  ReservationStatus now = sale.status;
  bool lapsed = HoldLapsed(sale, at);
  if (now == ReservationStatus::kConfirmed) return {SaleStep::kAsItStands, {}};
  if (now == ReservationStatus::kHeld && !lapsed) return {SaleStep::kBook, {}};
  return Refuse(RefusedConfirm(id, now));
}

SaleDecision DecideEnd(const std::string& id, const SaleNow& sale, ReservationStatus outcome,
                       Time at) {
  ReservationStatus now = sale.status;
  bool lapsed = HoldLapsed(sale, at);
  if (now == outcome) return {SaleStep::kAsItStands, {}};
  if (outcome == ReservationStatus::kExpired) {
    if (now == ReservationStatus::kHeld && lapsed) return {SaleStep::kRelease, {}};
    if (now == ReservationStatus::kHeld) {
      return Refuse(Error{Errc::kConflict, "the hold of reservation " + id + " has not expired",
                          "reservation_id"});
    }
    return Refuse(Standing(id, now, ": it cannot expire"));
  }
  if (now == ReservationStatus::kHeld || now == ReservationStatus::kConfirmed) {
    return {SaleStep::kRelease, {}};
  }
  return Refuse(Standing(id, now, ""));
}

}  // namespace tripmesh::engine
