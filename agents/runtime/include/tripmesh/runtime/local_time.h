// Times as a person reads them: in the local zone of the place they refer to
// (the IANA zones the cities carry), read from the system's zoneinfo files.
// Thread safety: every function may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "tripmesh/base/time.h"

namespace tripmesh::runtime {

struct ZoneOffset {
  int utc_offset_s = 0;      // east of UTC
  std::string abbreviation;  // "-03", "UTC"
};

// The offset of IANA zone `zone` at `t`; UTC when the zone is unknown.
ZoneOffset OffsetAt(std::string_view zone, Time t);

// "06:52 (-03)" when `t` falls on the same local date as `now`, else
// "Tue 01 Dec 06:52 (-03)" (with the year when it is not `now`'s year).
std::string FormatLocal(Time t, std::string_view zone, Time now);

// The zone of the machine ($TZ, else /etc/localtime), as an IANA name when it
// can tell; "UTC" otherwise.
std::string MachineZone();

}  // namespace tripmesh::runtime
