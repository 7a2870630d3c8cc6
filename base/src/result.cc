#include "tripmesh/base/result.h"

#include <array>
#include <utility>

namespace tripmesh {
namespace {

constexpr std::array<std::pair<Errc, std::string_view>, 16> kNames = {{
    {Errc::kInvalidJson, "invalid_json"},
    {Errc::kInvalidRequest, "invalid_request"},
    {Errc::kUnknownOp, "unknown_op"},
    {Errc::kUnknownCity, "unknown_city"},
    {Errc::kNoRoute, "no_route"},
    {Errc::kUnreachable, "unreachable"},
    {Errc::kUnavailable, "unavailable"},
    {Errc::kNotFound, "not_found"},
    {Errc::kConflict, "conflict"},
    {Errc::kExpired, "expired"},
    {Errc::kTimeout, "timeout"},
    {Errc::kForbidden, "forbidden"},
    {Errc::kOverloaded, "overloaded"},
    {Errc::kInternal, "internal"},
    {Errc::kOffline, "offline"},
    {Errc::kUnknownCompany, "unknown_company"},
}};

}  // namespace

std::string_view ErrcName(Errc code) {
  for (const auto& [c, name] : kNames) {
    if (c == code) return name;
  }
  return "internal";
}

bool ParseErrc(std::string_view name, Errc& out) {
  for (const auto& [c, n] : kNames) {
    if (n == name) {
      out = c;
      return true;
    }
  }
  return false;
}

}  // namespace tripmesh
