// The map (cities, roads) and the catalogues of every company, checked for
// consistency once when built and read-only afterwards (so any thread may read it).
#pragma once

#include <array>
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::core {

struct Road {
  int to = 0;  // city index
  double km = 0;
  std::string highway;
};

class World {
 public:
  // Move-only: the station index points into the catalogues.
  World(World&&) = default;
  World& operator=(World&&) = default;
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World() = default;

  // Fails with kInvalidRequest naming the first inconsistency: duplicate ids, a
  // road to an unknown city or shorter than the great circle, a station in a
  // city not on the map, duplicate point ids.
  [[nodiscard]] static Result<World> Build(schemas::Map map,
                                           std::vector<schemas::Catalogue> catalogues);

  // This world with company c's catalogue replaced by `c` (or added), checked
  // as Build checks; this one is left as it is.
  [[nodiscard]] Result<World> WithCatalogue(schemas::Catalogue c) const;
  const schemas::Map& map() const { return map_; }

  int CityIndex(std::string_view id) const;  // -1 when unknown
  const schemas::MapCity& city(int index) const { return cities_[index]; }
  int city_count() const { return static_cast<int>(cities_.size()); }
  std::vector<std::string> CityIds() const;  // in the map's order
  const std::vector<Road>& roads_from(int index) const { return roads_[index]; }
  std::size_t road_count() const { return road_count_; }
  // Km of the road from city a to city b; 0 when no road joins them.
  double RoadKm(int a, int b) const {
    for (const auto& r : roads_[a]) {
      if (r.to == b) return r.km;
    }
    return 0;
  }

  const std::vector<schemas::Catalogue>& catalogues() const { return catalogues_; }
  const schemas::Catalogue* FindCompany(std::string_view id) const;
  const schemas::Station* FindStation(std::string_view id) const;
  // Stations in a city, of every company.
  const std::vector<const schemas::Station*>& stations_in(int city) const {
    return stations_by_city_[city];
  }

  // Straight-line (chord) km between two cities: never more than the great
  // circle (0.4 % less at 2,000 km) and free of trigonometry, for estimates.
  double ChordKm(int a, int b) const {
    double dx = unit_[a][0] - unit_[b][0], dy = unit_[a][1] - unit_[b][1],
           dz = unit_[a][2] - unit_[b][2];
    return 6371.0 * std::sqrt(dx * dx + dy * dy + dz * dz);
  }

  // Number of connected components of the road graph (1 when connected).
  int ComponentCount() const;

  // Per connector type: the most powerful point and the lowest energy price.
  struct ConnectorBound {
    double max_kw = 0;
    double min_price_per_kwh = 0;
  };
  const std::map<std::string, ConnectorBound>& connector_bounds() const {
    return connector_bounds_;
  }

 private:
  World() = default;

  schemas::Map map_;
  std::vector<schemas::MapCity> cities_;
  std::unordered_map<std::string, int> city_index_;
  std::vector<std::vector<Road>> roads_;
  std::size_t road_count_ = 0;
  std::vector<schemas::Catalogue> catalogues_;
  std::unordered_map<std::string, const schemas::Station*> stations_;
  std::vector<std::vector<const schemas::Station*>> stations_by_city_;
  std::map<std::string, ConnectorBound> connector_bounds_;
  std::vector<std::array<double, 3>> unit_;  // each city on the unit sphere
};

// The tariff of point p of station s at time t: the point's own, or else the
// station's, as changed by every tariff change from before t in turn (a
// change of the station's tariff applies to every point, own or not).
const schemas::Tariff& TariffAt(const schemas::Station& s, const schemas::Point& p, Time t);

double GreatCircleKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace tripmesh::core
