// check.result: what `tripmesh check --json` prints, for either profile:
// what the checker read and each finding with its kind.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tripmesh::schemas {

struct CheckFinding {
  std::string kind;  // e.g. "overlap", "sold_twice" (check.result.schema.json lists them)
  std::string detail;
};

struct CheckResult {
  std::string profile;  // "ev" or "air"
  // What was read, in the order a person reads it: {"reservations", 12}, ...
  std::vector<std::pair<std::string, std::int64_t>> counts;
  std::vector<CheckFinding> findings;
  std::vector<std::string> unchecked;  // companies named by the world whose store was not given

  bool consistent() const { return findings.empty(); }
};

// Thread safety: may be called from any thread.
std::string Encode(const CheckResult& m);

}  // namespace tripmesh::schemas
