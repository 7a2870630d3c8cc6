#include "tripmesh/worldfiles/files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tripmesh/schemas/decode.h"

namespace tripmesh::worldfiles {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Errc::kNotFound, "cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Result<core::World> LoadWorld(const std::string& data_dir) {
  auto map_text = ReadFile(data_dir + "/map.json");
  if (!map_text) return tl::unexpected<Error>(map_text.error());
  auto map = schemas::Decode<schemas::Map>(*map_text);
  if (!map) return Fail(map.error().code, data_dir + "/map.json: " + map.error().message);
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/companies", ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  if (ec) return Fail(Errc::kNotFound, "cannot list " + data_dir + "/companies: " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<schemas::Catalogue> catalogues;
  for (const auto& f : files) {
    auto text = ReadFile(f);
    if (!text) return tl::unexpected<Error>(text.error());
    auto cat = schemas::Decode<schemas::Catalogue>(*text);
    if (!cat) return Fail(cat.error().code, f + ": " + cat.error().message);
    catalogues.push_back(std::move(*cat));
  }
  return core::World::Build(std::move(*map), std::move(catalogues));
}

}  // namespace tripmesh::worldfiles
