#include "stop_notices.h"

#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {

runtime::OutboundMessage StopEvent(const std::string& company, const schemas::Reservation& r,
                                   const ReservationBook::Displaced& d, Time now) {
  std::string detail =
      d.to_point.empty()
          ? "stop at " + d.station + " lost: point " + d.from_point + " is out of service"
          : "stop at " + d.station + " moved from point " + d.from_point + " to point " +
                d.to_point + " (point " + d.from_point + " is out of service)";
  return {.topic = topics::Event(company, topics::EventKind::kReservation),
          .payload = schemas::Encode(schemas::Event{
              .company = company,
              .kind = std::string(topics::EventKindName(topics::EventKind::kReservation)),
              .reservation_id = r.reservation_id,
              .vehicle = r.vehicle,
              .status = std::string(schemas::ReservationStatusName(r.status)),
              .timestamp = now,
              .detail = detail})};
}

std::optional<runtime::OutboundMessage> LostStopNotice(const std::string& company,
                                                       const schemas::Reservation& r,
                                                       const ReservationBook::Displaced& d,
                                                       Time now, std::string_view zone) {
  if (!d.to_point.empty()) return std::nullopt;
  return runtime::OutboundMessage{
      .topic = topics::VehicleEvents(r.vehicle),
      .payload = schemas::Encode(schemas::VehicleNotice{
          .company = company,
          .vehicle = r.vehicle,
          .reservation_id = r.reservation_id,
          .station = d.station,
          .point = d.from_point,
          .start_at = d.start_at,
          .end_at = d.end_at,
          .message = "your stop at " + d.station + " from " +
                     runtime::FormatLocal(d.start_at, zone, now) +
                     " is lost: its point is out of service and no other point is free then; "
                     "plan the rest of the trip again and reserve it",
          .timestamp = now})};
}

}  // namespace tripmesh::company
