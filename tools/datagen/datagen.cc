// Builds data/map.json and data/companies/*.json from the GeoNames cities of
// Debian's libgeonames and the curated lists in data/gen/, so that every number
// of the default world can be traced to its source and rebuilt.
#include <geonames/geonames.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gen_tables.h"

namespace {

using tripmesh::gen::Num;
using tripmesh::gen::ReadTable;
using tripmesh::gen::Split;
using tripmesh::gen::Trim;

constexpr double kDetourFactor = 1.25;  // road km per great-circle km where no road km is recorded

struct City {
  std::string id, name, uf, tz;
  double lat = 0, lon = 0;
  unsigned population = 0;
};

const std::map<std::string, std::string> kStateByUf = {
    {"BA", "Estado de Bahia"}, {"CE", "Ceará"},   {"PE", "Pernambuco"},          {"SE", "Sergipe"},
    {"AL", "Alagoas"},         {"PB", "Paraíba"}, {"RN", "Rio Grande do Norte"}, {"PI", "Piauí"}};

// Lower-case ASCII slug of a Portuguese name: "Vitória da Conquista" -> "vitoria-da-conquista".
std::string Slug(const std::string& name) {
  static const std::map<std::string, char> kFold = {
      {"á", 'a'}, {"à", 'a'}, {"â", 'a'}, {"ã", 'a'}, {"é", 'e'}, {"ê", 'e'}, {"í", 'i'},
      {"ó", 'o'}, {"ô", 'o'}, {"õ", 'o'}, {"ú", 'u'}, {"ü", 'u'}, {"ç", 'c'}, {"Á", 'a'},
      {"É", 'e'}, {"Í", 'i'}, {"Ó", 'o'}, {"Ú", 'u'}, {"Ç", 'c'}, {"Â", 'a'}};
  std::string out;
  for (size_t i = 0; i < name.size();) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c >= 0x80 && i + 1 < name.size()) {
      auto it = kFold.find(name.substr(i, 2));
      if (it == kFold.end()) throw std::runtime_error("no ASCII fold for a letter of " + name);
      out += it->second;
      i += 2;
      continue;
    }
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    ++i;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

double GreatCircleKm(const City& a, const City& b) {
  return tripmesh::gen::GreatCircleKm(a.lat, a.lon, b.lat, b.lon);
}

std::map<std::string, City> LoadGeoNames() {
  std::map<std::string, City> by_key;  // "Name|UF"
  std::map<std::string, std::string> uf_by_state;
  for (const auto& [uf, state] : kStateByUf) uf_by_state[state] = uf;
  for (gint i = 0; i < geonames_get_n_cities(); ++i) {
    GeonamesCity* c = geonames_get_city(i);
    const char* cc = geonames_city_get_country_code(c);
    auto st = uf_by_state.find(geonames_city_get_state(c));
    if (cc && std::string(cc) == "BR" && st != uf_by_state.end()) {
      City city;
      city.name = geonames_city_get_name(c);
      city.uf = st->second;
      city.lat = geonames_city_get_latitude(c);
      city.lon = geonames_city_get_longitude(c);
      city.population = geonames_city_get_population(c);
      city.tz = geonames_city_get_timezone(c);
      city.id = Slug(city.name) + "-" + Slug(city.uf);
      by_key.emplace(city.name + "|" + city.uf, city);
    }
    geonames_city_free(c);
  }
  return by_key;
}

const City& FindCity(const std::map<std::string, City>& all, const std::string& spec) {
  auto parts = Split(spec, ',');
  if (parts.size() != 2) throw std::runtime_error("city must be 'Name, UF': " + spec);
  auto it = all.find(parts[0] + "|" + parts[1]);
  if (it == all.end()) throw std::runtime_error("not in GeoNames: " + spec);
  return it->second;
}

std::string ConnectorName(const std::string& code) {
  static const std::map<std::string, std::string> kNames = {{"CCS2", "IEC_62196_T2_COMBO"},
                                                            {"T2", "IEC_62196_T2"},
                                                            {"CHADEMO", "CHADEMO"},
                                                            {"GBT", "GBT_DC"}};
  auto it = kNames.find(code);
  if (it == kNames.end()) throw std::runtime_error("unknown connector code " + code);
  return it->second;
}

// What WriteMap found: the cities on the map, and the first highway through each.
struct MapCities {
  std::map<std::string, City> by_id;
  std::map<std::string, std::string> highway_of;
};

void WriteMap(const std::string& gen, const std::string& out_dir,
              const std::map<std::string, City>& all, MapCities& on_map) {
  std::map<std::string, City> cities;
  std::ostringstream roads;
  std::set<std::pair<std::string, std::string>> seen;
  int recorded = 0, derived = 0;
  for (const auto& row : ReadTable(gen + "/highways.txt", 4)) {
    const City& a = FindCity(all, row[1]);
    const City& b = FindCity(all, row[2]);
    auto key = std::minmax(a.id, b.id);
    if (a.id == b.id || !seen.insert(key).second)
      throw std::runtime_error("duplicate or self road: " + row[1] + " - " + row[2]);
    double gc = GreatCircleKm(a, b);
    double km;
    std::string source;
    if (row[3] == "-") {
      km = std::ceil(gc * kDetourFactor);
      source = "great-circle x " + Num(kDetourFactor, 2);
      ++derived;
    } else {
      km = std::stod(row[3]);
      if (km < gc)
        throw std::runtime_error("road shorter than great circle: " + row[1] + " - " + row[2]);
      source = "recorded";
      ++recorded;
    }
    cities[a.id] = a;
    cities[b.id] = b;
    on_map.highway_of.emplace(a.id, row[0]);
    on_map.highway_of.emplace(b.id, row[0]);
    roads << (seen.size() == 1 ? "" : ",\n") << "    {\"a\": \"" << key.first << "\", \"b\": \""
          << key.second << "\", \"highway\": \"" << row[0] << "\", \"km\": " << Num(km, 0)
          << ", \"great_circle_km\": " << Num(gc, 1) << ", \"source\": \"" << source << "\"}";
  }
  std::ofstream out(out_dir + "/map.json");
  out << "{\n  \"type\": \"map\",\n  \"source\": \"GeoNames cities (libgeonames) + "
         "data/gen/highways.txt\",\n"
      << "  \"detour_factor\": " << Num(kDetourFactor, 2) << ",\n  \"cities\": [\n";
  bool first = true;
  for (const auto& [id, c] : cities) {
    out << (first ? "" : ",\n") << "    {\"id\": \"" << id << "\", \"name\": \"" << c.name
        << "\", \"state\": \"" << c.uf << "\", \"lat\": " << Num(c.lat, 4)
        << ", \"lon\": " << Num(c.lon, 4) << ", \"time_zone\": \"" << c.tz
        << "\", \"population\": " << c.population << "}";
    first = false;
    on_map.by_id.emplace(id, c);
  }
  out << "\n  ],\n  \"roads\": [\n" << roads.str() << "\n  ]\n}\n";
  std::cerr << "map.json: " << cities.size() << " cities, " << seen.size() << " roads (" << recorded
            << " with recorded km, " << derived << " derived)\n";
}

unsigned HashOf(const std::string& s) {
  unsigned h = 0;
  for (char ch : s) h = h * 31 + static_cast<unsigned char>(ch);
  return h;
}

// The points of a station the coverage rule adds, varied by its id so the
// network mixes speeds and connectors as real ones do: one or two DC CCS2 of
// 60-150 kW, a Type 2 AC of 22 kW, some CHAdeMO, and high-power points in big cities.
std::string CoveragePoints(const std::string& id, unsigned population) {
  static const int kDcKw[] = {60, 100, 120, 150};
  unsigned h = HashOf(id);
  std::string dc = "DC" + std::to_string(kDcKw[h % 4]) + " CCS2";
  std::string points = dc;
  if (population >= 200000 && (h / 4) % 3 == 0) points = "DC350 CCS2, " + points;
  if ((h / 12) % 3 != 0) points += ", " + dc;
  if ((h / 36) % 4 == 1) points += ", DC50 CHADEMO";
  return points + ", AC22 T2";
}

// Stations of the coverage rule (coverage.txt): every map city of the listed
// states gets a station of the company, and one more per so many inhabitants,
// counting the stations stations.txt already places there.
std::vector<std::vector<std::string>> CoverageStations(
    const std::string& gen, const MapCities& on_map, const std::map<std::string, City>& all,
    const std::vector<std::vector<std::string>>& placed) {
  static const char* kSites[] = {"Centro", "Rodoviária",   "Shopping", "Aeroporto",
                                 "Orla",   "Universidade", "Mercado",  "Parque"};
  std::vector<std::vector<std::string>> out;
  std::set<std::string> ids;
  std::map<std::pair<std::string, std::string>, int> count;  // (company, city id) -> stations
  for (const auto& st : placed) {
    ids.insert(st[1]);
    ++count[{st[0], FindCity(all, st[2]).id}];
  }
  for (const auto& row : ReadTable(gen + "/coverage.txt", 4)) {
    const std::string &company = row[0], &prefix = row[1];
    unsigned per_extra = static_cast<unsigned>(std::stoul(row[3]));
    std::set<std::string> states;
    for (const auto& uf : Split(row[2], ' ')) states.insert(uf);
    for (const auto& [city_id, city] : on_map.by_id) {
      if (!states.count(city.uf)) continue;
      int want = 1 + static_cast<int>(std::min(7u, city.population / per_extra));
      int& have = count[{company, city_id}];
      for (int n = 1; have < want; ++n) {
        std::string id = prefix + "-" + Slug(city.name) + (n == 1 ? "" : "-" + std::to_string(n));
        if (!ids.insert(id).second) continue;
        std::string site = have == 0 ? on_map.highway_of.at(city_id) : kSites[(have - 1) % 8];
        out.push_back(
            {company, id, city.name + ", " + city.uf, site, CoveragePoints(id, city.population)});
        ++have;
      }
    }
  }
  return out;
}

void WriteCompanies(const std::string& gen, const std::string& out_dir,
                    const std::map<std::string, City>& all, const MapCities& on_map) {
  auto companies = ReadTable(gen + "/companies.txt", 7);
  auto stations = ReadTable(gen + "/stations.txt", 5);
  for (auto& row : CoverageStations(gen, on_map, all, stations)) stations.push_back(row);
  for (const auto& co : companies) {
    const std::string& id = co[0];
    double ac = std::stod(co[3]), dc = std::stod(co[4]), hpc = std::stod(co[5]),
           per_hour = std::stod(co[6]);
    std::ostringstream body;
    int count = 0;
    std::set<std::string> station_cities;
    for (const auto& st : stations) {
      if (st[0] != id) continue;
      const City& city = FindCity(all, st[2]);
      if (!on_map.by_id.count(city.id))
        throw std::runtime_error("station city not on the map: " + st[2]);
      station_cities.insert(city.id);
      // A deterministic offset of a few hundred metres, so stations of one city do not coincide.
      unsigned h = HashOf(st[1]);
      double dlat = (static_cast<int>(h % 101) - 50) * 0.0001;
      double dlon = (static_cast<int>((h / 101) % 101) - 50) * 0.0001;
      auto tariff = [&](double price) {
        return "{\"price_per_kwh\": " + Num(price, 2) +
               (per_hour > 0 ? ", \"price_per_hour\": " + Num(per_hour, 2) : "") +
               ", \"currency\": \"BRL\"}";
      };
      std::ostringstream points;
      int n = 0;
      for (const auto& p : Split(st[4], ',')) {
        auto kind_conn = Split(p, ' ');
        if (kind_conn.size() != 2 || kind_conn[0].size() < 3)
          throw std::runtime_error("bad point " + p);
        std::string type = kind_conn[0].substr(0, 2);
        int kw = std::stoi(kind_conn[0].substr(2));
        if (type != "AC" && type != "DC") throw std::runtime_error("bad power type " + p);
        double price = type == "AC" ? ac : (kw > 150 ? hpc : dc);
        points << (n ? ",\n" : "");
        ++n;
        points << "        {\"id\": \"" << n << "\", \"max_power_kw\": " << kw
               << ", \"power_type\": \"" << type << "\", \"connector\": \""
               << ConnectorName(kind_conn[1]) << "\", \"tariff\": " << tariff(price) << "}";
      }
      body << (count++ ? ",\n" : "") << "    {\"type\": \"station\", \"company\": \"" << id
           << "\", \"id\": \"" << st[1] << "\", \"name\": \"" << co[1] << " " << st[3]
           << "\", \"city\": \"" << city.id
           << "\", \"coordinates\": {\"lat\": " << Num(city.lat + dlat, 4)
           << ", \"lon\": " << Num(city.lon + dlon, 4) << "}, \"time_zone\": \"" << city.tz
           << "\", \"tariff\": " << tariff(ac) << ",\n      \"points\": [\n"
           << points.str() << "\n      ]}";
    }
    std::ofstream out(out_dir + "/companies/" + id + ".json");
    out << "{\n  \"type\": \"company.catalogue\",\n  \"info\": {\"type\": \"company.info\", "
           "\"company\": \""
        << id << "\", \"name\": \"" << co[1] << "\", \"state\": \"" << co[2]
        << "\", \"stations\": " << count << "},\n  \"stations\": [\n"
        << body.str() << "\n  ]\n}\n";
    std::cerr << "companies/" << id << ".json: " << count << " stations in "
              << station_cities.size() << " cities\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: tripmesh_datagen <data/gen dir> <data dir>\n";
    return 2;
  }
  try {
    auto all = LoadGeoNames();
    MapCities on_map;
    WriteMap(argv[1], argv[2], all, on_map);
    WriteCompanies(argv[1], argv[2], all, on_map);
  } catch (const std::exception& e) {
    std::cerr << "tripmesh_datagen: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
