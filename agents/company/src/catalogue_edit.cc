#include "catalogue_edit.h"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace tripmesh::company {
namespace {

constexpr std::size_t kMaxTariffChanges = 32;
constexpr Time kValidFromGraceS = 60;

Result<schemas::Station*> StationIn(schemas::Catalogue& c, const std::string& id) {
  auto it = std::find_if(c.stations.begin(), c.stations.end(),
                         [&](const schemas::Station& s) { return s.id == id; });
  if (it == c.stations.end()) {
    return Fail(Errc::kNotFound, "no station " + id + " at " + c.info.company, "station");
  }
  return &*it;
}

Result<schemas::Point*> PointIn(schemas::Station& s, const std::string& id) {
  auto it = std::find_if(s.points.begin(), s.points.end(),
                         [&](const schemas::Point& p) { return p.id == id; });
  if (it == s.points.end()) return Fail(Errc::kNotFound, "no point " + id + " at " + s.id, "point");
  return &*it;
}

// A station sits in a city of the map and keeps that city's zone.
Status PlaceStation(const core::World& world, schemas::Station& s,
                    const std::optional<std::string>& zone) {
  int city = world.CityIndex(s.city);
  if (city < 0) {
    return Fail(Errc::kNotFound, "no city " + s.city + " on the map", "city");
  }
  const std::string& city_zone = world.city(city).time_zone;
  if (zone && *zone != city_zone) {
    return Fail(Errc::kInvalidRequest,
                "time_zone " + *zone + " is not the zone of " + s.city + " (" + city_zone + ")",
                "time_zone");
  }
  s.time_zone = city_zone;
  return {};
}

// OCPI 2.2.1 ConnectorType values a charging point in this region may have.
constexpr std::string_view kConnectors[] = {"CHADEMO",       "CHAOJI",
                                            "GBT_AC",        "GBT_DC",
                                            "IEC_62196_T1",  "IEC_62196_T1_COMBO",
                                            "IEC_62196_T2",  "IEC_62196_T2_COMBO",
                                            "IEC_62196_T3A", "IEC_62196_T3C",
                                            "TESLA_R",       "TESLA_S"};

Status CheckPoint(const schemas::Point& p) {
  if (std::find(std::begin(kConnectors), std::end(kConnectors), p.connector) ==
      std::end(kConnectors)) {
    std::string known;
    for (auto c : kConnectors) known += (known.empty() ? "" : ", ") + std::string(c);
    return Fail(Errc::kInvalidRequest,
                "unknown connector " + p.connector + " (OCPI ConnectorType: " + known + ")",
                "connector");
  }
  return {};
}

// Tariff changes whose time has come become the tariffs they change.
void FoldDueTariffs(schemas::Station& s, Time now) {
  auto due = std::stable_partition(s.tariff_changes.begin(), s.tariff_changes.end(),
                                   [&](const auto& c) { return c.valid_from <= now; });
  for (auto it = s.tariff_changes.begin(); it != due; ++it) {
    if (it->point.empty()) {
      s.tariff = it->tariff;
      for (auto& p : s.points) p.tariff.reset();
    } else if (auto p = PointIn(s, it->point)) {
      (*p)->tariff = it->tariff;
    }
  }
  s.tariff_changes.erase(s.tariff_changes.begin(), due);
}

Status SetTariff(schemas::Station& s, const schemas::CatalogueChange& c, Time now) {
  if (c.tariff->currency != "BRL") {
    return Fail(Errc::kInvalidRequest, "currency " + c.tariff->currency + " is not BRL",
                "tariff.currency");
  }
  if (!c.point.empty()) {
    if (auto p = PointIn(s, c.point); !p) return tl::unexpected<Error>(p.error());
  }
  if (c.valid_from && *c.valid_from < now - kValidFromGraceS) {
    return Fail(Errc::kInvalidRequest,
                "valid_from " + FormatTime(*c.valid_from) + " is in the past (now " +
                    FormatTime(now) + "): leave it out to apply the tariff now",
                "valid_from");
  }
  if (!c.valid_from || *c.valid_from <= now) {
    s.tariff_changes.push_back({now, c.point, *c.tariff});
    FoldDueTariffs(s, now);
    return {};
  }
  if (s.tariff_changes.size() >= kMaxTariffChanges) {
    return Fail(Errc::kInvalidRequest,
                "station " + s.id + " already has " + std::to_string(kMaxTariffChanges) +
                    " tariff changes ahead: wait for one to take effect",
                "valid_from");
  }
  auto at =
      std::upper_bound(s.tariff_changes.begin(), s.tariff_changes.end(), *c.valid_from,
                       [](Time t, const schemas::TariffChange& x) { return t < x.valid_from; });
  s.tariff_changes.insert(at, {*c.valid_from, c.point, *c.tariff});
  return {};
}

Status AddStation(const core::World& world, schemas::Catalogue& cat,
                  const schemas::CatalogueChange& c) {
  if (world.FindStation(c.station)) {
    return Fail(Errc::kConflict, "station " + c.station + " already exists", "station");
  }
  schemas::Station s{.company = cat.info.company,
                     .id = c.station,
                     .name = c.name.value_or(""),
                     .city = *c.city,
                     .lat = *c.lat,
                     .lon = *c.lon,
                     .time_zone = "",
                     .tariff = *c.tariff,
                     .points = c.points,
                     .tariff_changes = {}};
  if (auto st = PlaceStation(world, s, c.time_zone); !st) return st;
  for (const auto& p : s.points) {
    if (auto st = CheckPoint(p); !st) return st;
  }
  cat.stations.push_back(std::move(s));
  return {};
}

Status UpdateStation(const core::World& world, schemas::Station& s,
                     const schemas::CatalogueChange& c) {
  if (c.name) s.name = *c.name;
  if (c.city) s.city = *c.city;
  if (c.lat) s.lat = *c.lat;
  if (c.lon) s.lon = *c.lon;
  return PlaceStation(world, s, c.time_zone);
}

Status AddPoint(schemas::Station& s, const schemas::CatalogueChange& c) {
  if (PointIn(s, c.point)) {
    return Fail(Errc::kConflict, "point " + c.point + " already exists at " + s.id, "point");
  }
  schemas::Point p{.id = c.point,
                   .max_power_kw = *c.max_power_kw,
                   .power_type = *c.power_type,
                   .connector = *c.connector,
                   .tariff = c.tariff};
  if (auto st = CheckPoint(p); !st) return st;
  s.points.push_back(std::move(p));
  return {};
}

Status UpdatePoint(schemas::Station& s, const schemas::CatalogueChange& c) {
  auto p = PointIn(s, c.point);
  if (!p) return tl::unexpected<Error>(p.error());
  if (c.max_power_kw) (*p)->max_power_kw = *c.max_power_kw;
  if (c.power_type) (*p)->power_type = *c.power_type;
  if (c.connector) (*p)->connector = *c.connector;
  return CheckPoint(**p);
}

Status Apply(const core::World& world, schemas::Catalogue& cat, schemas::CatalogueOp op,
             const schemas::CatalogueChange& c, Time now) {
  using Op = schemas::CatalogueOp;
  if (op == Op::kAddStation) return AddStation(world, cat, c);
  auto station = StationIn(cat, c.station);
  if (!station) return tl::unexpected<Error>(station.error());
  schemas::Station& s = **station;
  FoldDueTariffs(s, now);
  switch (op) {
    case Op::kAddStation:
      return {};
    case Op::kUpdateStation:
      return UpdateStation(world, s, c);
    case Op::kRemoveStation:
      cat.stations.erase(cat.stations.begin() + (&s - cat.stations.data()));
      return {};
    case Op::kAddPoint:
      return AddPoint(s, c);
    case Op::kUpdatePoint:
      return UpdatePoint(s, c);
    case Op::kRemovePoint: {
      auto p = PointIn(s, c.point);
      if (!p) return tl::unexpected<Error>(p.error());
      s.points.erase(s.points.begin() + (*p - s.points.data()));
      std::erase_if(s.tariff_changes, [&](const auto& t) { return t.point == c.point; });
      return {};
    }
    case Op::kSetTariff:
      return SetTariff(s, c, now);
  }
  return {};
}

}  // namespace

Result<schemas::Catalogue> EditCatalogue(const core::World& world,
                                         const schemas::Catalogue& catalogue,
                                         schemas::CatalogueOp op,
                                         const schemas::CatalogueChange& change, Time now) {
  schemas::Catalogue next = catalogue;
  if (auto st = Apply(world, next, op, change, now); !st) return tl::unexpected<Error>(st.error());
  next.info.stations = static_cast<int>(next.stations.size());
  // What World::Build refuses (a duplicate point id among the new ones, ...).
  if (auto built = world.WithCatalogue(next); !built) {
    return tl::unexpected<Error>(built.error());
  }
  return next;
}

}  // namespace tripmesh::company
