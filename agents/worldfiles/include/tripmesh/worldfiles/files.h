// Reading the default world from disk.
#pragma once

#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/core/world.h"

namespace tripmesh::worldfiles {

[[nodiscard]] Result<std::string> ReadFile(const std::string& path);
// Loads <dir>/map.json and <dir>/companies/*.json, checked by core::World::Build.
[[nodiscard]] Result<core::World> LoadWorld(const std::string& data_dir);

}  // namespace tripmesh::worldfiles
