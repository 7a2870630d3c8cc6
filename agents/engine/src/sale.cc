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

SaleDecision DecideConfirm(const std::string& id, ReservationStatus now, bool lapsed) {
  if (now == ReservationStatus::kConfirmed) return {SaleStep::kAsItStands, {}};
  if (now == ReservationStatus::kHeld && !lapsed) return {SaleStep::kBook, {}};
  return Refuse(RefusedConfirm(id, now));
}

SaleDecision DecideEnd(const std::string& id, ReservationStatus now, ReservationStatus outcome,
                       bool lapsed) {
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
