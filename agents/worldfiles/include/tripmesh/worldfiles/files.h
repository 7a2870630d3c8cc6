// Reading the default world from disk.
#pragma once

#include <functional>
#include <string>

#include "tripmesh/air/timetable.h"
#include "tripmesh/base/result.h"
#include "tripmesh/core/world.h"

namespace tripmesh::worldfiles {

[[nodiscard]] Result<std::string> ReadFile(const std::string& path);
// Loads <dir>/map.json and <dir>/companies/*.json, checked by core::World::Build.
[[nodiscard]] Result<core::World> LoadWorld(const std::string& data_dir);

// The offset from UTC, in minutes, of an IANA zone (the airports' zones keep
// one offset all year; data/air/gen/README.md).
using ZoneOffsetMinutes = std::function<int(const std::string& zone)>;
// The air profile's world: <air_dir>/airports.json and <air_dir>/airlines/*.json.
[[nodiscard]] Result<air::Timetable> LoadAirWorld(const std::string& air_dir,
                                                  const ZoneOffsetMinutes& offset);

}  // namespace tripmesh::worldfiles
