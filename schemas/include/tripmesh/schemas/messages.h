// Plain structs of every tripmesh message (PROTOCOL.md). Each payload on the
// wire is one JSON object whose "type" names its schema in schemas/*.schema.json.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"

namespace tripmesh::schemas {

// ---- catalogue and map (retained topics and data/ files) ----
struct Tariff {
  double price_per_kwh = 0;
  std::optional<double> price_per_hour;
  std::string currency = "BRL";
};

struct Point {
  std::string id;
  double max_power_kw = 0;
  std::string power_type;        // "AC" | "DC"
  std::string connector;         // OCPI ConnectorType, e.g. IEC_62196_T2_COMBO
  std::optional<Tariff> tariff;  // overrides the station's tariff for this point
};

// A price an operator set ahead of time: from valid_from on it replaces the
// station's tariff (point empty) or that point's.
struct TariffChange {
  Time valid_from = 0;
  std::string point;
  Tariff tariff;
};

struct Station {
  std::string company, id, name, city;
  double lat = 0, lon = 0;
  std::string time_zone;
  Tariff tariff;
  std::vector<Point> points;
  std::vector<TariffChange> tariff_changes;  // by valid_from, all in the future when set
};

struct CompanyInfo {
  std::string company, name, state;
  int stations = 0;
};

struct Catalogue {  // data/companies/<c>.json
  CompanyInfo info;
  std::vector<Station> stations;
};

struct CompanyStatus {
  std::string company;
  bool online = false;
  Time timestamp = 0;
  // Which agent process this is about (empty/0 when unknown): its host, pid
  // and when it started serving.
  std::string host;
  std::int64_t pid = 0;
  Time started_at = 0;
  std::string time_zone;  // the company's own, for showing these times
  // Offline only: "stopped" (the agent said goodbye at `timestamp`) or
  // "connection_lost" (its Last Will, written when it connected).
  std::string reason;
};

struct PointAvailability {
  std::string point;
  std::string status;  // OCPI: AVAILABLE, RESERVED, CHARGING, OUTOFORDER, INOPERATIVE
  std::optional<Time> next_free_at;
};

struct StationAvailability {
  std::string company, station;
  Time timestamp = 0;
  std::vector<PointAvailability> points;
};

// The bookings of a station's points in a window of time: what the live map's
// timeline draws (companies/{c}/stations/{s}/schedule). Slots are clipped to
// the window.
enum class SlotKind { kHold, kBooking, kOutage };
struct TakenSlot {
  Time start_at = 0, end_at = 0;
  SlotKind kind = SlotKind::kBooking;
};
struct PointSchedule {
  std::string point;
  std::vector<TakenSlot> taken;
};
struct StationSchedule {
  std::string company, station;
  Time timestamp = 0, from = 0, to = 0;
  std::vector<PointSchedule> points;
};

struct MapCity {
  std::string id, name, state;
  double lat = 0, lon = 0;
  std::string time_zone;
  std::int64_t population = 0;
};

struct MapRoad {
  std::string a, b, highway;
  double km = 0;
};

struct Map {  // data/map.json
  std::vector<MapCity> cities;
  std::vector<MapRoad> roads;
};

// ---- vehicle requests ----
struct VehicleSpec {
  double battery_kwh = 0;
  double consumption_kwh_per_km = 0;
  double soc = 0;
  double min_soc = 0.10;
  std::optional<double> max_charge_kw;
  std::vector<std::string> connectors;  // empty: any connector
};

enum class Prefer { kFastest, kCheapest };

struct PlanRequest {
  std::string request_id;
  std::string from, to;
  std::optional<Time> depart_at;
  VehicleSpec vehicle;
  Prefer prefer = Prefer::kFastest;
  int alternatives = 3;
};

struct ReserveRequest {
  std::string request_id;
  std::string plan_id;              // either a plan_id ...
  std::optional<PlanRequest> plan;  // ... or an inline plan request
  bool hold_only = false;
};

struct CheckinRequest {  // a vehicle arrived at one stop of its reservation
  std::string request_id;
  std::string reservation_id;
  std::string station;
};

struct ReservationRef {  // confirm, cancel, get
  std::string request_id;
  std::string reservation_id;
};

struct ListRequest {
  std::string request_id;
  // Only the reservation an earlier reserve with this request_id made (if any).
  std::string for_request_id;
};

struct AvailabilityRequest {
  std::string request_id;
  std::vector<std::string> stations;
  Time from = 0, to = 0;
};

// ---- replies ----
struct Stop {
  std::string company, station, city, point;
  Time arrive_at = 0, start_at = 0, end_at = 0;
  double soc_in = 0, soc_out = 0, kwh = 0, cost = 0;
  double odometer_km = 0;  // km driven from departure to this stop
};

struct Plan {
  std::string plan_id;
  double total_km = 0;
  std::int64_t total_duration_s = 0, drive_s = 0, charge_s = 0, wait_s = 0;
  double cost = 0;
  std::string currency = "BRL";
  double arrival_soc = 0;
  Time depart_at = 0, arrive_at = 0;
  std::vector<std::string> route;
  std::vector<Stop> stops;
};

struct PlanResult {
  std::string request_id;
  std::vector<Plan> plans;
  // Companies whose stations the plans could use but which did not answer in
  // time: their stations were left out, so the plans are partial.
  std::vector<std::string> not_consulted;
};

struct ReservationItem {
  std::string company, station, city, point;
  Time start_at = 0, end_at = 0;
  double kwh = 0, cost = 0;
  std::optional<Time> checked_in_at = std::nullopt;  // the vehicle arrived at this stop
  // The stop's point broke and no other point of the station was free: the
  // stop is no longer booked, and its vehicle was told (vehicle.notice).
  std::optional<Time> lost_at = std::nullopt;
  std::string lost_reason;
};

// A reservation's status; the wire carries its name (schemas/reservation.json).
enum class ReservationStatus {
  kHeld,
  kConfirmed,
  kFulfilled,
  kNoShow,
  kExpired,
  kCancelled,
  kFailed
};
std::string_view ReservationStatusName(ReservationStatus s);
std::optional<ReservationStatus> ParseReservationStatus(std::string_view name);
std::ostream& operator<<(std::ostream& os, ReservationStatus s);  // its name

struct Reservation {
  std::string request_id;
  std::string reservation_id;
  std::string vehicle;
  ReservationStatus status = ReservationStatus::kHeld;
  std::vector<ReservationItem> items;
  double cost = 0;
  std::string currency = "BRL";
  Time created_at = 0;
  std::optional<Time> expires_at;  // for held
  std::optional<Error> error;      // for failed
};

struct ReservationList {
  std::string request_id;
  std::string vehicle;
  std::vector<Reservation> reservations;
};

struct FreeInterval {
  Time start = 0, end = 0;
};

struct PointFree {
  std::string station, point;
  std::vector<FreeInterval> free;
};

struct AvailabilityResult {
  std::string request_id;
  std::string company;
  Time from = 0, to = 0;
  std::vector<PointFree> points;
};

struct ErrorReply {
  std::string request_id;
  Error error;
};

// ---- saga (companies/{to}/saga/{from}/{kind}) ----
struct SagaItem {
  std::string station, point;  // point empty: any free point of the station
  Time start_at = 0, end_at = 0;
  double kwh = 0;
};

struct SagaRequest {
  std::string saga_id, reservation_id, vehicle;
  std::vector<SagaItem> items;
  Time hold_ttl_s = 0;
};

struct SagaHold {
  std::string hold_id, station, point;
  Time start_at = 0, end_at = 0;
  double price = 0;
};

// kChanged: the coordinator took a participant's saga.changed (durably).
enum class SagaPhase { kRequest, kCommit, kCompensate, kChanged };
std::string_view SagaPhaseName(SagaPhase p);

struct SagaAck {
  std::string saga_id;
  SagaPhase phase = SagaPhase::kRequest;
  bool ok = false;
  std::vector<SagaHold> holds;     // request phase, ok
  std::optional<Time> expires_at;  // request phase, ok
  std::optional<Errc> code;        // when !ok
  std::string detail;
  std::string change_id;  // changed phase: the saga.changed taken
};

struct SagaCommit {
  std::string saga_id;
};

struct SagaCompensate {
  std::string saga_id;
  std::string reason;
};

// ---- events, telemetry, metrics ----
struct Event {
  std::string company;
  std::string kind;  // reservation.held, reservation.confirmed, ...
  std::string reservation_id, vehicle, status;
  Time timestamp = 0;
  std::string detail;
};

struct VehicleTelemetry {
  std::string vehicle;
  std::string city;  // the city it is at or last passed
  double soc = 0;
  std::string state;  // parked | driving | charging | waiting
  Time timestamp = 0;
};

struct CompanyMetrics {
  std::string company;
  Time timestamp = 0;
  std::map<std::string, std::int64_t> counters;
  double latency_p50_ms = 0, latency_p99_ms = 0;
  std::int64_t queue_depth = 0;
};

// ---- admin: an operator's changes to the company's network ----
// A point's OCPI EVSE status as its operator sets it. OCPI spells "out of
// order" OUTOFORDER; OUT_OF_ORDER is read as the same.
enum class PointStatus { kAvailable, kOutOfOrder, kInoperative, kBlocked, kPlanned, kRemoved };
std::string_view PointStatusName(PointStatus s);
std::optional<PointStatus> ParsePointStatus(std::string_view name);

// admin op set_point_status: the point is in `status` from now until `until`
// (absent: until further notice); AVAILABLE puts it back in service.
struct PointStatusRequest {
  std::string request_id;
  std::string station, point;
  PointStatus status = PointStatus::kAvailable;
  std::optional<Time> until;
  std::string reason;  // for the log and the vehicles' notices
};

// The admin ops that change a company's catalogue, each with its own
// request schema (<op>.request) over one struct of the fields they take.
enum class CatalogueOp {
  kAddStation,
  kUpdateStation,
  kRemoveStation,
  kAddPoint,
  kUpdatePoint,
  kRemovePoint,
  kSetTariff
};
std::string_view CatalogueOpName(CatalogueOp op);  // "add_station", ...
std::optional<CatalogueOp> ParseCatalogueOp(std::string_view name);
inline constexpr CatalogueOp kCatalogueOps[] = {
    CatalogueOp::kAddStation, CatalogueOp::kUpdateStation, CatalogueOp::kRemoveStation,
    CatalogueOp::kAddPoint,   CatalogueOp::kUpdatePoint,   CatalogueOp::kRemovePoint,
    CatalogueOp::kSetTariff};

struct CatalogueChange {
  std::string request_id;
  std::string station;  // its id (every op)
  std::string point;    // its id (point ops; set_tariff: empty for the station's tariff)
  // add_station (all but name required) and update_station (any of them):
  std::optional<std::string> name, city, time_zone;
  std::optional<double> lat, lon;  // "coordinates": {lat, lon}
  std::vector<Point> points;       // add_station: its first points (may be none)
  // add_point (all required) and update_point (any of them):
  std::optional<double> max_power_kw;
  std::optional<std::string> power_type, connector;
  // add_station, add_point (optional) and set_tariff (required):
  std::optional<Tariff> tariff;
  std::optional<Time> valid_from;  // set_tariff: absent means now
  std::string reason;              // remove_*: for the log and the vehicles' notices
};

// What a change did to one stop of a reservation (or of a saga's part).
struct StopChange {
  std::string reservation_id, vehicle, station;
  std::string from_point, to_point;  // to_point empty: the stop was lost
  Time start_at = 0, end_at = 0;
};

struct AdminResult {
  std::string request_id;
  std::string company, op;
  std::string station, point;
  PointStatus status = PointStatus::kAvailable;  // the point's status now
  std::optional<Time> until;
  std::optional<Time> valid_from;  // set_tariff: when the price applies
  std::vector<StopChange> moved, lost;
};

// saga.changed (participant -> coordinator): stops of the saga's part that
// moved to another point (to_point set) or were lost, because their point
// went out of service at the participant.
struct SagaChanged {
  std::string saga_id;
  std::string change_id;  // the participant resends it until the coordinator acks this id
  std::vector<StopChange> changes;
  std::string reason;
};

// vehicles/{v}/events: something a company changed that the vehicle must act on.
enum class NoticeKind { kStopLost };
struct VehicleNotice {
  std::string company, vehicle, reservation_id;
  NoticeKind kind = NoticeKind::kStopLost;
  std::string station, point;
  Time start_at = 0, end_at = 0;
  std::string message;  // what happened and what to do
  Time timestamp = 0;
};

}  // namespace tripmesh::schemas
