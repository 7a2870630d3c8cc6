#include <algorithm>

#include "json_fields.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::schemas {
namespace {

using internal::Fields;
using internal::kIdLen;
using internal::kOptional;
using internal::kRequired;
using internal::Nested;
using internal::Read;

constexpr std::size_t kMaxAirports = 10000;
constexpr std::size_t kMaxFlights = 100000;

void AirportCode(Fields& f, std::string_view key, std::string& out) {
  if (f.Str(key, out, kRequired, 3) &&
      (out.size() != 3 ||
       !std::all_of(out.begin(), out.end(), [](char c) { return c >= 'A' && c <= 'Z'; })))
    f.Fail(key, "expected a three-letter IATA code");
}

void ReadCabin(Fields& f, Cabin& out, internal::Need need) {
  std::string code;
  if (!f.Str("cabin", code, need, 1)) return;
  if (auto cabin = ParseCabin(code)) {
    out = *cabin;
  } else {
    f.Fail("cabin", "expected J or Y");
  }
}

void Clock(Fields& f, std::string_view key, std::string& out) {
  if (f.Str(key, out, kRequired, 5) && !ParseClock(out)) f.Fail(key, "expected a time HH:MM");
}

void ReadFlight(Fields& f, AirFlight& fl) {
  f.Str("number", fl.number, kRequired, 6);
  AirportCode(f, "from", fl.from);
  AirportCode(f, "to", fl.to);
  f.IntArray("days", fl.days, kRequired, 7, 1, 7);
  Clock(f, "departs", fl.departs);
  Clock(f, "arrives", fl.arrives);
  f.Int("arrives_day_offset", fl.arrives_day_offset, kRequired, 0, 2);
  f.Int("block_minutes", fl.block_minutes, kRequired, 1, 1440);
  f.Num("km", fl.km, kOptional, 0, 40000);
  f.Str("aircraft", fl.aircraft, kRequired, 8);
  f.Objects("fares", kRequired, 16, [&](Fields& fare) {
    AirFare& a = fl.fares.emplace_back();
    fare.Str("class", a.fare_class, kRequired, 1);
    fare.Num("price", a.price, kRequired, 0.01, 1e7);
  });
}

void ReadAircraft(Fields& f, AirAircraft& a) {
  f.Str("type", a.type, kRequired, 8);
  f.Int("seats", a.seats, kRequired, 1, 2000);
  f.Objects("cabins", kRequired, 4, [&](Fields& c) {
    AirCabinRows& cabin = a.cabins.emplace_back();
    ReadCabin(c, cabin.cabin, kRequired);
    c.Int("first_row", cabin.first_row, kRequired, 1, 99);
    c.Int("last_row", cabin.last_row, kRequired, 1, 99);
    c.Str("letters", cabin.letters, kRequired, 10);
  });
}

void ReadPlanLeg(Fields& f, AirPlanLeg& l) {
  f.Str("leg_id", l.leg_id, kRequired, kIdLen);
  f.Str("airline", l.airline, kRequired, 64);
  f.Str("flight", l.flight, kRequired, 6);
  AirportCode(f, "from", l.from);
  AirportCode(f, "to", l.to);
  f.TimeField("departs_at", l.departs_at, kRequired);
  f.TimeField("arrives_at", l.arrives_at, kRequired);
  f.Str("aircraft", l.aircraft, kRequired, 8);
  f.Str("fare_class", l.fare_class, kRequired, 1);
  f.Num("price", l.price, kRequired, 0, 1e7);
  f.Int("seats_left", l.seats_left, kRequired, 0, 2000);
}

}  // namespace

std::string_view CabinName(Cabin c) { return c == Cabin::kBusiness ? "J" : "Y"; }

std::string_view AirPreferName(AirPrefer p) {
  switch (p) {
    case AirPrefer::kCheapest:
      return "cheapest";
    case AirPrefer::kFewestLegs:
      return "fewest_legs";
    case AirPrefer::kEarliestArrival:
      break;
  }
  return "earliest";
}

