#include "tripmesh/air/timetable.h"

#include <algorithm>
#include <tuple>

namespace tripmesh::air {

int Aircraft::SeatsIn(Cabin cabin) const {
  int seats = 0;
  for (const auto& c : cabins) {
    if (c.cabin == cabin)
      seats += (c.last_row - c.first_row + 1) * static_cast<int>(c.letters.size());
  }
  return seats;
}

bool Aircraft::HasSeat(Cabin cabin, const std::string& seat) const {
  if (seat.size() < 2 || seat.size() > 3) return false;
  std::string digits = seat.substr(0, seat.size() - 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      digits.front() == '0')
    return false;
  int row = std::stoi(digits);
  char letter = seat.back();
  return std::any_of(cabins.begin(), cabins.end(), [&](const CabinRows& c) {
    return c.cabin == cabin && row >= c.first_row && row <= c.last_row &&
           c.letters.find(letter) != std::string::npos;
  });
}

Timetable::Timetable(std::vector<Airport> airports, std::vector<Airline> airlines,
                     std::vector<WeeklyFlight> flights)
    : flights_(std::move(flights)) {
  for (std::size_t i = 0; i < flights_.size(); ++i) by_number_.emplace(flights_[i].number, i);
  for (auto& a : airports) airports_.emplace(a.code, std::move(a));
  for (auto& a : airlines) airlines_.emplace(a.id, std::move(a));
}

const Airport* Timetable::FindAirport(const std::string& code) const {
  auto it = airports_.find(code);
  return it == airports_.end() ? nullptr : &it->second;
}

const Airline* Timetable::FindAirline(const std::string& id) const {
  auto it = airlines_.find(id);
  return it == airlines_.end() ? nullptr : &it->second;
}

const Aircraft* Timetable::AircraftOf(const Leg& leg) const {
  const Airline* airline = FindAirline(leg.airline);
  if (!airline) return nullptr;
  auto it = airline->aircraft.find(leg.aircraft);
  return it == airline->aircraft.end() ? nullptr : &it->second;
}

const FareClass* Timetable::FindFareClass(const std::string& airline,
                                          const std::string& code) const {
  const Airline* a = FindAirline(airline);
  if (!a) return nullptr;
  auto it = std::find_if(a->fare_classes.begin(), a->fare_classes.end(),
                         [&](const FareClass& f) { return f.code == code; });
  return it == a->fare_classes.end() ? nullptr : &*it;
}

namespace {

// ISO weekday (1 = Monday) of a day counted from 1970-01-01, a Thursday.
int IsoWeekday(Time day) { return static_cast<int>(((day % 7) + 7 + 3) % 7) + 1; }

Time FloorDiv(Time a, Time b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

}  // namespace

std::vector<Leg> Timetable::LegsDeparting(Time from, Time to) const {
  std::vector<Leg> legs;
  for (const auto& f : flights_) {
    const Airport* origin = FindAirport(f.from);
    const Airport* dest = FindAirport(f.to);
    if (!origin || !dest) continue;
    Time offset = Time{origin->utc_offset_min} * kMinuteS;
    // Local dates at the origin whose departure could fall in [from, to).
    for (Time day = FloorDiv(from + offset, kDayS) - 1; day <= FloorDiv(to + offset, kDayS);
         ++day) {
      if (std::find(f.days.begin(), f.days.end(), IsoWeekday(day)) == f.days.end()) continue;
      Time departs = day * kDayS + Time{f.departs_local_min} * kMinuteS - offset;
      if (departs < from || departs >= to) continue;
      legs.push_back(MakeLeg(f, day, offset));
    }
  }
  std::sort(legs.begin(), legs.end(), [](const Leg& a, const Leg& b) {
    return std::tie(a.departs, a.id) < std::tie(b.departs, b.id);
  });
  return legs;
}

Leg Timetable::MakeLeg(const WeeklyFlight& f, Time day, Time offset_s) {
  Time departs = day * kDayS + Time{f.departs_local_min} * kMinuteS - offset_s;
  return Leg{.id = f.number + "-" + FormatTime(day * kDayS).substr(0, 10),
             .airline = f.airline,
             .number = f.number,
             .from = f.from,
             .to = f.to,
             .aircraft = f.aircraft,
             .departs = departs,
             .arrives = departs + Time{f.block_min} * kMinuteS,
             .fares = f.fares};
}

std::optional<Leg> Timetable::LegOn(const std::string& number, Time day) const {
  auto it = by_number_.find(number);
  if (it == by_number_.end()) return std::nullopt;
  const WeeklyFlight& f = flights_[it->second];
  const Airport* origin = FindAirport(f.from);
  if (!origin || !FindAirport(f.to)) return std::nullopt;
  if (std::find(f.days.begin(), f.days.end(), IsoWeekday(day)) == f.days.end()) return std::nullopt;
  return MakeLeg(f, day, Time{origin->utc_offset_min} * kMinuteS);
}

}  // namespace tripmesh::air
