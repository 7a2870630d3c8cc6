#include "tripmesh/runtime/local_time.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace tripmesh::runtime {
namespace {

// One zone's transitions, from a TZif file (RFC 8536), version 2 or later.
// After the last transition the last type holds: right for zones without
// daylight saving today (every zone of the default world); a zone that still
// changes twice a year keeps its last offset past the file's table.
struct Zone {
  std::vector<std::int64_t> transitions;
  std::vector<std::uint8_t> type_of;
  std::vector<ZoneOffset> types;
};

std::int64_t BigEndian(const std::string& data, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[at + i]);
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

struct Header {
  std::size_t isut, isstd, leap, time, type, chars;
};

std::optional<Header> ReadHeader(const std::string& d, std::size_t at) {
  if (d.size() < at + 44 || d.compare(at, 4, "TZif") != 0) return std::nullopt;
  auto n = [&](int i) {
    return static_cast<std::size_t>(BigEndian(d, at + 20 + std::size_t{4} * i, 4));
  };
  return Header{n(0), n(1), n(2), n(3), n(4), n(5)};
}

std::optional<Zone> ParseTzif(const std::string& d) {
  auto v1 = ReadHeader(d, 0);
  if (!v1 || d[4] < '2') return std::nullopt;
  std::size_t skip =
      44 + v1->time * 5 + v1->type * 6 + v1->chars + v1->leap * 8 + v1->isstd + v1->isut;
  auto h = ReadHeader(d, skip);
  if (!h || h->type == 0) return std::nullopt;
  std::size_t at = skip + 44;
  std::size_t need = h->time * 9 + h->type * 6 + h->chars;
  if (d.size() < at + need) return std::nullopt;
  Zone z;
  for (std::size_t i = 0; i < h->time; ++i) z.transitions.push_back(BigEndian(d, at + 8 * i, 8));
  at += 8 * h->time;
  for (std::size_t i = 0; i < h->time; ++i) {
    z.type_of.push_back(std::min<std::uint8_t>(static_cast<std::uint8_t>(d[at + i]),
                                               static_cast<std::uint8_t>(h->type - 1)));
  }
  at += h->time;
  std::size_t chars_at = at + 6 * h->type;
  for (std::size_t i = 0; i < h->type; ++i) {
    ZoneOffset o;
    o.utc_offset_s = static_cast<int>(BigEndian(d, at + 6 * i, 4));
    auto abbr = static_cast<std::size_t>(static_cast<unsigned char>(d[at + 6 * i + 5]));
    if (abbr < h->chars) o.abbreviation = std::string(d.c_str() + chars_at + abbr);
    z.types.push_back(std::move(o));
  }
  return z;
}

std::optional<Zone> LoadZone(std::string_view name) {
  if (name.empty() || name.find("..") != std::string_view::npos) return std::nullopt;
  const char* dir = std::getenv("TZDIR");  // NOLINT(concurrency-mt-unsafe): read only
  std::string path = std::string(dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ParseTzif(data);
}

const Zone* Cached(std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, std::optional<Zone>, std::less<>> zones;
  std::lock_guard lock(mu);
  auto it = zones.find(name);
  if (it == zones.end()) it = zones.emplace(std::string(name), LoadZone(name)).first;
  return it->second ? &*it->second : nullptr;
}

std::tm Broken(Time t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

}  // namespace

ZoneOffset OffsetAt(std::string_view zone, Time t) {
  const Zone* z = Cached(zone);
  if (!z) return {0, "UTC"};
  auto it = std::upper_bound(z->transitions.begin(), z->transitions.end(), t);
  if (it == z->transitions.begin()) return z->types.front();
  return z->types[z->type_of[static_cast<std::size_t>(it - z->transitions.begin() - 1)]];
}

std::string FormatLocal(Time t, std::string_view zone, Time now) {
  ZoneOffset off = OffsetAt(zone, t);
  std::tm local = Broken(t + off.utc_offset_s);
  std::tm today = Broken(now + OffsetAt(zone, now).utc_offset_s);
  std::string abbr = off.abbreviation.empty() ? "UTC" : off.abbreviation;
  char buf[64];
  const char* format = local.tm_year != today.tm_year   ? "%a %d %b %Y %H:%M"
                       : local.tm_yday != today.tm_yday ? "%a %d %b %H:%M"
                                                        : "%H:%M";
  std::strftime(buf, sizeof buf, format, &local);
  return fmt::format("{} ({})", buf, abbr);
}

std::string MachineZone() {
  const char* tz = std::getenv("TZ");  // NOLINT(concurrency-mt-unsafe): read only
  if (tz && *tz) return *tz == ':' ? tz + 1 : tz;
  std::error_code ec;
  auto target = std::filesystem::read_symlink("/etc/localtime", ec);
  if (ec) return "UTC";
  std::string s = target.string();
  auto at = s.find("zoneinfo/");
  return at == std::string::npos ? "UTC" : s.substr(at + 9);
}

}  // namespace tripmesh::runtime
