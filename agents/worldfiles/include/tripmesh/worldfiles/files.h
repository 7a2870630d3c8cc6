// Reading the default world from disk.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tripmesh/air/timetable.h"
#include "tripmesh/base/result.h"
#include "tripmesh/core/world.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::worldfiles {

[[nodiscard]] Result<std::string> ReadFile(const std::string& path);
// Loads <dir>/map.json and <dir>/companies/*.json, checked by core::World::Build.
[[nodiscard]] Result<core::World> LoadWorld(const std::string& data_dir);

// The offset from UTC, in minutes, of an IANA zone (the airports' zones keep
// one offset all year; data/air/gen/README.md).
using ZoneOffsetMinutes = std::function<int(const std::string& zone)>;
// The air world of an airport map and airlines' timetables (as files or
// retained messages carry them): every flight's airports, aircraft and fare
// classes checked.
[[nodiscard]] Result<air::Timetable> AirTimetableOf(
    const schemas::AirMap& map, const std::vector<schemas::AirlineTimetable>& timetables,
    const ZoneOffsetMinutes& offset);
// <air_dir>/airports.json and each <air_dir>/airlines/*.json, decoded and
// checked (an error names its file), with each airline's message as one line.
struct AirFiles {
  schemas::AirMap map;
  std::vector<schemas::AirlineTimetable> airlines;
  std::vector<std::string> texts;  // the airline.timetable messages, minified
};
[[nodiscard]] Result<AirFiles> ReadAirFiles(const std::string& air_dir);
// The air profile's world: <air_dir>/airports.json and <air_dir>/airlines/*.json.
[[nodiscard]] Result<air::Timetable> LoadAirWorld(const std::string& air_dir,
                                                  const ZoneOffsetMinutes& offset);

}  // namespace tripmesh::worldfiles
