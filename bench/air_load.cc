#include "air_load.h"

#include <set>

#include "harness.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::bench {

bool IsAirKind(const std::string& kind) { return kind == "air-one" || kind == "air-three"; }

std::shared_ptr<AirPool> PlanAirPool(const std::string& broker, const std::string& kind, int days) {
  bool three = kind == "air-three";
  auto pool = std::make_shared<AirPool>();
  pool->home = three ? "tucano" : "jangada";
  vehicle::VehicleOptions vo;
  vo.id = "bench-planner-" + kind;
  vo.home = pool->home;
  vo.mqtt = ClientOptions(broker);
  vo.timeout = std::chrono::seconds(60);
  auto client = vehicle::VehicleClient::Connect(vo);
  if (!client) Die("passenger: " + client.error().message);
  std::set<std::string> seen;
  Time today = RealNow() / kDayS * kDayS;
  for (int d = 2; d < 2 + days; ++d) {
    schemas::AirPlanRequest q;
    q.from = three ? "BEL" : "REC";
    q.to = three ? "NAT" : "FOR";
    q.depart_after = today + d * kDayS + 9 * kHourS;  // 06:00 at -03
    q.alternatives = 10;
    auto text = vehicle::ResultOf((*client)->Request("plan", schemas::Encode(q)));
    if (!text) Die("air plan: " + text.error().message);
    auto plan = schemas::Decode<schemas::AirPlanResult>(*text);
    if (!plan) Die("air plan: " + plan.error().message);
    for (const auto& it : plan->itineraries) {
      std::set<std::string> airlines;
      schemas::AirReserveRequest r{
          .request_id = "", .legs = {}, .passengers = 1, .hold_only = false};
      std::string key;
      for (const auto& leg : it.legs) {
        airlines.insert(leg.airline);
        r.legs.push_back({.leg_id = leg.leg_id, .fare_class = leg.fare_class, .seats = {}});
        key += leg.leg_id + " ";
      }
      if (airlines.size() != (three ? 3u : 1u) || !seen.insert(key).second) continue;
      pool->payloads.push_back(schemas::Encode(r));
    }
  }
  if (pool->payloads.empty()) Die("no " + kind + " itinerary in the timetables");
  return pool;
}

Result<int> ReserveAir(vehicle::VehicleClient& client, const std::string& payload) {
  auto text = vehicle::ResultOf(client.Request("reserve", payload));
  if (!text) return tl::unexpected<Error>(text.error());
  auto r = schemas::Decode<schemas::AirReservation>(*text);
  if (!r) return tl::unexpected<Error>(r.error());
  if (r->status != schemas::ReservationStatus::kConfirmed)
    return Fail(Errc::kInternal, "not confirmed");
  std::set<std::string> airlines;
  for (const auto& leg : r->legs) airlines.insert(leg.airline);
  return static_cast<int>(airlines.size());
}

}  // namespace tripmesh::bench
