#include "json_writer.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::schemas {

using internal::JsonWriter;
using internal::OptionalRequestId;
using internal::Typed;

namespace {
constexpr int kMoney = 2;
}  // namespace

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

}  // namespace tripmesh::schemas
