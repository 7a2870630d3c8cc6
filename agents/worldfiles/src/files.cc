#include "tripmesh/worldfiles/files.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/decode.h"

namespace tripmesh::worldfiles {
namespace {

// The *.json files of `dir`, sorted.
Result<std::vector<std::string>> JsonFilesIn(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  if (ec) return Fail(Errc::kNotFound, "cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

template <typename T>
Result<T> ReadMessage(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return tl::unexpected<Error>(text.error());
  auto message = schemas::Decode<T>(*text);
  if (!message) return Fail(message.error().code, path + ": " + message.error().message);
  return message;
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Errc::kNotFound, "cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Result<core::World> LoadWorld(const std::string& data_dir) {
  auto map = ReadMessage<schemas::Map>(data_dir + "/map.json");
  if (!map) return tl::unexpected<Error>(map.error());
  auto files = JsonFilesIn(data_dir + "/companies");
  if (!files) return tl::unexpected<Error>(files.error());
  std::vector<schemas::Catalogue> catalogues;
  for (const auto& f : *files) {
    auto cat = ReadMessage<schemas::Catalogue>(f);
    if (!cat) return tl::unexpected<Error>(cat.error());
    catalogues.push_back(std::move(*cat));
  }
  return core::World::Build(std::move(*map), std::move(catalogues));
}

namespace {

air::Airline AirlineOf(const schemas::AirlineTimetable& t) {
  air::Airline a{
      .id = t.info.id, .designator = t.info.designator, .aircraft = {}, .fare_classes = {}};
  for (const auto& craft : t.aircraft) {
    air::Aircraft& out = a.aircraft[craft.type];
    out.type = craft.type;
    for (const auto& c : craft.cabins) {
      out.cabins.push_back(
          {c.cabin, static_cast<int>(c.first_row), static_cast<int>(c.last_row), c.letters});
    }
  }
  for (const auto& fc : t.fare_classes)
    a.fare_classes.push_back({fc.code, fc.cabin, fc.refundable});
  return a;
}

// A flight must name airports of the map, an aircraft of its airline and
// fare classes its airline sells.
Result<air::WeeklyFlight> FlightOf(const schemas::AirlineTimetable& t, const schemas::AirFlight& f,
                                   const std::set<std::string>& airports) {
  std::string where = t.info.id + " " + f.number + ": ";
  if (!airports.count(f.from) || !airports.count(f.to))
    return Fail(Errc::kInvalidRequest, where + "an airport not in airports.json");
  if (std::none_of(t.aircraft.begin(), t.aircraft.end(),
                   [&](const schemas::AirAircraft& a) { return a.type == f.aircraft; }))
    return Fail(Errc::kInvalidRequest, where + "unknown aircraft " + f.aircraft);
  auto departs = schemas::ParseClock(f.departs);
  if (!departs) return Fail(Errc::kInvalidRequest, where + "departs: " + departs.error().message);
  air::WeeklyFlight out{.airline = t.info.id,
                        .number = f.number,
                        .from = f.from,
                        .to = f.to,
                        .days = {},
                        .departs_local_min = *departs,
                        .block_min = static_cast<int>(f.block_minutes),
                        .aircraft = f.aircraft,
                        .fares = {}};
  for (auto d : f.days) out.days.push_back(static_cast<int>(d));
  for (const auto& fare : f.fares) {
    if (std::none_of(t.fare_classes.begin(), t.fare_classes.end(),
                     [&](const schemas::AirFareClass& c) { return c.code == fare.fare_class; }))
      return Fail(Errc::kInvalidRequest, where + "unknown fare class " + fare.fare_class);
    out.fares.push_back({fare.fare_class, std::llround(fare.price * 100)});
  }
  return out;
}

}  // namespace

Result<air::Timetable> AirTimetableOf(const schemas::AirMap& map,
                                      const std::vector<schemas::AirlineTimetable>& timetables,
                                      const ZoneOffsetMinutes& offset) {
  std::vector<air::Airport> airports;
  std::set<std::string> codes;
  for (const auto& a : map.airports) {
    airports.push_back(
        {a.code, a.time_zone, offset(a.time_zone), static_cast<int>(a.min_connection_minutes)});
    codes.insert(a.code);
  }
  std::vector<air::Airline> airlines;
  std::vector<air::WeeklyFlight> flights;
  for (const auto& t : timetables) {
    airlines.push_back(AirlineOf(t));
    for (const auto& f : t.flights) {
      auto flight = FlightOf(t, f, codes);
      if (!flight) return tl::unexpected<Error>(flight.error());
      flights.push_back(std::move(*flight));
    }
  }
  return air::Timetable(std::move(airports), std::move(airlines), std::move(flights));
}

Result<AirFiles> ReadAirFiles(const std::string& air_dir) {
  AirFiles out;
  auto map = ReadMessage<schemas::AirMap>(air_dir + "/airports.json");
  if (!map) return tl::unexpected<Error>(map.error());
  out.map = std::move(*map);
  auto files = JsonFilesIn(air_dir + "/airlines");
  if (!files) return tl::unexpected<Error>(files.error());
  for (const auto& path : *files) {
    auto text = ReadFile(path);
    if (!text) return tl::unexpected<Error>(text.error());
    auto t = schemas::Decode<schemas::AirlineTimetable>(*text);
    if (!t) return Fail(t.error().code, path + ": " + t.error().message, t.error().field);
    // Each airline on its own first, so that an error names its file.
    if (auto alone = AirTimetableOf(out.map, {*t}, [](const std::string&) { return 0; }); !alone)
      return Fail(alone.error().code, path + ": " + alone.error().message);
    auto message = schemas::Minified(*text);
    if (!message) return Fail(message.error().code, path + ": " + message.error().message);
    out.airlines.push_back(std::move(*t));
    out.texts.push_back(std::move(*message));
  }
  return out;
}

Result<air::Timetable> LoadAirWorld(const std::string& air_dir, const ZoneOffsetMinutes& offset) {
  auto files = ReadAirFiles(air_dir);
  if (!files) return tl::unexpected<Error>(files.error());
  return AirTimetableOf(files->map, files->airlines, offset);
}

}  // namespace tripmesh::worldfiles
