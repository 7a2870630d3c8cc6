// What a person reads: plans, reservations and lists as aligned tables, each
// time in the local zone of the city it refers to.
#pragma once

#include <string>

#include "tripmesh/core/world.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::vehicle {

// Where the times shown happen, and when "today" is.
struct Places {
  const core::World* world = nullptr;  // null: every time in UTC
  Time now = 0;                        // a time on now's local date shows no date
  // The IANA zone of a city ("UTC" when unknown).
  std::string ZoneOf(const std::string& city) const;
  // "06:52 (-03)" or "Tue 01 Dec 06:52 (-03)", in `city`'s zone.
  std::string At(Time t, const std::string& city) const;
};

std::string FormatPlans(const schemas::PlanResult& result, const Places& places);
std::string FormatReservation(const schemas::Reservation& r, const Places& places);
std::string FormatList(const schemas::ReservationList& list, const Places& places);
// After a check-in at `station`: which stop it was, when, and what is next.
std::string FormatCheckin(const schemas::Reservation& r, const std::string& station,
                          const Places& places);
// `s` padded with spaces to `width` letters (UTF-8 letters, not bytes), at
// least one space.
std::string Pad(const std::string& s, std::size_t width);
// "1h 05m", "12m", "40s".
std::string FormatDuration(std::int64_t seconds);

}  // namespace tripmesh::vehicle
