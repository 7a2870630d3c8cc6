#include "tripmesh/schemas/encode.h"

#include <ostream>
#include <utility>

#include "json_writer.h"

namespace tripmesh::schemas {
namespace {

using internal::JsonWriter;
using internal::OptionalRequestId;
using internal::Typed;

using internal::kMoney;

constexpr int kSoc = 4, kKm = 1, kKwh = 3, kCoord = 5;

void WriteTariff(JsonWriter& w, std::string_view key, const Tariff& t) {
  w.BeginObject(key).Num("price_per_kwh", t.price_per_kwh, kMoney);
  if (t.price_per_hour) w.Num("price_per_hour", *t.price_per_hour, kMoney);
  w.Str("currency", t.currency).End();
}

void WritePoint(JsonWriter& w, const Point& p) {
  w.BeginObject()
      .Str("id", p.id)
      .Num("max_power_kw", p.max_power_kw, 1)
      .Str("power_type", p.power_type)
      .Str("connector", p.connector);
  if (p.tariff) WriteTariff(w, "tariff", *p.tariff);
  w.End();
}

void WriteErrorBody(JsonWriter& w, const Error& e) {
  w.Str("code", ErrcName(e.code)).Str("message", e.message);
  if (!e.field.empty()) w.Str("field", e.field);
}

void WriteVehicle(JsonWriter& w, const VehicleSpec& v) {
  w.BeginObject("vehicle")
      .Num("battery_kwh", v.battery_kwh, kKwh)
      .Num("consumption_kwh_per_km", v.consumption_kwh_per_km, 4)
      .Num("soc", v.soc, kSoc)
      .Num("min_soc", v.min_soc, kSoc);
  if (v.max_charge_kw) w.Num("max_charge_kw", *v.max_charge_kw, 1);
  if (!v.connectors.empty()) {
    w.BeginArray("connectors");
    for (const auto& c : v.connectors) w.Str(c);
    w.EndArray();
  }
  w.End();
}

void WritePlanRequestFields(JsonWriter& w, const PlanRequest& m) {
  w.Str("from", m.from).Str("to", m.to);
  if (m.depart_at) w.Time("depart_at", *m.depart_at);
  WriteVehicle(w, m.vehicle);
  w.Str("prefer", m.prefer == Prefer::kCheapest ? "cheapest" : "fastest")
      .Int("alternatives", m.alternatives);
}

void WriteReservationFields(JsonWriter& w, const Reservation& m) {
  w.Str("reservation_id", m.reservation_id)
      .Str("vehicle", m.vehicle)
      .Str("status", ReservationStatusName(m.status));
  w.BeginArray("items");
  for (const auto& i : m.items) {
    w.BeginObject()
        .Str("company", i.company)
        .Str("station", i.station)
        .Str("city", i.city)
        .Str("point", i.point)
        .Time("start_at", i.start_at)
        .Time("end_at", i.end_at)
        .Num("kwh", i.kwh, kKwh)
        .Num("cost", i.cost, kMoney);
    if (i.checked_in_at) w.Time("checked_in_at", *i.checked_in_at);
    if (i.lost_at) w.Time("lost_at", *i.lost_at).Str("lost_reason", i.lost_reason);
    w.End();
  }
  w.EndArray().Num("cost", m.cost, kMoney).Str("currency", m.currency);
  if (m.created_at) w.Time("created_at", m.created_at);
  if (m.expires_at) w.Time("expires_at", *m.expires_at);
  if (m.error) {
    w.BeginObject("error");
    WriteErrorBody(w, *m.error);
    w.End();
  }
}

}  // namespace

std::string Encode(const CompanyInfo& m) {
  auto w = Typed("company.info");
  w.Str("company", m.company).Str("name", m.name).Str("state", m.state).Int("stations", m.stations);
  return w.End().Take();
}

std::string Encode(const CompanyStatus& m) {
  auto w = Typed("company.status");
  w.Str("company", m.company).Bool("online", m.online).Time("timestamp", m.timestamp);
  if (!m.host.empty()) w.Str("host", m.host);
  if (m.pid > 0) w.Int("pid", m.pid);
  if (m.started_at > 0) w.Time("started_at", m.started_at);
  if (!m.time_zone.empty()) w.Str("time_zone", m.time_zone);
  if (!m.reason.empty()) w.Str("reason", m.reason);
  return w.End().Take();
}

std::string Encode(const Station& m) {
  auto w = Typed("station");
  w.Str("company", m.company).Str("id", m.id);
  if (!m.name.empty()) w.Str("name", m.name);
  w.Str("city", m.city)
      .BeginObject("coordinates")
      .Num("lat", m.lat, kCoord)
      .Num("lon", m.lon, kCoord)
      .End()
      .Str("time_zone", m.time_zone);
  WriteTariff(w, "tariff", m.tariff);
  w.BeginArray("points");
  for (const auto& p : m.points) WritePoint(w, p);
  w.EndArray();
  if (!m.tariff_changes.empty()) {
    w.BeginArray("tariff_changes");
    for (const auto& c : m.tariff_changes) {
      w.BeginObject().Time("valid_from", c.valid_from);
      if (!c.point.empty()) w.Str("point", c.point);
      WriteTariff(w, "tariff", c.tariff);
      w.End();
    }
    w.EndArray();
  }
  return w.End().Take();
}

std::string Encode(const StationAvailability& m) {
  auto w = Typed("station.availability");
  w.Str("company", m.company).Str("station", m.station).Time("timestamp", m.timestamp);
  w.BeginArray("points");
  for (const auto& p : m.points) {
    w.BeginObject().Str("point", p.point).Str("status", p.status);
    if (p.next_free_at) w.Time("next_free_at", *p.next_free_at);
    w.End();
  }
  return w.EndArray().End().Take();
}

namespace {

std::string_view SlotKindName(SlotKind k) {
  switch (k) {
    case SlotKind::kHold:
      return "hold";
    case SlotKind::kBooking:
      return "booking";
    case SlotKind::kOutage:
      return "out_of_service";
  }
  return "booking";
}

}  // namespace

std::string Encode(const StationSchedule& m) {
  auto w = Typed("station.schedule");
  w.Str("company", m.company)
      .Str("station", m.station)
      .Time("timestamp", m.timestamp)
      .Time("from", m.from)
      .Time("to", m.to);
  w.BeginArray("points");
  for (const auto& p : m.points) {
    w.BeginObject().Str("point", p.point).BeginArray("taken");
    for (const auto& t : p.taken) {
      w.BeginObject()
          .Time("start_at", t.start_at)
          .Time("end_at", t.end_at)
          .Str("kind", SlotKindName(t.kind))
          .End();
    }
    w.EndArray().End();
  }
  return w.EndArray().End().Take();
}

std::string Encode(const Map& m) {
  auto w = Typed("map");
  w.BeginArray("cities");
  for (const auto& c : m.cities) {
    w.BeginObject().Str("id", c.id).Str("name", c.name).Str("state", c.state);
    w.Num("lat", c.lat, kCoord).Num("lon", c.lon, kCoord).Str("time_zone", c.time_zone);
    w.Int("population", c.population).End();
  }
  w.EndArray().BeginArray("roads");
  for (const auto& r : m.roads) {
    w.BeginObject().Str("a", r.a).Str("b", r.b);
    if (!r.highway.empty()) w.Str("highway", r.highway);
    w.Num("km", r.km, kKm).End();
  }
  return w.EndArray().End().Take();
}

std::string Encode(const PlanRequest& m) {
  auto w = Typed("plan.request");
  OptionalRequestId(w, m.request_id);
  WritePlanRequestFields(w, m);
  return w.End().Take();
}

std::string Encode(const ReserveRequest& m) {
  auto w = Typed("reserve.request");
  OptionalRequestId(w, m.request_id);
  if (m.plan) {
    w.BeginObject("plan");
    WritePlanRequestFields(w, *m.plan);
    w.End();
  } else {
    w.Str("plan_id", m.plan_id);
  }
  w.Bool("hold_only", m.hold_only);
  return w.End().Take();
}

std::string EncodeRef(const ReservationRef& m, std::string_view op) {
  auto w = Typed(std::string(op) + ".request");
  OptionalRequestId(w, m.request_id);
  w.Str("reservation_id", m.reservation_id);
  return w.End().Take();
}

std::string Encode(const CheckinRequest& m) {
  auto w = Typed("checkin.request");
  OptionalRequestId(w, m.request_id);
  w.Str("reservation_id", m.reservation_id).Str("station", m.station);
  return w.End().Take();
}

std::string Encode(const ListRequest& m) {
  auto w = Typed("list.request");
  OptionalRequestId(w, m.request_id);
  if (!m.for_request_id.empty()) w.Str("for_request_id", m.for_request_id);
  return w.End().Take();
}

std::string Encode(const AvailabilityRequest& m) {
  auto w = Typed("availability.request");
  OptionalRequestId(w, m.request_id);
  w.BeginArray("stations");
  for (const auto& s : m.stations) w.Str(s);
  w.EndArray().Time("from", m.from).Time("to", m.to);
  return w.End().Take();
}

std::string Encode(const PlanResult& m) {
  auto w = Typed("plan.result");
  OptionalRequestId(w, m.request_id);
  w.BeginArray("plans");
  for (const auto& p : m.plans) {
    w.BeginObject()
        .Str("plan_id", p.plan_id)
        .Num("total_km", p.total_km, kKm)
        .Int("total_duration_s", p.total_duration_s)
        .Int("drive_s", p.drive_s)
        .Int("charge_s", p.charge_s)
        .Int("wait_s", p.wait_s)
        .Num("cost", p.cost, kMoney)
        .Str("currency", p.currency)
        .Num("arrival_soc", p.arrival_soc, kSoc)
        .Time("depart_at", p.depart_at)
        .Time("arrive_at", p.arrive_at)
        .BeginArray("route");
    for (const auto& c : p.route) w.Str(c);
    w.EndArray().BeginArray("stops");
    for (const auto& s : p.stops) {
      w.BeginObject()
          .Str("company", s.company)
          .Str("station", s.station)
          .Str("city", s.city)
          .Str("point", s.point)
          .Time("arrive_at", s.arrive_at)
          .Time("start_at", s.start_at)
          .Time("end_at", s.end_at)
          .Num("soc_in", s.soc_in, kSoc)
          .Num("soc_out", s.soc_out, kSoc)
          .Num("kwh", s.kwh, kKwh)
          .Num("cost", s.cost, kMoney)
          .Num("odometer_km", s.odometer_km, kKm)
          .End();
    }
    w.EndArray().End();
  }
  w.EndArray();
  if (!m.not_consulted.empty()) {
    w.BeginArray("not_consulted");
    for (const auto& c : m.not_consulted) w.Str(c);
    w.EndArray();
  }
  return w.End().Take();
}

std::string Encode(const Reservation& m) {
  auto w = Typed("reservation");
  OptionalRequestId(w, m.request_id);
  WriteReservationFields(w, m);
  return w.End().Take();
}

std::string Encode(const ReservationList& m) {
  auto w = Typed("reservation.list");
  OptionalRequestId(w, m.request_id);
  w.Str("vehicle", m.vehicle).BeginArray("reservations");
  for (const auto& r : m.reservations) {
    w.BeginObject().Str("type", "reservation");
    WriteReservationFields(w, r);
    w.End();
  }
  return w.EndArray().End().Take();
}

std::string Encode(const AvailabilityResult& m) {
  auto w = Typed("availability.result");
  OptionalRequestId(w, m.request_id);
  w.Str("company", m.company).Time("from", m.from).Time("to", m.to).BeginArray("points");
  for (const auto& p : m.points) {
    w.BeginObject().Str("station", p.station).Str("point", p.point).BeginArray("free");
    for (const auto& f : p.free) w.BeginObject().Time("start", f.start).Time("end", f.end).End();
    w.EndArray().End();
  }
  return w.EndArray().End().Take();
}

std::string Encode(const ErrorReply& m) {
  auto w = Typed("error");
  OptionalRequestId(w, m.request_id);
  WriteErrorBody(w, m.error);
  return w.End().Take();
}

std::string Encode(const Event& m) {
  auto w = Typed("event." + m.kind);
  w.Str("company", m.company);
  if (!m.reservation_id.empty()) w.Str("reservation_id", m.reservation_id);
  if (!m.vehicle.empty()) w.Str("vehicle", m.vehicle);
  if (!m.status.empty()) w.Str("status", m.status);
  w.Time("timestamp", m.timestamp);
  if (!m.detail.empty()) w.Str("detail", m.detail);
  return w.End().Take();
}

std::string Encode(const VehicleTelemetry& m) {
  auto w = Typed("vehicle.telemetry");
  w.Str("vehicle", m.vehicle)
      .Str("city", m.city)
      .Num("soc", m.soc, kSoc)
      .Str("state", m.state)
      .Time("timestamp", m.timestamp);
  return w.End().Take();
}

std::string Encode(const CompanyMetrics& m) {
  auto w = Typed("company.metrics");
  w.Str("company", m.company).Time("timestamp", m.timestamp).BeginObject("counters");
  for (const auto& [k, v] : m.counters) w.Int(k, v);
  w.End()
      .Num("latency_p50_ms", m.latency_p50_ms, 3)
      .Num("latency_p99_ms", m.latency_p99_ms, 3)
      .Int("queue_depth", m.queue_depth);
  return w.End().Take();
}

namespace {
constexpr std::pair<ReservationStatus, std::string_view> kStatusNames[] = {
    {ReservationStatus::kHeld, "held"},           {ReservationStatus::kConfirmed, "confirmed"},
    {ReservationStatus::kFulfilled, "fulfilled"}, {ReservationStatus::kNoShow, "no_show"},
    {ReservationStatus::kExpired, "expired"},     {ReservationStatus::kCancelled, "cancelled"},
    {ReservationStatus::kFailed, "failed"},
};
}  // namespace

std::string_view ReservationStatusName(ReservationStatus s) {
  for (const auto& [status, name] : kStatusNames) {
    if (status == s) return name;
  }
  return "failed";
}

std::optional<ReservationStatus> ParseReservationStatus(std::string_view name) {
  for (const auto& [status, known] : kStatusNames) {
    if (known == name) return status;
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, ReservationStatus s) {
  return os << ReservationStatusName(s);
}

namespace {
constexpr std::pair<PointStatus, std::string_view> kPointStatusNames[] = {
    {PointStatus::kAvailable, "AVAILABLE"},     {PointStatus::kOutOfOrder, "OUTOFORDER"},
    {PointStatus::kInoperative, "INOPERATIVE"}, {PointStatus::kBlocked, "BLOCKED"},
    {PointStatus::kPlanned, "PLANNED"},         {PointStatus::kRemoved, "REMOVED"},
};
}  // namespace

std::string_view PointStatusName(PointStatus s) {
  for (const auto& [status, name] : kPointStatusNames) {
    if (status == s) return name;
  }
  return "INOPERATIVE";
}

std::optional<PointStatus> ParsePointStatus(std::string_view name) {
  if (name == "OUT_OF_ORDER") return PointStatus::kOutOfOrder;
  for (const auto& [status, known] : kPointStatusNames) {
    if (known == name) return status;
  }
  return std::nullopt;
}

std::string Encode(const PointStatusRequest& m) {
  auto w = Typed("set_point_status.request");
  if (!m.request_id.empty()) w.Str("request_id", m.request_id);
  w.Str("station", m.station).Str("point", m.point).Str("status", PointStatusName(m.status));
  if (m.until) w.Time("until", *m.until);
  if (!m.reason.empty()) w.Str("reason", m.reason);
  return w.End().Take();
}

namespace {
void WriteChanges(internal::JsonWriter& w, const char* key, const std::vector<StopChange>& list) {
  w.BeginArray(key);
  for (const auto& c : list) {
    w.BeginObject()
        .Str("reservation_id", c.reservation_id)
        .Str("vehicle", c.vehicle)
        .Str("station", c.station)
        .Str("from_point", c.from_point);
    if (!c.to_point.empty()) w.Str("to_point", c.to_point);
    w.Time("start_at", c.start_at).Time("end_at", c.end_at).End();
  }
  w.EndArray();
}
}  // namespace

std::string Encode(const AdminResult& m) {
  auto w = Typed("admin.result");
  if (!m.request_id.empty()) w.Str("request_id", m.request_id);
  w.Str("company", m.company).Str("op", m.op).Str("station", m.station);
  if (!m.point.empty()) w.Str("point", m.point);
  if (!m.point.empty()) w.Str("status", PointStatusName(m.status));
  if (m.until) w.Time("until", *m.until);
  if (m.valid_from) w.Time("valid_from", *m.valid_from);
  WriteChanges(w, "moved", m.moved);
  WriteChanges(w, "lost", m.lost);
  return w.End().Take();
}

namespace {
constexpr std::pair<CatalogueOp, std::string_view> kCatalogueOpNames[] = {
    {CatalogueOp::kAddStation, "add_station"},
    {CatalogueOp::kUpdateStation, "update_station"},
    {CatalogueOp::kRemoveStation, "remove_station"},
    {CatalogueOp::kAddPoint, "add_point"},
    {CatalogueOp::kUpdatePoint, "update_point"},
    {CatalogueOp::kRemovePoint, "remove_point"},
    {CatalogueOp::kSetTariff, "set_tariff"}};

}  // namespace

std::optional<CatalogueOp> ParseCatalogueOp(std::string_view name) {
  for (const auto& [op, known] : kCatalogueOpNames) {
    if (known == name) return op;
  }
  return std::nullopt;
}

std::string_view CatalogueOpName(CatalogueOp op) {
  for (const auto& [known, name] : kCatalogueOpNames) {
    if (known == op) return name;
  }
  return "unknown";
}

std::string Encode(CatalogueOp op, const CatalogueChange& m) {
  auto w = Typed(std::string(CatalogueOpName(op)) + ".request");
  if (!m.request_id.empty()) w.Str("request_id", m.request_id);
  w.Str("station", m.station);
  if (!m.point.empty()) w.Str("point", m.point);
  if (m.name) w.Str("name", *m.name);
  if (m.city) w.Str("city", *m.city);
  if (m.lat && m.lon) {
    w.BeginObject("coordinates").Num("lat", *m.lat, kCoord).Num("lon", *m.lon, kCoord).End();
  }
  if (m.time_zone) w.Str("time_zone", *m.time_zone);
  if (op == CatalogueOp::kAddStation) {
    w.BeginArray("points");
    for (const auto& p : m.points) WritePoint(w, p);
    w.EndArray();
  }
  if (m.max_power_kw) w.Num("max_power_kw", *m.max_power_kw, 1);
  if (m.power_type) w.Str("power_type", *m.power_type);
  if (m.connector) w.Str("connector", *m.connector);
  if (m.tariff) WriteTariff(w, "tariff", *m.tariff);
  if (m.valid_from) w.Time("valid_from", *m.valid_from);
  if (!m.reason.empty()) w.Str("reason", m.reason);
  return w.End().Take();
}

std::string Encode(const SagaChanged& m) {
  auto w = Typed("saga.changed");
  w.Str("saga_id", m.saga_id).Str("change_id", m.change_id);
  WriteChanges(w, "changes", m.changes);
  if (!m.reason.empty()) w.Str("reason", m.reason);
  return w.End().Take();
}

std::string Encode(const VehicleNotice& m) {
  auto w = Typed("vehicle.notice");
  w.Str("company", m.company)
      .Str("vehicle", m.vehicle)
      .Str("reservation_id", m.reservation_id)
      .Str("kind", "stop_lost")
      .Str("station", m.station)
      .Str("point", m.point)
      .Time("start_at", m.start_at)
      .Time("end_at", m.end_at)
      .Str("message", m.message)
      .Time("timestamp", m.timestamp);
  return w.End().Take();
}

std::string_view SagaPhaseName(SagaPhase p) {
  switch (p) {
    case SagaPhase::kRequest:
      return "request";
    case SagaPhase::kCommit:
      return "commit";
    case SagaPhase::kCompensate:
      return "compensate";
    case SagaPhase::kChanged:
      return "changed";
  }
  return "request";
}

std::string Encode(const SagaRequest& m) {
  auto w = Typed("saga.request");
  w.Str("saga_id", m.saga_id)
      .Str("reservation_id", m.reservation_id)
      .Str("vehicle", m.vehicle)
      .BeginArray("items");
  for (const auto& i : m.items) {
    w.BeginObject().Str("station", i.station);
    if (!i.point.empty()) w.Str("point", i.point);
    w.Time("start_at", i.start_at).Time("end_at", i.end_at).Num("kwh", i.kwh, kKwh).End();
  }
  w.EndArray().Int("hold_ttl_s", m.hold_ttl_s);
  return w.End().Take();
}

std::string Encode(const SagaAck& m) {
  auto w = Typed("saga.ack");
  w.Str("saga_id", m.saga_id).Str("phase", SagaPhaseName(m.phase)).Bool("ok", m.ok);
  if (!m.holds.empty()) {
    w.BeginArray("holds");
    for (const auto& h : m.holds) {
      w.BeginObject()
          .Str("hold_id", h.hold_id)
          .Str("station", h.station)
          .Str("point", h.point)
          .Time("start_at", h.start_at)
          .Time("end_at", h.end_at)
          .Num("price", h.price, kMoney)
          .End();
    }
    w.EndArray();
  }
  if (m.expires_at) w.Time("expires_at", *m.expires_at);
  if (m.code) w.Str("code", ErrcName(*m.code));
  if (!m.detail.empty()) w.Str("detail", m.detail);
  if (!m.change_id.empty()) w.Str("change_id", m.change_id);
  return w.End().Take();
}

std::string Encode(const SagaCommit& m) {
  auto w = Typed("saga.commit");
  w.Str("saga_id", m.saga_id);
  return w.End().Take();
}

std::string Encode(const SagaCompensate& m) {
  auto w = Typed("saga.compensate");
  w.Str("saga_id", m.saga_id);
  if (!m.reason.empty()) w.Str("reason", m.reason);
  return w.End().Take();
}

std::string StampRequest(std::string payload, std::string_view request_id,
                         std::optional<Time> deadline) {
  if (payload.empty() || payload.front() != '{') return payload;
  JsonWriter w;
  w.Begin();
  if (!request_id.empty() && payload.find("\"request_id\"") == std::string::npos) {
    w.Str("request_id", request_id);
  }
  if (deadline) w.Time("deadline", *deadline);
  std::string fields = w.End().Take();  // "{...}"
  if (fields.size() <= 2) return payload;
  fields.pop_back();  // keep "{" and the fields, drop "}"
  bool empty_object = payload.find_first_not_of(" \t\r\n", 1) == payload.find('}');
  return fields + (empty_object ? "" : ",") + payload.substr(1);
}

}  // namespace tripmesh::schemas
