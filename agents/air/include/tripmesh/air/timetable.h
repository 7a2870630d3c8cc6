// The air world: airports, airlines' aircraft and weekly flights, and the
// dated legs they fly (what a passenger buys a seat on).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tripmesh/base/time.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::air {

struct Airport {
  std::string code;  // IATA
  std::string time_zone;
  int utc_offset_min = 0;  // fixed all year (the world's generator checks it)
  int min_connection_min = 45;
};

using Cabin = schemas::Cabin;

struct CabinRows {
  Cabin cabin = Cabin::kEconomy;
  int first_row = 1, last_row = 1;
  std::string letters;  // seat letters of each row, e.g. "ABCDEF"
};

struct Aircraft {
  std::string type;
  std::vector<CabinRows> cabins;
  int SeatsIn(Cabin cabin) const;
  // Whether "12C" is a seat of `cabin` on this aircraft.
  bool HasSeat(Cabin cabin, const std::string& seat) const;
};

struct FareClass {
  std::string code;  // "E", "Y", "J"
  Cabin cabin = Cabin::kEconomy;
  bool refundable = false;
};

struct Fare {
  std::string fare_class;
  std::int64_t price_cents = 0;
};

// A flight of the weekly timetable.
struct WeeklyFlight {
  std::string airline, number, from, to;
  std::vector<int> days;      // ISO weekdays at the origin, 1 = Monday
  int departs_local_min = 0;  // minutes after the origin's local midnight
  int block_min = 0;
  std::string aircraft;
  std::vector<Fare> fares;
};

// One flight on one date.
struct Leg {
  std::string id;  // "JG1001-2027-01-04": the number and the origin's local date
  std::string airline, number, from, to, aircraft;
  Time departs = 0, arrives = 0;  // UTC
  std::vector<Fare> fares;
};

struct Airline {
  std::string id, designator;
  std::map<std::string, Aircraft> aircraft;  // by type
  std::vector<FareClass> fare_classes;
};

class Timetable {
 public:
  Timetable(std::vector<Airport> airports, std::vector<Airline> airlines,
            std::vector<WeeklyFlight> flights);

  const Airport* FindAirport(const std::string& code) const;
  const Airline* FindAirline(const std::string& id) const;
  const Aircraft* AircraftOf(const Leg& leg) const;
  const FareClass* FindFareClass(const std::string& airline, const std::string& code) const;
  // Every leg departing in [from, to), by departure time (then id).
  std::vector<Leg> LegsDeparting(Time from, Time to) const;
  // Flight `number` on the origin's local date `day` (days since 1970-01-01),
  // if it flies that day.
  std::optional<Leg> LegOn(const std::string& number, Time day) const;

 private:
  // `f` on the origin's local date `day`; `offset_s` is the origin's UTC offset.
  static Leg MakeLeg(const WeeklyFlight& f, Time day, Time offset_s);

  std::map<std::string, Airport> airports_;
  std::map<std::string, Airline> airlines_;
  std::vector<WeeklyFlight> flights_;
  std::map<std::string, std::size_t> by_number_;  // index into flights_
};

}  // namespace tripmesh::air