std::optional<AirPrefer> ParseAirPrefer(std::string_view name) {
  for (AirPrefer p : {AirPrefer::kEarliestArrival, AirPrefer::kCheapest, AirPrefer::kFewestLegs}) {
    if (AirPreferName(p) == name) return p;
  }
  return std::nullopt;
}

std::optional<Cabin> ParseCabin(std::string_view name) {
  for (Cabin c : {Cabin::kBusiness, Cabin::kEconomy}) {
    if (CabinName(c) == name) return c;
  }
  return std::nullopt;
}

template <>
Result<AirPlanRequest> Decode<AirPlanRequest>(std::string_view json) {
  return Read<AirPlanRequest>(json, [](Fields& f, AirPlanRequest& r) {
    f.Type("air.plan.request", kOptional);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    AirportCode(f, "from", r.from);
    AirportCode(f, "to", r.to);
    f.TimeField("depart_after", r.depart_after, kRequired);
    ReadCabin(f, r.cabin, kOptional);
    f.Str("fare_class", r.fare_class, kOptional, 1);
    f.Int("passengers", r.passengers, kOptional, 1, 9);
    f.Int("alternatives", r.alternatives, kOptional, 1, 10);
    std::string prefer;
    if (f.Str("prefer", prefer, kOptional, 16)) {
      if (auto p = ParseAirPrefer(prefer)) {
        r.prefer = *p;
      } else {
        f.Fail("prefer", "expected \"earliest\", \"cheapest\" or \"fewest_legs\"");
      }
    }
  });
}

template <>
Result<AirPlanResult> Decode<AirPlanResult>(std::string_view json) {
  return Read<AirPlanResult>(json, [](Fields& f, AirPlanResult& r) {
    f.Type("air.plan.result", kRequired);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.Objects("itineraries", kRequired, 10, [&](Fields& i) {
      AirItinerary& it = r.itineraries.emplace_back();
      i.TimeField("departs_at", it.departs_at, kRequired);
      i.TimeField("arrives_at", it.arrives_at, kRequired);
      i.Num("price", it.price, kRequired, 0, 1e8);
      i.Str("currency", it.currency, kRequired, 3);
      i.Objects("legs", kRequired, 16, [&](Fields& l) { ReadPlanLeg(l, it.legs.emplace_back()); });
    });
  });
}

Result<int> ParseClock(std::string_view s) {
  auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (s.size() != 5 || s[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4))
    return Fail(Errc::kInvalidRequest, "expected a time HH:MM");
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return Fail(Errc::kInvalidRequest, "expected a time HH:MM");
  return h * 60 + m;
}

template <>
Result<AirMap> Decode<AirMap>(std::string_view json) {
  return Read<AirMap>(json, [](Fields& f, AirMap& m) {
    f.Type("air.map", kRequired);
    f.Objects("airports", kRequired, kMaxAirports, [&](Fields& a) {
      AirAirport& ap = m.airports.emplace_back();
      AirportCode(a, "code", ap.code);
      a.Str("name", ap.name, kRequired, 256);
      a.Str("city", ap.city, kRequired, 256);
      a.Str("state", ap.state, kRequired, 2);
      a.Num("lat", ap.lat, kRequired, -90, 90);
      a.Num("lon", ap.lon, kRequired, -180, 180);
      a.Str("time_zone", ap.time_zone, kRequired, 64);
      a.Int("min_connection_minutes", ap.min_connection_minutes, kRequired, 0, 600);
    });
  });
}

