#include "tripmesh/schemas/decode.h"

#include <limits>

#include "json_fields.h"

namespace tripmesh::schemas {
namespace {

using internal::Fields;
using internal::kIdLen;
using internal::kOptional;
using internal::kRequired;
using internal::Need;
using internal::Nested;
using internal::Read;
using internal::ReadObject;

constexpr double kHuge = 1e12;

void ReadTariff(Fields& f, Tariff& t) {
  f.Num("price_per_kwh", t.price_per_kwh, kRequired, 0, 1000);
  f.Num("price_per_hour", t.price_per_hour, 0, 10000);
  f.Str("currency", t.currency, kRequired, 3);
}

constexpr std::size_t kMaxPoints = 64;
constexpr std::size_t kMaxTariffChanges = 32;

void ReadPowerType(Fields& f, std::string& out, Need need) {
  if (f.Str("power_type", out, need, 2) && out != "AC" && out != "DC") {
    f.Fail("power_type", "expected AC or DC");
  }
}

void ReadPoint(Fields& p, Point& pt) {
  p.Str("id", pt.id, kRequired, 32);
  p.Num("max_power_kw", pt.max_power_kw, kRequired, 1, 1000);
  ReadPowerType(p, pt.power_type, kRequired);
  p.Str("connector", pt.connector, kRequired, 40);
  Nested(p, "tariff", kOptional, [&](Fields& t) { ReadTariff(t, pt.tariff.emplace()); });
}

void ReadStation(Fields& f, Station& s) {
  f.Type("station", kOptional);
  f.Str("company", s.company, kRequired, 32);
  f.Str("id", s.id, kRequired, 64);
  f.Str("name", s.name, kOptional, 128);
  f.Str("city", s.city, kRequired, 64);
  Nested(f, "coordinates", kRequired, [&](Fields& c) {
    c.Num("lat", s.lat, kRequired, -90, 90);
    c.Num("lon", s.lon, kRequired, -180, 180);
  });
  f.Str("time_zone", s.time_zone, kRequired, 64);
  Nested(f, "tariff", kRequired, [&](Fields& t) { ReadTariff(t, s.tariff); });
  f.Objects("points", kRequired, kMaxPoints,
            [&](Fields& p) { ReadPoint(p, s.points.emplace_back()); });
  f.Objects("tariff_changes", kOptional, kMaxTariffChanges, [&](Fields& c) {
    TariffChange& tc = s.tariff_changes.emplace_back();
    c.TimeField("valid_from", tc.valid_from, kRequired);
    c.Str("point", tc.point, kOptional, 32);
    Nested(c, "tariff", kRequired, [&](Fields& t) { ReadTariff(t, tc.tariff); });
  });
}

void ReadInfo(Fields& f, CompanyInfo& i) {
  f.Type("company.info", kOptional);
  f.Str("company", i.company, kRequired, 32);
  f.Str("name", i.name, kRequired, 128);
  f.Str("state", i.state, kRequired, 2);
  std::int64_t n = 0;
  f.Int("stations", n, kRequired, 0, 1000000);
  i.stations = static_cast<int>(n);
}

void ReadVehicle(Fields& f, VehicleSpec& v) {
  f.Num("battery_kwh", v.battery_kwh, kRequired, 1, 1000);
  f.Num("consumption_kwh_per_km", v.consumption_kwh_per_km, kRequired, 0.01, 5);
  f.Num("soc", v.soc, kRequired, 0, 1);
  f.Num("min_soc", v.min_soc, kOptional, 0, 0.9);
  f.Num("max_charge_kw", v.max_charge_kw, 1, 1000);
  f.StrArray("connectors", v.connectors, kOptional, 16, 40);
}

void ReadPlanRequest(Fields& f, PlanRequest& r, bool typed) {
  if (typed) f.Type("plan.request", kOptional);
  f.Str("request_id", r.request_id, kOptional, kIdLen);
  f.Str("from", r.from, kRequired, 64);
  f.Str("to", r.to, kRequired, 64);
  f.TimeField("depart_at", r.depart_at);
  Nested(f, "vehicle", kRequired, [&](Fields& v) { ReadVehicle(v, r.vehicle); });
  std::string prefer;
  if (f.Str("prefer", prefer, kOptional, 16)) {
    if (prefer == "fastest") {
      r.prefer = Prefer::kFastest;
    } else if (prefer == "cheapest") {
      r.prefer = Prefer::kCheapest;
    } else {
      f.Fail("prefer", "expected \"fastest\" or \"cheapest\"");
    }
  }
  std::int64_t alternatives = r.alternatives;
  f.Int("alternatives", alternatives, kOptional, 1, 10);
  r.alternatives = static_cast<int>(alternatives);
}

void ReadStop(Fields& f, Stop& s) {
  f.Str("company", s.company, kRequired, 32);
  f.Str("station", s.station, kRequired, 64);
  f.Str("city", s.city, kRequired, 64);
  f.Str("point", s.point, kRequired, 32);
  f.TimeField("arrive_at", s.arrive_at, kRequired);
  f.TimeField("start_at", s.start_at, kRequired);
  f.TimeField("end_at", s.end_at, kRequired);
  f.Num("soc_in", s.soc_in, kRequired, 0, 1);
  f.Num("soc_out", s.soc_out, kRequired, 0, 1);
  f.Num("kwh", s.kwh, kRequired, 0, kHuge);
  f.Num("cost", s.cost, kRequired, 0, kHuge);
  f.Num("odometer_km", s.odometer_km, kOptional, 0, kHuge);
}

void ReadItem(Fields& f, ReservationItem& i) {
  f.Str("company", i.company, kRequired, 32);
  f.Str("station", i.station, kRequired, 64);
  f.Str("city", i.city, kRequired, 64);
  f.Str("point", i.point, kRequired, 32);
  f.TimeField("start_at", i.start_at, kRequired);
  f.TimeField("end_at", i.end_at, kRequired);
  f.Num("kwh", i.kwh, kRequired, 0, kHuge);
  f.Num("cost", i.cost, kRequired, 0, kHuge);
  f.TimeField("checked_in_at", i.checked_in_at);
  f.TimeField("lost_at", i.lost_at);
  f.Str("lost_reason", i.lost_reason, kOptional, 512);
}

void ReadErrorBody(Fields& f, Error& e) {
  std::string code;
  f.Str("code", code, kRequired, 32);
  if (f.ok() && !ParseErrc(code, e.code)) f.Fail("code", "unknown error code " + code);
  f.Str("message", e.message, kOptional, 4096);
  f.Str("field", e.field, kOptional, 256);
}

void ReadReservation(Fields& f, Reservation& r) {
  f.Type("reservation", kOptional);
  f.Str("request_id", r.request_id, kOptional, kIdLen);
  f.Str("reservation_id", r.reservation_id, kRequired, kIdLen);
  f.Str("vehicle", r.vehicle, kRequired, 64);
  std::string status;
  if (f.Str("status", status, kRequired, 16)) {
    if (auto known = ParseReservationStatus(status)) {
      r.status = *known;
    } else {
      f.Fail("status",
             "expected held, confirmed, fulfilled, no_show, expired, cancelled or failed");
    }
  }
  f.Objects("items", kRequired, 64, [&](Fields& i) { ReadItem(i, r.items.emplace_back()); });
  f.Num("cost", r.cost, kOptional, 0, kHuge);
  f.Str("currency", r.currency, kOptional, 3);
  f.TimeField("created_at", r.created_at, kOptional);
  f.TimeField("expires_at", r.expires_at);
  Nested(f, "error", kOptional, [&](Fields& e) { ReadErrorBody(e, r.error.emplace()); });
}

}  // namespace

template <>
Result<Station> Decode<Station>(std::string_view json) {
  return Read<Station>(json, ReadStation);
}

template <>
Result<CompanyInfo> Decode<CompanyInfo>(std::string_view json) {
  return Read<CompanyInfo>(json, ReadInfo);
}

template <>
Result<Catalogue> Decode<Catalogue>(std::string_view json) {
  return Read<Catalogue>(json, [](Fields& f, Catalogue& c) {
    f.Type("company.catalogue", kRequired);
    Nested(f, "info", kRequired, [&](Fields& i) { ReadInfo(i, c.info); });
    f.Objects("stations", kRequired, 100000,
              [&](Fields& s) { ReadStation(s, c.stations.emplace_back()); });
  });
}

template <>
Result<Map> Decode<Map>(std::string_view json) {
  return Read<Map>(json, [](Fields& f, Map& m) {
    f.Type("map", kRequired);
    f.Objects("cities", kRequired, 1000000, [&](Fields& c) {
      MapCity& city = m.cities.emplace_back();
      c.Str("id", city.id, kRequired, 64);
      c.Str("name", city.name, kRequired, 128);
      c.Str("state", city.state, kRequired, 2);
      c.Num("lat", city.lat, kRequired, -90, 90);
      c.Num("lon", city.lon, kRequired, -180, 180);
      c.Str("time_zone", city.time_zone, kRequired, 64);
      c.Int("population", city.population, kOptional, 0, 100000000000);
    });
    f.Objects("roads", kRequired, 10000000, [&](Fields& r) {
      MapRoad& road = m.roads.emplace_back();
      r.Str("a", road.a, kRequired, 64);
      r.Str("b", road.b, kRequired, 64);
      r.Str("highway", road.highway, kOptional, 32);
      r.Num("km", road.km, kRequired, 0.1, 100000);
    });
  });
}

template <>
Result<CompanyStatus> Decode<CompanyStatus>(std::string_view json) {
  return Read<CompanyStatus>(json, [](Fields& f, CompanyStatus& s) {
    f.Type("company.status", kOptional);
    f.Str("company", s.company, kRequired, 32);
    f.Bool("online", s.online, kRequired);
    f.TimeField("timestamp", s.timestamp, kRequired);
    f.Str("host", s.host, kOptional, 255);
    f.Int("pid", s.pid, kOptional, 1, std::numeric_limits<std::int32_t>::max());
    f.TimeField("started_at", s.started_at, kOptional);
    f.Str("time_zone", s.time_zone, kOptional, 64);
    f.Str("reason", s.reason, kOptional, 32);
  });
}

template <>
Result<CompanyMetrics> Decode<CompanyMetrics>(std::string_view json) {
  return Read<CompanyMetrics>(json, [](Fields& f, CompanyMetrics& m) {
    f.Type("company.metrics", kOptional);
    f.Str("company", m.company, kRequired, 32);
    f.TimeField("timestamp", m.timestamp, kRequired);
    simdjson::dom::object counters;
    if (f.Object("counters", counters, kRequired)) {
      for (auto [key, value] : counters) {
        std::int64_t n = 0;
        if (value.get_int64().get(n) != simdjson::SUCCESS) {
          f.Fail("counters", "counter " + std::string(key) + " is not an integer");
          break;
        }
        if (m.counters.size() >= 1000) {
          f.Fail("counters", "more than 1000 counters");
          break;
        }
        m.counters[std::string(key)] = n;
      }
    }
    f.Num("latency_p50_ms", m.latency_p50_ms, kOptional, 0, 1e9);
    f.Num("latency_p99_ms", m.latency_p99_ms, kOptional, 0, 1e9);
    f.Int("queue_depth", m.queue_depth, kOptional, 0, std::numeric_limits<std::int64_t>::max());
  });
}

template <>
Result<StationAvailability> Decode<StationAvailability>(std::string_view json) {
  return Read<StationAvailability>(json, [](Fields& f, StationAvailability& a) {
    f.Type("station.availability", kOptional);
    f.Str("company", a.company, kRequired, 32);
    f.Str("station", a.station, kRequired, 64);
    f.TimeField("timestamp", a.timestamp, kRequired);
    f.Objects("points", kRequired, 64, [&](Fields& p) {
      PointAvailability& pa = a.points.emplace_back();
      p.Str("point", pa.point, kRequired, 32);
      p.Str("status", pa.status, kRequired, 16);
      p.TimeField("next_free_at", pa.next_free_at);
    });
  });
}

template <>
Result<PlanRequest> Decode<PlanRequest>(std::string_view json) {
  return Read<PlanRequest>(json, [](Fields& f, PlanRequest& r) { ReadPlanRequest(f, r, true); });
}

template <>
Result<ReserveRequest> Decode<ReserveRequest>(std::string_view json) {
  return Read<ReserveRequest>(json, [](Fields& f, ReserveRequest& r) {
    f.Type("reserve.request", kOptional);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    bool has_id = f.Str("plan_id", r.plan_id, kOptional, kIdLen);
    Nested(f, "plan", kOptional, [&](Fields& p) { ReadPlanRequest(p, r.plan.emplace(), false); });
    if (f.ok() && has_id == r.plan.has_value())
      f.Fail("plan_id", "give exactly one of plan_id and plan");
    f.Bool("hold_only", r.hold_only, kOptional);
  });
}

template <>
Result<ReservationRef> Decode<ReservationRef>(std::string_view json) {
  return Read<ReservationRef>(json, [](Fields& f, ReservationRef& r) {
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.Str("reservation_id", r.reservation_id, kRequired, kIdLen);
  });
}

template <>
Result<CheckinRequest> Decode<CheckinRequest>(std::string_view json) {
  return Read<CheckinRequest>(json, [](Fields& f, CheckinRequest& r) {
    f.Type("checkin.request", kOptional);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.Str("reservation_id", r.reservation_id, kRequired, kIdLen);
    f.Str("station", r.station, kRequired, 64);
  });
}

template <>
Result<ListRequest> Decode<ListRequest>(std::string_view json) {
  return Read<ListRequest>(json, [](Fields& f, ListRequest& r) {
    f.Type("list.request", kOptional);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.Str("for_request_id", r.for_request_id, kOptional, kIdLen);
  });
}

template <>
Result<AvailabilityRequest> Decode<AvailabilityRequest>(std::string_view json) {
  return Read<AvailabilityRequest>(json, [](Fields& f, AvailabilityRequest& r) {
    f.Type("availability.request", kOptional);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.StrArray("stations", r.stations, kRequired, 10000, 64);
    f.TimeField("from", r.from, kRequired);
    f.TimeField("to", r.to, kRequired);
    if (f.ok() && (r.to <= r.from || r.to - r.from > 7 * kDayS)) {
      f.Fail("to", "expected a window after 'from' of at most 7 days");
    }
  });
}

template <>
Result<PlanResult> Decode<PlanResult>(std::string_view json) {
  return Read<PlanResult>(json, [](Fields& f, PlanResult& r) {
    f.Type("plan.result", kRequired);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.Objects("plans", kRequired, 10, [&](Fields& p) {
      Plan& plan = r.plans.emplace_back();
      p.Str("plan_id", plan.plan_id, kRequired, kIdLen);
      p.Num("total_km", plan.total_km, kRequired, 0, kHuge);
      p.Int("total_duration_s", plan.total_duration_s, kRequired, 0, INT64_MAX);
      p.Int("drive_s", plan.drive_s, kRequired, 0, INT64_MAX);
      p.Int("charge_s", plan.charge_s, kRequired, 0, INT64_MAX);
      p.Int("wait_s", plan.wait_s, kRequired, 0, INT64_MAX);
      p.Num("cost", plan.cost, kRequired, 0, kHuge);
      p.Str("currency", plan.currency, kRequired, 3);
      p.Num("arrival_soc", plan.arrival_soc, kRequired, 0, 1);
      p.TimeField("depart_at", plan.depart_at, kRequired);
      p.TimeField("arrive_at", plan.arrive_at, kRequired);
      p.StrArray("route", plan.route, kRequired, 100000, 64);
      p.Objects("stops", kRequired, 1000,
                [&](Fields& s) { ReadStop(s, plan.stops.emplace_back()); });
    });
    f.StrArray("not_consulted", r.not_consulted, kOptional, 64, 32);
  });
}

template <>
Result<Reservation> Decode<Reservation>(std::string_view json) {
  return Read<Reservation>(json, ReadReservation);
}

template <>
Result<ReservationList> Decode<ReservationList>(std::string_view json) {
  return Read<ReservationList>(json, [](Fields& f, ReservationList& l) {
    f.Type("reservation.list", kRequired);
    f.Str("request_id", l.request_id, kOptional, kIdLen);
    f.Str("vehicle", l.vehicle, kRequired, 64);
    f.Objects("reservations", kRequired, 100000,
              [&](Fields& r) { ReadReservation(r, l.reservations.emplace_back()); });
  });
}

template <>
Result<AvailabilityResult> Decode<AvailabilityResult>(std::string_view json) {
  return Read<AvailabilityResult>(json, [](Fields& f, AvailabilityResult& a) {
    f.Type("availability.result", kRequired);
    f.Str("request_id", a.request_id, kOptional, kIdLen);
    f.Str("company", a.company, kRequired, 32);
    f.TimeField("from", a.from, kRequired);
    f.TimeField("to", a.to, kRequired);
    f.Objects("points", kRequired, 100000, [&](Fields& p) {
      PointFree& pf = a.points.emplace_back();
      p.Str("station", pf.station, kRequired, 64);
      p.Str("point", pf.point, kRequired, 32);
      p.Objects("free", kRequired, 100000, [&](Fields& i) {
        FreeInterval& fi = pf.free.emplace_back();
        i.TimeField("start", fi.start, kRequired);
        i.TimeField("end", fi.end, kRequired);
      });
    });
  });
}

template <>
Result<ErrorReply> Decode<ErrorReply>(std::string_view json) {
  return Read<ErrorReply>(json, [](Fields& f, ErrorReply& e) {
    f.Type("error", kRequired);
    f.Str("request_id", e.request_id, kOptional, kIdLen);
    ReadErrorBody(f, e.error);
  });
}

template <>
Result<Event> Decode<Event>(std::string_view json) {
  return Read<Event>(json, [](Fields& f, Event& e) {
    f.Str("type", e.kind, kRequired, 64);
    if (f.ok() && e.kind.rfind("event.", 0) != 0) f.Fail("type", "expected event.<kind>");
    if (f.ok()) e.kind = e.kind.substr(6);
    f.Str("company", e.company, kRequired, 32);
    f.Str("reservation_id", e.reservation_id, kOptional, kIdLen);
    f.Str("vehicle", e.vehicle, kOptional, 64);
    f.Str("status", e.status, kOptional, 64);
    f.TimeField("timestamp", e.timestamp, kRequired);
    f.Str("detail", e.detail, kOptional, 4096);
  });
}

template <>
Result<PointStatusRequest> Decode<PointStatusRequest>(std::string_view json) {
  return Read<PointStatusRequest>(json, [](Fields& f, PointStatusRequest& r) {
    f.Type("set_point_status.request", kOptional);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.Str("station", r.station, kRequired, 64);
    f.Str("point", r.point, kRequired, 32);
    std::string status;
    f.Str("status", status, kRequired, 16);
    if (f.ok()) {
      if (auto s = ParsePointStatus(status)) {
        r.status = *s;
      } else {
        f.Fail("status", "unknown status " + status +
                             " (AVAILABLE, OUTOFORDER, INOPERATIVE, BLOCKED, PLANNED or REMOVED)");
      }
    }
    f.TimeField("until", r.until);
    f.Str("reason", r.reason, kOptional, 200);
  });
}

namespace {

template <typename T>
bool Optional(Fields& f, Need need, std::optional<T>& out,
              const std::function<bool(Fields&, T&, Need)>& read) {
  T value{};
  if (!read(f, value, need)) return false;
  out = std::move(value);
  return true;
}

bool OptionalStr(Fields& f, std::string_view key, Need need, std::optional<std::string>& out,
                 std::size_t max_len) {
  return Optional<std::string>(
      f, need, out, [&](Fields& g, std::string& v, Need n) { return g.Str(key, v, n, max_len); });
}

// The station's own fields of add_station (required but its name) and
// update_station (any, at least one).
void ReadStationFields(Fields& f, CatalogueChange& c, Need need) {
  OptionalStr(f, "name", kOptional, c.name, 128);
  OptionalStr(f, "city", need, c.city, 64);
  OptionalStr(f, "time_zone", kOptional, c.time_zone, 64);  // default: the city's
  Nested(f, "coordinates", need, [&](Fields& g) {
    double lat = 0, lon = 0;
    g.Num("lat", lat, kRequired, -90, 90);
    g.Num("lon", lon, kRequired, -180, 180);
    c.lat = lat;
    c.lon = lon;
  });
}

void ReadPointFields(Fields& f, CatalogueChange& c, Need need) {
  Optional<double>(f, need, c.max_power_kw, [](Fields& g, double& v, Need n) {
    return g.Num("max_power_kw", v, n, 1, 1000);
  });
  Optional<std::string>(f, need, c.power_type, [](Fields& g, std::string& v, Need n) {
    ReadPowerType(g, v, n);
    return !v.empty();
  });
  OptionalStr(f, "connector", need, c.connector, 40);
}

void ReadCatalogueChange(Fields& f, CatalogueOp op, CatalogueChange& c) {
  f.Type(std::string(CatalogueOpName(op)) + ".request", kOptional);
  f.Str("request_id", c.request_id, kOptional, kIdLen);
  f.Str("station", c.station, kRequired, 64);
  bool point_op = op == CatalogueOp::kAddPoint || op == CatalogueOp::kUpdatePoint ||
                  op == CatalogueOp::kRemovePoint;
  f.Str("point", c.point, point_op ? kRequired : kOptional, 32);
  switch (op) {
    case CatalogueOp::kAddStation:
      ReadStationFields(f, c, kRequired);
      Nested(f, "tariff", kRequired, [&](Fields& t) { ReadTariff(t, c.tariff.emplace()); });
      f.Objects("points", kOptional, kMaxPoints,
                [&](Fields& p) { ReadPoint(p, c.points.emplace_back()); });
      break;
    case CatalogueOp::kUpdateStation:
      ReadStationFields(f, c, kOptional);
      if (f.ok() && !c.name && !c.city && !c.time_zone && !c.lat) {
        f.Fail("name", "nothing to change: give name, city, coordinates or time_zone");
      }
      break;
    case CatalogueOp::kAddPoint:
      ReadPointFields(f, c, kRequired);
      Nested(f, "tariff", kOptional, [&](Fields& t) { ReadTariff(t, c.tariff.emplace()); });
      break;
    case CatalogueOp::kUpdatePoint:
      ReadPointFields(f, c, kOptional);
      if (f.ok() && !c.max_power_kw && !c.power_type && !c.connector) {
        f.Fail("max_power_kw", "nothing to change: give max_power_kw, power_type or connector");
      }
      break;
    case CatalogueOp::kSetTariff:
      Nested(f, "tariff", kRequired, [&](Fields& t) { ReadTariff(t, c.tariff.emplace()); });
      f.TimeField("valid_from", c.valid_from);
      break;
    case CatalogueOp::kRemoveStation:
    case CatalogueOp::kRemovePoint:
      f.Str("reason", c.reason, kOptional, 200);
      break;
  }
}

}  // namespace

Result<CatalogueChange> DecodeCatalogueChange(CatalogueOp op, std::string_view json) {
  return Read<CatalogueChange>(
      json, [op](Fields& f, CatalogueChange& c) { ReadCatalogueChange(f, op, c); });
}

namespace {
void ReadChanges(Fields& f, const char* key, std::vector<StopChange>& out) {
  f.Objects(key, kRequired, 100000, [&](Fields& c) {
    StopChange& s = out.emplace_back();
    c.Str("reservation_id", s.reservation_id, kRequired, kIdLen);
    c.Str("vehicle", s.vehicle, kRequired, 64);
    c.Str("station", s.station, kRequired, 64);
    c.Str("from_point", s.from_point, kRequired, 32);
    c.Str("to_point", s.to_point, kOptional, 32);
    c.TimeField("start_at", s.start_at, kRequired);
    c.TimeField("end_at", s.end_at, kRequired);
  });
}
}  // namespace

template <>
Result<AdminResult> Decode<AdminResult>(std::string_view json) {
  return Read<AdminResult>(json, [](Fields& f, AdminResult& r) {
    f.Type("admin.result", kOptional);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.Str("company", r.company, kRequired, 32);
    f.Str("op", r.op, kRequired, 64);
    f.Str("station", r.station, kRequired, 64);
    f.Str("point", r.point, kOptional, 32);
    std::string status;
    if (f.Str("status", status, kOptional, 16)) {
      if (auto s = ParsePointStatus(status)) {
        r.status = *s;
      } else {
        f.Fail("status", "unknown status " + status);
      }
    }
    f.TimeField("until", r.until);
    f.TimeField("valid_from", r.valid_from);
    ReadChanges(f, "moved", r.moved);
    ReadChanges(f, "lost", r.lost);
  });
}

template <>
Result<SagaChanged> Decode<SagaChanged>(std::string_view json) {
  return Read<SagaChanged>(json, [](Fields& f, SagaChanged& c) {
    f.Type("saga.changed", kRequired);
    f.Str("saga_id", c.saga_id, kRequired, kIdLen);
    f.Str("change_id", c.change_id, kRequired, 64);
    ReadChanges(f, "changes", c.changes);
    f.Str("reason", c.reason, kOptional, 512);
  });
}

template <>
Result<VehicleNotice> Decode<VehicleNotice>(std::string_view json) {
  return Read<VehicleNotice>(json, [](Fields& f, VehicleNotice& n) {
    f.Type("vehicle.notice", kOptional);
    f.Str("company", n.company, kRequired, 32);
    f.Str("vehicle", n.vehicle, kRequired, 64);
    f.Str("reservation_id", n.reservation_id, kRequired, kIdLen);
    std::string kind;
    f.Str("kind", kind, kRequired, 32);
    if (f.ok() && kind != "stop_lost") f.Fail("kind", "unknown notice kind " + kind);
    f.Str("station", n.station, kRequired, 64);
    f.Str("point", n.point, kRequired, 32);
    f.TimeField("start_at", n.start_at, kRequired);
    f.TimeField("end_at", n.end_at, kRequired);
    f.Str("message", n.message, kRequired, 1024);
    f.TimeField("timestamp", n.timestamp, kRequired);
  });
}

template <>
Result<VehicleTelemetry> Decode<VehicleTelemetry>(std::string_view json) {
  return Read<VehicleTelemetry>(json, [](Fields& f, VehicleTelemetry& t) {
    f.Type("vehicle.telemetry", kOptional);
    f.Str("vehicle", t.vehicle, kRequired, 64);
    f.Str("city", t.city, kRequired, 64);
    f.Num("soc", t.soc, kRequired, 0, 1);
    f.Str("state", t.state, kRequired, 16);
    f.TimeField("timestamp", t.timestamp, kRequired);
  });
}

template <>
Result<SagaRequest> Decode<SagaRequest>(std::string_view json) {
  return Read<SagaRequest>(json, [](Fields& f, SagaRequest& r) {
    f.Type("saga.request", kRequired);
    f.Str("saga_id", r.saga_id, kRequired, kIdLen);
    f.Str("reservation_id", r.reservation_id, kRequired, kIdLen);
    f.Str("vehicle", r.vehicle, kRequired, 64);
    f.Objects("items", kRequired, 64, [&](Fields& i) {
      SagaItem& item = r.items.emplace_back();
      i.Str("station", item.station, kRequired, 64);
      i.Str("point", item.point, kOptional, 32);
      i.TimeField("start_at", item.start_at, kRequired);
      i.TimeField("end_at", item.end_at, kRequired);
      i.Num("kwh", item.kwh, kRequired, 0, kHuge);
      if (i.ok() && item.end_at <= item.start_at)
        i.Fail("end_at", "expected a time after start_at");
    });
    if (f.ok() && r.items.empty()) f.Fail("items", "expected at least one item");
    f.Int("hold_ttl_s", r.hold_ttl_s, kRequired, 1, 86400);
  });
}

template <>
Result<SagaAck> Decode<SagaAck>(std::string_view json) {
  return Read<SagaAck>(json, [](Fields& f, SagaAck& a) {
    f.Type("saga.ack", kRequired);
    f.Str("saga_id", a.saga_id, kRequired, kIdLen);
    std::string phase;
    f.Str("phase", phase, kRequired, 16);
    if (f.ok()) {
      if (phase == "request") {
        a.phase = SagaPhase::kRequest;
      } else if (phase == "commit") {
        a.phase = SagaPhase::kCommit;
      } else if (phase == "compensate") {
        a.phase = SagaPhase::kCompensate;
      } else if (phase == "changed") {
        a.phase = SagaPhase::kChanged;
      } else {
        f.Fail("phase", "expected request, commit, compensate or changed");
      }
    }
    f.Bool("ok", a.ok, kRequired);
    f.Objects("holds", kOptional, 64, [&](Fields& h) {
      SagaHold& hold = a.holds.emplace_back();
      h.Str("hold_id", hold.hold_id, kRequired, kIdLen);
      h.Str("station", hold.station, kRequired, 64);
      h.Str("point", hold.point, kRequired, 32);
      h.TimeField("start_at", hold.start_at, kRequired);
      h.TimeField("end_at", hold.end_at, kRequired);
      h.Num("price", hold.price, kRequired, 0, kHuge);
    });
    f.TimeField("expires_at", a.expires_at);
    std::string code;
    if (f.Str("code", code, kOptional, 32)) {
      Errc c{};
      if (!ParseErrc(code, c)) {
        f.Fail("code", "unknown error code " + code);
      } else {
        a.code = c;
      }
    }
    f.Str("detail", a.detail, kOptional, 4096);
    if (f.ok() && !a.ok && !a.code) f.Fail("code", "required when ok is false");
    f.Str("change_id", a.change_id, kOptional, 64);
  });
}

template <>
Result<SagaCommit> Decode<SagaCommit>(std::string_view json) {
  return Read<SagaCommit>(json, [](Fields& f, SagaCommit& c) {
    f.Type("saga.commit", kRequired);
    f.Str("saga_id", c.saga_id, kRequired, kIdLen);
  });
}

template <>
Result<SagaCompensate> Decode<SagaCompensate>(std::string_view json) {
  return Read<SagaCompensate>(json, [](Fields& f, SagaCompensate& c) {
    f.Type("saga.compensate", kRequired);
    f.Str("saga_id", c.saga_id, kRequired, kIdLen);
    f.Str("reason", c.reason, kOptional, 4096);
  });
}

Result<std::string> PeekType(std::string_view json) {
  std::string type;
  auto st = ReadObject(json, [&](Fields& f) { f.Str("type", type, kOptional, 64); });
  if (!st) return tl::unexpected<Error>(st.error());
  return type;
}

Result<std::string> Minified(std::string_view json) {
  std::string out(json.size(), '\0');
  std::size_t length = 0;
  if (auto err = simdjson::minify(json.data(), json.size(), out.data(), length); err) {
    return Fail(Errc::kInvalidJson, std::string("not JSON: ") + simdjson::error_message(err));
  }
  out.resize(length);
  return out;
}

std::string PeekRequestId(std::string_view json) {
  std::string id;
  (void)ReadObject(json, [&](Fields& f) { f.Str("request_id", id, kOptional, kIdLen); });
  return id;
}

Result<std::optional<Time>> PeekDeadline(std::string_view json) {
  std::optional<Time> deadline;
  auto st = ReadObject(json, [&](Fields& f) { f.TimeField("deadline", deadline); });
  if (!st) return tl::unexpected<Error>(st.error());
  return deadline;
}

}  // namespace tripmesh::schemas
