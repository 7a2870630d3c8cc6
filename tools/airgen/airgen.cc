// Builds the air profile's world, data/air/airports.json and
// data/air/airlines/*.json, from the GeoNames cities of Debian's libgeonames
// (coordinates, time zones) and the curated lists in data/air/gen/, so that
// every number can be traced and the timetable rebuilt the same every time.
#include <geonames/geonames.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gen_tables.h"

namespace {

using tripmesh::gen::Num;
using tripmesh::gen::ReadTable;
using tripmesh::gen::Split;
using tripmesh::gen::Trim;

constexpr int kTaxiMinutes = 25;         // block time = taxi and climb + cruise
constexpr double kCruiseKmPerMin = 13;   // about 780 km/h
constexpr int kFirstDeparture = 6 * 60;  // local time of the day's first departure
constexpr int kDepartureWindow = 16 * 60;

struct Airport {
  std::string code, name, city, uf, tz;
  double lat = 0, lon = 0;
  int min_connection = 0;
  int utc_offset_min = 0;
};

struct Cabin {
  std::string cabin;  // "J" or "Y"
  int first_row = 0, last_row = 0;
  std::string letters;
};

struct Aircraft {
  std::string type;
  std::vector<Cabin> cabins;
  int seats() const {
    int n = 0;
    for (const auto& c : cabins)
      n += (c.last_row - c.first_row + 1) * static_cast<int>(c.letters.size());
    return n;
  }
  bool HasCabin(const std::string& cabin) const {
    return std::any_of(cabins.begin(), cabins.end(),
                       [&](const Cabin& c) { return c.cabin == cabin; });
  }
};

struct Airline {
  std::string id, name, designator;
  std::vector<std::string> hubs;
  int first_number = 0;
};

// The fare classes every airline sells: two on the economy cabin, one on business.
struct FareClass {
  const char* code;
  const char* cabin;
  const char* name;
  bool refundable;
  double factor;  // of the economy light fare
};
constexpr FareClass kFareClasses[] = {{"E", "Y", "economy light", false, 1.0},
                                      {"Y", "Y", "economy flex", true, 1.7},
                                      {"J", "J", "business", true, 3.5}};

const std::map<std::string, std::string> kUfByState = {{"Acre", "AC"},
                                                       {"Alagoas", "AL"},
                                                       {"Amapá", "AP"},
                                                       {"Amazonas", "AM"},
                                                       {"Estado de Bahia", "BA"},
                                                       {"Ceará", "CE"},
                                                       {"Federal District", "DF"},
                                                       {"Espírito Santo", "ES"},
                                                       {"Goiás", "GO"},
                                                       {"Maranhão", "MA"},
                                                       {"Mato Grosso", "MT"},
                                                       {"Mato Grosso do Sul", "MS"},
                                                       {"Minas Gerais", "MG"},
                                                       {"Pará", "PA"},
                                                       {"Paraíba", "PB"},
                                                       {"Paraná", "PR"},
                                                       {"Pernambuco", "PE"},
                                                       {"Piauí", "PI"},
                                                       {"Rio de Janeiro", "RJ"},
                                                       {"Rio Grande do Norte", "RN"},
                                                       {"Rio Grande do Sul", "RS"},
                                                       {"Rondônia", "RO"},
                                                       {"Roraima", "RR"},
                                                       {"Santa Catarina", "SC"},
                                                       {"São Paulo", "SP"},
                                                       {"Sergipe", "SE"},
                                                       {"Tocantins", "TO"}};

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string Clock(int minutes) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", (minutes / 60) % 24, minutes % 60);
  return buf;
}

