#include "tripmesh/core/world.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace tripmesh::core {

double GreatCircleKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRadiusKm = 6371.0;
  auto rad = [](double d) { return d * M_PI / 180.0; };
  double dlat = rad(lat2 - lat1), dlon = rad(lon2 - lon1);
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(rad(lat1)) * std::cos(rad(lat2)) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kRadiusKm * std::asin(std::sqrt(h));
}

Result<World> World::Build(schemas::Map map, std::vector<schemas::Catalogue> catalogues) {
  World w;
  w.map_ = map;
  w.cities_ = std::move(map.cities);
  for (int i = 0; i < w.city_count(); ++i) {
    if (!w.city_index_.emplace(w.cities_[i].id, i).second) {
      return Fail(Errc::kInvalidRequest, "duplicate city id " + w.cities_[i].id, "cities");
    }
  }
  w.roads_.resize(w.cities_.size());
  for (const auto& c : w.cities_) {
    double lat = c.lat * M_PI / 180.0, lon = c.lon * M_PI / 180.0;
    w.unit_.push_back(
        {std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)});
  }
  std::set<std::pair<int, int>> seen;
  for (const auto& r : map.roads) {
    int a = w.CityIndex(r.a), b = w.CityIndex(r.b);
    if (a < 0 || b < 0 || a == b) {
      return Fail(Errc::kInvalidRequest, "road " + r.a + " - " + r.b + " joins unknown cities",
                  "roads");
    }
    if (!seen.insert(std::minmax(a, b)).second) {
      return Fail(Errc::kInvalidRequest, "road " + r.a + " - " + r.b + " is listed twice", "roads");
    }
    const auto &ca = w.cities_[a], &cb = w.cities_[b];
    if (r.km + 0.5 < GreatCircleKm(ca.lat, ca.lon, cb.lat, cb.lon)) {
      return Fail(Errc::kInvalidRequest,
                  "road " + r.a + " - " + r.b + " is shorter than the great circle", "roads");
    }
    w.roads_[a].push_back({b, r.km, r.highway});
    w.roads_[b].push_back({a, r.km, r.highway});
    ++w.road_count_;
  }
  w.catalogues_ = std::move(catalogues);
  w.stations_by_city_.resize(w.cities_.size());
  for (const auto& cat : w.catalogues_) {
    for (const auto& s : cat.stations) {
      int city = w.CityIndex(s.city);
      if (city < 0) {
        return Fail(Errc::kInvalidRequest, "station " + s.id + " is in unknown city " + s.city,
                    "stations");
      }
      if (s.company != cat.info.company) {
        return Fail(Errc::kInvalidRequest, "station " + s.id + " belongs to " + s.company,
                    "stations");
      }
      if (!w.stations_.emplace(s.id, &s).second) {
        return Fail(Errc::kInvalidRequest, "duplicate station id " + s.id, "stations");
      }
      std::set<std::string> points;
      for (const auto& p : s.points) {
        if (!points.insert(p.id).second) {
          return Fail(Errc::kInvalidRequest, "duplicate point " + p.id + " at " + s.id, "stations");
        }
        double price = (p.tariff ? *p.tariff : s.tariff).price_per_kwh;
        for (const auto& c : s.tariff_changes) {
          if (c.point.empty() || c.point == p.id) price = std::min(price, c.tariff.price_per_kwh);
        }
        auto [it, first] =
            w.connector_bounds_.emplace(p.connector, ConnectorBound{p.max_power_kw, price});
        if (!first) {
          it->second.max_kw = std::max(it->second.max_kw, p.max_power_kw);
          it->second.min_price_per_kwh = std::min(it->second.min_price_per_kwh, price);
        }
      }
      w.stations_by_city_[city].push_back(&s);
    }
  }
  return w;
}

Result<World> World::WithCatalogue(schemas::Catalogue c) const {
  std::vector<schemas::Catalogue> next = catalogues_;
  auto it = std::find_if(next.begin(), next.end(), [&](const schemas::Catalogue& known) {
    return known.info.company == c.info.company;
  });
  if (it == next.end()) {
    next.push_back(std::move(c));
  } else {
    *it = std::move(c);
  }
  return Build(map_, std::move(next));
}

const schemas::Tariff& TariffAt(const schemas::Station& s, const schemas::Point& p, Time t) {
  const schemas::Tariff* station = &s.tariff;
  const schemas::Tariff* own = p.tariff ? &*p.tariff : nullptr;
  for (const auto& c : s.tariff_changes) {
    if (c.valid_from > t) continue;
    if (c.point.empty()) {
      station = &c.tariff;
      own = nullptr;  // the station's price, for every point from then on
    } else if (c.point == p.id) {
      own = &c.tariff;
    }
  }
  return own ? *own : *station;
}

std::vector<std::string> World::CityIds() const {
  std::vector<std::string> ids;
  ids.reserve(cities_.size());
  for (const auto& c : cities_) ids.push_back(c.id);
  return ids;
}

int World::CityIndex(std::string_view id) const {
  auto it = city_index_.find(std::string(id));
  return it == city_index_.end() ? -1 : it->second;
}

const schemas::Catalogue* World::FindCompany(std::string_view id) const {
  for (const auto& c : catalogues_) {
    if (c.info.company == id) return &c;
  }
  return nullptr;
}

const schemas::Station* World::FindStation(std::string_view id) const {
  auto it = stations_.find(std::string(id));
  return it == stations_.end() ? nullptr : it->second;
}

int World::ComponentCount() const {
  std::vector<int> seen(cities_.size(), 0);
  int components = 0;
  for (int start = 0; start < city_count(); ++start) {
    if (seen[start]) continue;
    ++components;
    std::vector<int> stack = {start};
    seen[start] = 1;
    while (!stack.empty()) {
      int c = stack.back();
      stack.pop_back();
      for (const auto& r : roads_[c]) {
        if (!seen[r.to]) {
          seen[r.to] = 1;
          stack.push_back(r.to);
        }
      }
    }
  }
  return components;
}

}  // namespace tripmesh::core
