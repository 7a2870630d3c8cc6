// The air profile's load: reserve requests for itineraries planned ahead
// (not timed), spread over many days' flights so that a closed loop measures
// the selling, not a sold-out flight.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/vehicle/vehicle_client.h"

namespace tripmesh::bench {

struct AirPool {
  std::string home;                   // the passengers' home airline
  std::vector<std::string> payloads;  // air.reserve.request, one itinerary each
  std::atomic<std::size_t> next{0};
  const std::string& Next() { return payloads[next.fetch_add(1) % payloads.size()]; }
};

bool IsAirKind(const std::string& kind);  // air-one, air-three
// Itineraries of `kind` for the next `days` days: air-one Recife to Fortaleza
// on Jangada alone, air-three Belém to Natal on Tucano, Sabiá and Jangada.
std::shared_ptr<AirPool> PlanAirPool(const std::string& broker, const std::string& kind, int days);
// One reserve (the timed call): how many airlines the confirmed itinerary
// spans, or why it was not confirmed.
Result<int> ReserveAir(vehicle::VehicleClient& client, const std::string& payload);

}  // namespace tripmesh::bench
