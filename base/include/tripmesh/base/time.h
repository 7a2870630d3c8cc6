// Wire times are RFC 3339 UTC strings; inside tripmesh a time is whole seconds
// since the Unix epoch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tripmesh/base/result.h"

namespace tripmesh {

using Time = std::int64_t;
inline constexpr Time kMinuteS = 60;
inline constexpr Time kHourS = 3600;
inline constexpr Time kDayS = 86400;
// A time that never comes: the end of an open-ended outage, and the earliest
// start of a point that will not be free again.
inline constexpr Time kNever = INT64_MAX / 4;

// "2026-11-22T14:05:00Z".
std::string FormatTime(Time t);
// Accepts "Z" or a numeric offset and optional fractional seconds (dropped).
[[nodiscard]] Result<Time> ParseTime(std::string_view text);

}  // namespace tripmesh
