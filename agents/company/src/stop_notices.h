// What a company says when a stop of a reservation moved to another point or
// was lost (its point went out of service): an event for its monitors and,
// for a lost stop, a notice the vehicle acts on.
#pragma once

#include <optional>
#include <string>

#include "reservation_book.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::company {

// On companies/{company}/events/reservation, with the change in `detail`.
runtime::OutboundMessage StopEvent(const std::string& company, const schemas::Reservation& r,
                                   const ReservationBook::Displaced& d, Time now);
// On vehicles/{v}/events when the stop was lost; none when it moved. Its
// message gives the stop's time in `zone`, the station's.
std::optional<runtime::OutboundMessage> LostStopNotice(const std::string& company,
                                                       const schemas::Reservation& r,
                                                       const ReservationBook::Displaced& d,
                                                       Time now, std::string_view zone);

}  // namespace tripmesh::company
