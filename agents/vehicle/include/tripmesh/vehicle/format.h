// What a person reads: plans, reservations and lists as aligned tables.
#pragma once

#include <string>

#include "tripmesh/schemas/messages.h"

namespace tripmesh::vehicle {

std::string FormatPlans(const schemas::PlanResult& result);
std::string FormatReservation(const schemas::Reservation& r);
std::string FormatList(const schemas::ReservationList& list);
// "1h 05m", "12m", "40s".
std::string FormatDuration(std::int64_t seconds);

}  // namespace tripmesh::vehicle