template <>
Result<AirlineTimetable> Decode<AirlineTimetable>(std::string_view json) {
  return Read<AirlineTimetable>(json, [](Fields& f, AirlineTimetable& t) {
    f.Type("airline.timetable", kRequired);
    Nested(f, "info", kRequired, [&](Fields& i) {
      i.Str("id", t.info.id, kRequired, 64);
      i.Str("name", t.info.name, kRequired, 256);
      i.Str("designator", t.info.designator, kRequired, 2);
      i.StrArray("hubs", t.info.hubs, kRequired, 16, 3);
      i.Str("currency", t.info.currency, kRequired, 3);
    });
    f.Objects("fare_classes", kRequired, 16, [&](Fields& c) {
      AirFareClass& fc = t.fare_classes.emplace_back();
      c.Str("code", fc.code, kRequired, 1);
      ReadCabin(c, fc.cabin, kRequired);
      c.Str("name", fc.name, kRequired, 64);
      c.Bool("refundable", fc.refundable, kRequired);
    });
    f.Objects("aircraft", kRequired, 64,
              [&](Fields& a) { ReadAircraft(a, t.aircraft.emplace_back()); });
    f.Objects("flights", kRequired, kMaxFlights,
              [&](Fields& fl) { ReadFlight(fl, t.flights.emplace_back()); });
  });
}

namespace {

constexpr std::size_t kMaxLegs = 16;
constexpr std::int64_t kMaxPassengers = 9;

void ReadReserveLeg(Fields& f, AirReserveLeg& l) {
  f.Str("leg_id", l.leg_id, kRequired, kIdLen);
  f.Str("fare_class", l.fare_class, kRequired, 1);
  f.StrArray("seats", l.seats, kOptional, kMaxPassengers, 3);
}

// A request names each leg once.
void DistinctLegs(Fields& f, const std::vector<AirReserveLeg>& legs) {
  std::vector<std::string> ids;
  ids.reserve(legs.size());
  for (const auto& l : legs) ids.push_back(l.leg_id);
  std::sort(ids.begin(), ids.end());
  auto twice = std::adjacent_find(ids.begin(), ids.end());
  if (f.ok() && twice != ids.end()) f.Fail("legs", "leg " + twice->substr(0, 40) + " twice");
}

void ReadBookedLeg(Fields& f, AirBookedLeg& l) {
  f.Str("leg_id", l.leg_id, kRequired, kIdLen);
  f.Str("airline", l.airline, kRequired, 64);
  f.Str("flight", l.flight, kRequired, 6);
  AirportCode(f, "from", l.from);
  AirportCode(f, "to", l.to);
  f.TimeField("departs_at", l.departs_at, kRequired);
  f.TimeField("arrives_at", l.arrives_at, kRequired);
  ReadCabin(f, l.cabin, kRequired);
  f.Str("fare_class", l.fare_class, kRequired, 1);
  f.StrArray("seats", l.seats, kRequired, kMaxPassengers, 3);
  f.Num("price", l.price, kRequired, 0, 1e7);
}

void ReadReservation(Fields& f, AirReservation& r) {
  f.Str("reservation_id", r.reservation_id, kRequired, kIdLen);
  f.Str("request_id", r.request_id, kOptional, kIdLen);
  f.Str("passenger", r.passenger, kRequired, kIdLen);
  std::string status;
  if (f.Str("status", status, kRequired, 16)) {
    if (auto s = ParseReservationStatus(status)) {
      r.status = *s;
    } else {
      f.Fail("status", "not a reservation status");
    }
  }
  f.TimeField("created_at", r.created_at, kRequired);
  f.TimeField("expires_at", r.expires_at);
  f.Int("passengers", r.passengers, kRequired, 1, kMaxPassengers);
  f.Num("price", r.price, kRequired, 0, 1e9);
  f.Str("currency", r.currency, kRequired, 3);
  f.Objects("legs", kRequired, kMaxLegs,
            [&](Fields& l) { ReadBookedLeg(l, r.legs.emplace_back()); });
}

}  // namespace

