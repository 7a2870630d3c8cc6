// What the world generators (tools/datagen, tools/airgen) share: reading
// their curated "a | b | c" lists and writing numbers with fixed decimals.
#pragma once

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tripmesh::gen {

inline constexpr double kEarthRadiusKm = 6371.0;

inline std::string Trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

inline std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) out.push_back(Trim(part));
  return out;
}

// The rows of a list: '|'-separated, `columns` each; blank lines and '#' comments skipped.
inline std::vector<std::vector<std::string>> ReadTable(const std::string& path,
                                                       std::size_t columns) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    auto row = Split(line, '|');
    if (row.size() != columns) throw std::runtime_error(path + ": bad line: " += line);
    rows.push_back(row);
  }
  return rows;
}

inline std::string Num(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

inline double GreatCircleKm(double lat1, double lon1, double lat2, double lon2) {
  auto rad = [](double d) { return d * M_PI / 180.0; };
  double dlat = rad(lat2 - lat1), dlon = rad(lon2 - lon1);
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(rad(lat1)) * std::cos(rad(lat2)) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(h));
}

}  // namespace tripmesh::gen