// FNV-1a: a stable spread of departure times (std::hash may differ between builds).
unsigned HashOf(const std::string& s) {
  unsigned h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

double GreatCircleKm(const Airport& a, const Airport& b) {
  return tripmesh::gen::GreatCircleKm(a.lat, a.lon, b.lat, b.lon);
}

// The zone's offset from UTC in minutes, from the system's tzdata. A weekly
// timetable in local times needs one offset all year: Brazil has kept no
// daylight saving time since 2019, and the generator checks it.
int UtcOffsetMinutes(const std::string& tz) {
  auto offset_at = [&](std::time_t t) {
    setenv("TZ", tz.c_str(), 1);  // NOLINT(concurrency-mt-unsafe): one thread in this tool
    tzset();
    std::tm local{};
    localtime_r(&t, &local);
    return static_cast<int>(local.tm_gmtoff / 60);
  };
  int january = offset_at(1799064000);  // 2027-01-04 12:00 UTC
  int july = offset_at(1814702400);     // 2027-07-04 12:00 UTC
  if (january != july) throw std::runtime_error(tz + " changes its offset during the year");
  return january;
}

std::map<std::string, Airport> LoadAirports(const std::string& gen) {
  std::map<std::string, std::pair<double, double>> coords;  // "Name|UF" -> lat, lon
  std::map<std::string, std::string> zones;
  for (gint i = 0; i < geonames_get_n_cities(); ++i) {
    GeonamesCity* c = geonames_get_city(i);
    const char* cc = geonames_city_get_country_code(c);
    auto uf = kUfByState.find(geonames_city_get_state(c));
    if (cc && std::string(cc) == "BR" && uf != kUfByState.end()) {
      std::string key = std::string(geonames_city_get_name(c)) + "|" + uf->second;
      coords[key] = {geonames_city_get_latitude(c), geonames_city_get_longitude(c)};
      zones[key] = geonames_city_get_timezone(c);
    }
    geonames_city_free(c);
  }
  std::map<std::string, Airport> airports;
  for (const auto& row : ReadTable(gen + "/airports.txt", 4)) {
    auto city = Split(row[1], ',');
    if (city.size() != 2) throw std::runtime_error("city must be 'Name, UF': " + row[1]);
    std::string key = city[0] + "|" + city[1];
    auto at = coords.find(key);
    if (at == coords.end()) throw std::runtime_error("not in GeoNames: " + row[1]);
    Airport a{.code = row[0],
              .name = row[2],
              .city = city[0],
              .uf = city[1],
              .tz = zones[key],
              .lat = at->second.first,
              .lon = at->second.second,
              .min_connection = std::stoi(row[3])};
    a.utc_offset_min = UtcOffsetMinutes(a.tz);
    if (a.code.size() != 3 || !airports.emplace(a.code, a).second)
      throw std::runtime_error("bad or repeated IATA code " + a.code);
  }
  return airports;
}

std::map<std::string, Aircraft> LoadAircraft(const std::string& gen) {
  std::map<std::string, Aircraft> all;
  for (const auto& row : ReadTable(gen + "/aircraft.txt", 2)) {
    Aircraft a{.type = row[0], .cabins = {}};
    for (const auto& spec : Words(row[1])) {
      auto parts = Split(spec, ':');
      auto rows = Split(parts.size() == 3 ? parts[1] : "", '-');
      if (parts.size() != 3 || rows.size() != 2) throw std::runtime_error("bad cabin " + spec);
      a.cabins.push_back({parts[0], std::stoi(rows[0]), std::stoi(rows[1]), parts[2]});
    }
    all.emplace(a.type, a);
  }
  return all;
}

std::vector<int> Days(const std::string& spec) {
  if (spec == "daily") return {1, 2, 3, 4, 5, 6, 7};
  if (spec == "weekdays") return {1, 2, 3, 4, 5};
  std::vector<int> days;
  for (const auto& d : Split(spec, ',')) {
    int day = std::stoi(d);
    if (day < 1 || day > 7) throw std::runtime_error("a day is 1 (Monday) to 7: " + spec);
    days.push_back(day);
  }
  return days;
}

std::string DaysJson(const std::vector<int>& days) {
  std::string out = "[";
  for (size_t i = 0; i < days.size(); ++i) out += (i ? ", " : "") + std::to_string(days[i]);
  return out + "]";
}

// The economy light fare in BRL for a leg of `km`, ending in ,90 as fares do.
double BaseFare(double km) { return std::floor(79 + 0.28 * km) + 0.90; }

struct Leg {
  const Airport& from;
  const Airport& to;
  int flights_a_day;
  const Aircraft& aircraft;
  std::vector<int> days;
};

// One direction of a route: its flights spread over the day, numbered from `number`.
void WriteFlights(std::ostream& out, const Airline& airline, const Leg& leg, int& number,
                  bool& first) {
  double km = GreatCircleKm(leg.from, leg.to);
  int block = static_cast<int>(std::lround((kTaxiMinutes + km / kCruiseKmPerMin) / 5.0)) * 5;
  int offset = static_cast<int>(HashOf(airline.id + leg.from.code + leg.to.code) % 12) * 5;
  for (int i = 0; i < leg.flights_a_day; ++i) {
    int departs = kFirstDeparture + offset + (i * kDepartureWindow / leg.flights_a_day) / 5 * 5;
    int arrives = departs - leg.from.utc_offset_min + block + leg.to.utc_offset_min;
    out << (first ? "" : ",\n") << "    {\"number\": \"" << airline.designator << number
        << "\", \"from\": \"" << leg.from.code << "\", \"to\": \"" << leg.to.code
        << "\", \"days\": " << DaysJson(leg.days) << ", \"departs\": \"" << Clock(departs)
        << "\", \"arrives\": \"" << Clock(((arrives % 1440) + 1440) % 1440)
        << "\", \"arrives_day_offset\": " << (arrives >= 1440 ? 1 : 0)
        << ", \"block_minutes\": " << block << ", \"km\": " << Num(km, 0) << ", \"aircraft\": \""
        << leg.aircraft.type << "\", \"fares\": [";
    bool first_fare = true;
    for (const auto& f : kFareClasses) {
      if (!leg.aircraft.HasCabin(f.cabin)) continue;
      double price = std::floor(BaseFare(km) * f.factor) + 0.90;
      out << (first_fare ? "" : ", ") << "{\"class\": \"" << f.code
          << "\", \"price\": " << Num(price, 2) << "}";
      first_fare = false;
    }
    out << "]}";
    first = false;
    number += 2;
  }
}

void WriteAirports(const std::string& out_dir, const std::map<std::string, Airport>& airports) {
  std::ofstream out(out_dir + "/airports.json");
  out << "{\n  \"type\": \"air.map\",\n  \"source\": \"GeoNames cities (libgeonames) + "
         "data/air/gen/airports.txt\",\n  \"airports\": [\n";
  bool first = true;
  for (const auto& [code, a] : airports) {
    out << (first ? "" : ",\n") << "    {\"code\": \"" << code << "\", \"name\": \"" << a.name
        << "\", \"city\": \"" << a.city << "\", \"state\": \"" << a.uf
        << "\", \"lat\": " << Num(a.lat, 4) << ", \"lon\": " << Num(a.lon, 4)
        << ", \"time_zone\": \"" << a.tz << "\", \"min_connection_minutes\": " << a.min_connection
        << "}";
    first = false;
  }
  out << "\n  ]\n}\n";
  std::cerr << "airports.json: " << airports.size() << " airports\n";
}

void WriteAirline(const std::string& out_dir, const Airline& airline,
                  const std::vector<std::vector<std::string>>& routes,
                  const std::map<std::string, Airport>& airports,
                  const std::map<std::string, Aircraft>& fleet) {
  auto airport = [&](const std::string& code) -> const Airport& {
    auto it = airports.find(code);
    if (it == airports.end()) throw std::runtime_error("unknown airport " + code);
    return it->second;
  };
  std::ostringstream flights;
  std::set<std::string> used;
  bool first = true;
  int route_number = airline.first_number;
  for (const auto& r : routes) {
    if (r[0] != airline.id) continue;
    auto craft = fleet.find(r[4]);
    if (craft == fleet.end()) throw std::runtime_error("unknown aircraft " + r[4]);
    used.insert(r[4]);
    int n = std::stoi(r[3]);
    auto days = Days(r[5]);
    int outbound = route_number + 1, inbound = route_number + 2;  // odd one way, even back
    WriteFlights(flights, airline, {airport(r[1]), airport(r[2]), n, craft->second, days}, outbound,
                 first);
    WriteFlights(flights, airline, {airport(r[2]), airport(r[1]), n, craft->second, days}, inbound,
                 first);
    route_number += 20;
  }
  std::ofstream out(out_dir + "/airlines/" + airline.id + ".json");
  out << "{\n  \"type\": \"airline.timetable\",\n  \"info\": {\"id\": \"" << airline.id
      << "\", \"name\": \"" << airline.name << "\", \"designator\": \"" << airline.designator
      << "\", \"hubs\": [";
  for (size_t i = 0; i < airline.hubs.size(); ++i)
    out << (i ? ", " : "") << "\"" << airline.hubs[i] << "\"";
  out << "], \"currency\": \"BRL\"},\n  \"fare_classes\": [\n";
  for (size_t i = 0; i < std::size(kFareClasses); ++i) {
    const auto& f = kFareClasses[i];
    out << (i ? ",\n" : "") << "    {\"code\": \"" << f.code << "\", \"cabin\": \"" << f.cabin
        << "\", \"name\": \"" << f.name
        << "\", \"refundable\": " << (f.refundable ? "true" : "false") << "}";
  }
  out << "\n  ],\n  \"aircraft\": [\n";
  bool first_craft = true;
  for (const auto& type : used) {
    const auto& a = fleet.at(type);
    out << (first_craft ? "" : ",\n") << "    {\"type\": \"" << type
        << "\", \"seats\": " << a.seats() << ", \"cabins\": [";
    for (size_t i = 0; i < a.cabins.size(); ++i) {
      const auto& c = a.cabins[i];
      out << (i ? ", " : "") << "{\"cabin\": \"" << c.cabin << "\", \"first_row\": " << c.first_row
          << ", \"last_row\": " << c.last_row << ", \"letters\": \"" << c.letters << "\"}";
    }
    out << "]}";
    first_craft = false;
  }
  out << "\n  ],\n  \"flights\": [\n" << flights.str() << "\n  ]\n}\n";
  std::cerr << "airlines/" << airline.id << ".json: " << (route_number - airline.first_number) / 20
            << " routes\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: tripmesh_airgen <data/air/gen> <data/air>\n";
    return 2;
  }
  try {
    std::string gen = argv[1], out = argv[2];
    auto airports = LoadAirports(gen);
    auto fleet = LoadAircraft(gen);
    auto routes = ReadTable(gen + "/routes.txt", 6);
    WriteAirports(out, airports);
    for (const auto& row : ReadTable(gen + "/airlines.txt", 5)) {
      Airline a{.id = row[0],
                .name = row[1],
                .designator = row[2],
                .hubs = Words(row[3]),
                .first_number = std::stoi(row[4])};
      WriteAirline(out, a, routes, airports, fleet);
    }
  } catch (const std::exception& e) {
    std::cerr << "airgen: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
