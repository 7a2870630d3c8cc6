#include "json_writer.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::schemas {

using internal::JsonWriter;
using internal::kMoney;
using internal::OptionalRequestId;
using internal::Typed;

std::string Encode(const AirPlanRequest& m) {
  auto w = Typed("air.plan.request");
  OptionalRequestId(w, m.request_id);
  w.Str("from", m.from).Str("to", m.to).Time("depart_after", m.depart_after);
  w.Str("cabin", CabinName(m.cabin)).Str("fare_class", m.fare_class);
  w.Int("passengers", m.passengers).Int("alternatives", m.alternatives);
  return w.Str("prefer", AirPreferName(m.prefer)).End().Take();
}

std::string Encode(const AirPlanResult& m) {
  auto w = Typed("air.plan.result");
  OptionalRequestId(w, m.request_id);
  w.BeginArray("itineraries");
  for (const auto& it : m.itineraries) {
    w.BeginObject().Time("departs_at", it.departs_at).Time("arrives_at", it.arrives_at);
    w.Num("price", it.price, kMoney).Str("currency", it.currency).BeginArray("legs");
    for (const auto& l : it.legs) {
      w.BeginObject().Str("leg_id", l.leg_id).Str("airline", l.airline).Str("flight", l.flight);
      w.Str("from", l.from).Str("to", l.to);
      w.Time("departs_at", l.departs_at).Time("arrives_at", l.arrives_at);
      w.Str("aircraft", l.aircraft).Str("fare_class", l.fare_class);
      w.Num("price", l.price, kMoney).Int("seats_left", l.seats_left).End();
    }
    w.EndArray().End();
  }
  return w.EndArray().End().Take();
}

namespace {

void WriteBookedLeg(JsonWriter& w, const AirBookedLeg& l) {
  w.Str("leg_id", l.leg_id).Str("airline", l.airline).Str("flight", l.flight);
  w.Str("from", l.from).Str("to", l.to);
  w.Time("departs_at", l.departs_at).Time("arrives_at", l.arrives_at);
  w.Str("cabin", CabinName(l.cabin)).Str("fare_class", l.fare_class).BeginArray("seats");
  for (const auto& seat : l.seats) w.Str(seat);
  w.EndArray().Num("price", l.price, kMoney);
}

void WriteReservation(JsonWriter& w, const AirReservation& r) {
  w.Str("reservation_id", r.reservation_id);
  if (!r.request_id.empty()) w.Str("request_id", r.request_id);
  w.Str("passenger", r.passenger).Str("status", ReservationStatusName(r.status));
  w.Time("created_at", r.created_at);
  if (r.expires_at) w.Time("expires_at", *r.expires_at);
  w.Int("passengers", r.passengers).Num("price", r.price, kMoney).Str("currency", r.currency);
  w.BeginArray("legs");
  for (const auto& l : r.legs) {
    w.BeginObject();
    WriteBookedLeg(w, l);
    w.End();
  }
  w.EndArray();
}

void WriteReserveLeg(JsonWriter& w, const AirReserveLeg& l) {
  w.BeginObject().Str("leg_id", l.leg_id).Str("fare_class", l.fare_class);
  if (!l.seats.empty()) {
    w.BeginArray("seats");
    for (const auto& seat : l.seats) w.Str(seat);
    w.EndArray();
  }
  w.End();
}

}  // namespace

std::string Encode(const AirReserveRequest& m) {
  auto w = Typed("air.reserve.request");
  OptionalRequestId(w, m.request_id);
  w.Int("passengers", m.passengers).Bool("hold_only", m.hold_only).BeginArray("legs");
  for (const auto& l : m.legs) WriteReserveLeg(w, l);
  return w.EndArray().End().Take();
}

std::string Encode(const AirReservation& m) {
  auto w = Typed("air.reservation");
  WriteReservation(w, m);
  return w.End().Take();
}

std::string Encode(const AirReservationList& m) {
  auto w = Typed("air.reservation.list");
  OptionalRequestId(w, m.request_id);
  w.BeginArray("reservations");
  for (const auto& r : m.reservations) {
    w.BeginObject();
    WriteReservation(w, r);
    w.End();
  }
  return w.EndArray().End().Take();
}

std::string Encode(const AirSagaRequest& m) {
  auto w = Typed("air.saga.request");
  w.Str("saga_id", m.saga_id).Str("reservation_id", m.reservation_id);
  w.Str("passenger", m.passenger).Int("passengers", m.passengers);
  w.Int("hold_ttl_s", m.hold_ttl_s).BeginArray("legs");
  for (const auto& l : m.legs) WriteReserveLeg(w, l);
  return w.EndArray().End().Take();
}

std::string Encode(const AirSagaAck& m) {
  auto w = Typed("air.saga.ack");
  w.Str("saga_id", m.saga_id).Str("phase", SagaPhaseName(m.phase)).Bool("ok", m.ok);
  if (m.code) w.Str("code", ErrcName(*m.code));
  if (!m.detail.empty()) w.Str("detail", m.detail);
  if (m.expires_at) w.Time("expires_at", *m.expires_at);
  if (!m.legs.empty()) {
    w.BeginArray("legs");
    for (const auto& l : m.legs) {
      w.BeginObject();
      WriteBookedLeg(w, l);
      w.End();
    }
    w.EndArray();
  }
  return w.End().Take();
}

}  // namespace tripmesh::schemas
