// The air profile's world files (data/air): airports.json (air.map) and each
// airline's airlines/{id}.json (airline.timetable), as their schemas say.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tripmesh/base/time.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::schemas {

// A cabin of an aircraft; on the wire "J" (business) or "Y" (economy).
enum class Cabin { kBusiness, kEconomy };
std::string_view CabinName(Cabin c);
// The cabin of a wire name ("J", "Y"); nullopt for any other.
std::optional<Cabin> ParseCabin(std::string_view name);

struct AirAirport {
  std::string code, name, city, state, time_zone;
  double lat = 0, lon = 0;
  std::int64_t min_connection_minutes = 0;
};

struct AirMap {
  std::vector<AirAirport> airports;
};

struct AirlineInfo {
  std::string id, name, designator, currency;
  std::vector<std::string> hubs;
};

struct AirFareClass {
  std::string code, name;
  Cabin cabin = Cabin::kEconomy;
  bool refundable = false;
};

struct AirCabinRows {
  Cabin cabin = Cabin::kEconomy;
  std::int64_t first_row = 0, last_row = 0;
  std::string letters;
};

struct AirAircraft {
  std::string type;
  std::int64_t seats = 0;
  std::vector<AirCabinRows> cabins;
};

struct AirFare {
  std::string fare_class;
  double price = 0;
};

struct AirFlight {
  std::string number, from, to, departs, arrives, aircraft;  // times "HH:MM", local
  std::vector<std::int64_t> days;                            // 1 = Monday
  std::int64_t arrives_day_offset = 0, block_minutes = 0;
  double km = 0;
  std::vector<AirFare> fares;
};

struct AirlineTimetable {
  AirlineInfo info;
  std::vector<AirFareClass> fare_classes;
  std::vector<AirAircraft> aircraft;
  std::vector<AirFlight> flights;
};

// A passenger's question (air.plan.request) and the airline's answer
// (air.plan.result): itineraries over one or more airlines.
enum class AirPrefer { kEarliestArrival, kCheapest, kFewestLegs };
std::string_view AirPreferName(AirPrefer p);  // "earliest", "cheapest", "fewest_legs"
std::optional<AirPrefer> ParseAirPrefer(std::string_view name);

struct AirPlanRequest {
  std::string request_id;
  std::string from, to;  // IATA codes
  Time depart_after = 0;
  Cabin cabin = Cabin::kEconomy;
  std::string fare_class = "E";  // priced in this class where a leg sells it
  std::int64_t passengers = 1;
  std::int64_t alternatives = 3;
  AirPrefer prefer = AirPrefer::kEarliestArrival;
};

struct AirPlanLeg {
  std::string leg_id, airline, flight, from, to, aircraft, fare_class;
  Time departs_at = 0, arrives_at = 0;
  double price = 0;  // per passenger
  std::int64_t seats_left = 0;
};

struct AirItinerary {
  Time departs_at = 0, arrives_at = 0;
  double price = 0;  // per passenger, every leg
  std::string currency = "BRL";
  std::vector<AirPlanLeg> legs;
};

struct AirPlanResult {
  std::string request_id;
  std::vector<AirItinerary> itineraries;
};

template <>
Result<AirPlanRequest> Decode<AirPlanRequest>(std::string_view);
template <>
Result<AirPlanResult> Decode<AirPlanResult>(std::string_view);
std::string Encode(const AirPlanRequest& m);
std::string Encode(const AirPlanResult& m);

// Seats on legs (air.reserve.request -> air.reservation): one seat per
// passenger on every leg, of the leg's fare class's cabin, any free ones or
// the named `seats` (then one per passenger). Confirm, cancel, get and list
// take the charging profile's requests (confirm.request...), answered with
// air.reservation and air.reservation.list.
struct AirReserveLeg {
  std::string leg_id, fare_class;
  std::vector<std::string> seats;  // empty: any free seats of the cabin
};

struct AirReserveRequest {
  std::string request_id;
  std::vector<AirReserveLeg> legs;
  std::int64_t passengers = 1;
  bool hold_only = false;
};

struct AirBookedLeg {
  std::string leg_id, airline, flight, from, to, fare_class;
  Time departs_at = 0, arrives_at = 0;
  Cabin cabin = Cabin::kEconomy;
  std::vector<std::string> seats;
  double price = 0;  // per passenger
};

struct AirReservation {
  std::string reservation_id, request_id, passenger;
  ReservationStatus status = ReservationStatus::kHeld;
  Time created_at = 0;
  std::optional<Time> expires_at;  // a hold's
  std::int64_t passengers = 1;
  double price = 0;  // every passenger, every leg
  std::string currency = "BRL";
  std::vector<AirBookedLeg> legs;
};

struct AirReservationList {
  std::string request_id;
  std::vector<AirReservation> reservations;
};

// An itinerary across airlines is one saga, coordinated by the passenger's
// home airline: each airline gets its legs in air.saga.request and answers
// air.saga.ack (to that and to the generic saga.commit and saga.compensate).
struct AirSagaRequest {
  std::string saga_id, reservation_id, passenger;
  std::int64_t passengers = 1;
  Time hold_ttl_s = 0;
  std::vector<AirReserveLeg> legs;
};

struct AirSagaAck {
  std::string saga_id;
  SagaPhase phase = SagaPhase::kRequest;
  bool ok = false;
  std::optional<Errc> code;  // when !ok
  std::string detail;
  std::optional<Time> expires_at;  // request phase, ok
  std::vector<AirBookedLeg> legs;  // request phase, ok: the seats held
};

template <>
Result<AirSagaRequest> Decode<AirSagaRequest>(std::string_view);
template <>
Result<AirSagaAck> Decode<AirSagaAck>(std::string_view);
std::string Encode(const AirSagaRequest& m);
std::string Encode(const AirSagaAck& m);

template <>
Result<AirReserveRequest> Decode<AirReserveRequest>(std::string_view);
template <>
Result<AirReservation> Decode<AirReservation>(std::string_view);
template <>
Result<AirReservationList> Decode<AirReservationList>(std::string_view);
std::string Encode(const AirReserveRequest& m);
std::string Encode(const AirReservation& m);
std::string Encode(const AirReservationList& m);

template <>
Result<AirMap> Decode<AirMap>(std::string_view);
template <>
Result<AirlineTimetable> Decode<AirlineTimetable>(std::string_view);

// Minutes after midnight of "HH:MM"; invalid_request when it is not one.
[[nodiscard]] Result<int> ParseClock(std::string_view hh_mm);

}  // namespace tripmesh::schemas