template <>
Result<AirReserveRequest> Decode<AirReserveRequest>(std::string_view json) {
  return Read<AirReserveRequest>(json, [](Fields& f, AirReserveRequest& r) {
    f.Type("air.reserve.request", kOptional);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.Int("passengers", r.passengers, kOptional, 1, kMaxPassengers);
    f.Bool("hold_only", r.hold_only, kOptional);
    f.Objects("legs", kRequired, kMaxLegs,
              [&](Fields& l) { ReadReserveLeg(l, r.legs.emplace_back()); });
    if (f.ok() && r.legs.empty()) f.Fail("legs", "at least one leg");
    DistinctLegs(f, r.legs);
    for (const auto& leg : r.legs) {
      if (f.ok() && !leg.seats.empty() &&
          static_cast<std::int64_t>(leg.seats.size()) != r.passengers)
        f.Fail("seats", "name one seat per passenger on " + leg.leg_id.substr(0, 32) + ", or none");
    }
  });
}

template <>
Result<AirReservation> Decode<AirReservation>(std::string_view json) {
  return Read<AirReservation>(json, [](Fields& f, AirReservation& r) {
    f.Type("air.reservation", kRequired);
    ReadReservation(f, r);
  });
}

template <>
Result<AirReservationList> Decode<AirReservationList>(std::string_view json) {
  return Read<AirReservationList>(json, [](Fields& f, AirReservationList& r) {
    f.Type("air.reservation.list", kRequired);
    f.Str("request_id", r.request_id, kOptional, kIdLen);
    f.Objects("reservations", kRequired, 10000,
              [&](Fields& one) { ReadReservation(one, r.reservations.emplace_back()); });
  });
}

namespace {

void ReadPhase(Fields& f, SagaPhase& out) {
  std::string phase;
  if (!f.Str("phase", phase, kRequired, 16)) return;
  for (SagaPhase p : {SagaPhase::kRequest, SagaPhase::kCommit, SagaPhase::kCompensate}) {
    if (SagaPhaseName(p) == phase) {
      out = p;
      return;
    }
  }
  f.Fail("phase", "expected request, commit or compensate");
}

}  // namespace

template <>
Result<AirSagaRequest> Decode<AirSagaRequest>(std::string_view json) {
  return Read<AirSagaRequest>(json, [](Fields& f, AirSagaRequest& r) {
    f.Type("air.saga.request", kRequired);
    f.Str("saga_id", r.saga_id, kRequired, kIdLen);
    f.Str("reservation_id", r.reservation_id, kRequired, kIdLen);
    f.Str("passenger", r.passenger, kRequired, kIdLen);
    f.Int("passengers", r.passengers, kRequired, 1, kMaxPassengers);
    f.Int("hold_ttl_s", r.hold_ttl_s, kRequired, 1, 86400);
    f.Objects("legs", kRequired, kMaxLegs,
              [&](Fields& l) { ReadReserveLeg(l, r.legs.emplace_back()); });
    if (f.ok() && r.legs.empty()) f.Fail("legs", "at least one leg");
    DistinctLegs(f, r.legs);
  });
}

template <>
Result<AirSagaAck> Decode<AirSagaAck>(std::string_view json) {
  return Read<AirSagaAck>(json, [](Fields& f, AirSagaAck& a) {
    f.Type("air.saga.ack", kRequired);
    f.Str("saga_id", a.saga_id, kRequired, kIdLen);
    ReadPhase(f, a.phase);
    f.Bool("ok", a.ok, kRequired);
    std::string code;
    if (f.Str("code", code, kOptional, 32)) {
      Errc c{};
      if (ParseErrc(code, c)) {
        a.code = c;
      } else {
        f.Fail("code", "unknown error code " + code.substr(0, 32));
      }
    }
    f.Str("detail", a.detail, kOptional, 4096);
    if (f.ok() && !a.ok && !a.code) f.Fail("code", "required when ok is false");
    f.TimeField("expires_at", a.expires_at);
    f.Objects("legs", kOptional, kMaxLegs,
              [&](Fields& l) { ReadBookedLeg(l, a.legs.emplace_back()); });
  });
}

}  // namespace tripmesh::schemas
