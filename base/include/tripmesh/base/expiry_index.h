// Ids by the time their hold expires, for the sweeps that let holds lapse:
// a charging company's held reservations and saga parts, an airline's held
// seats. Not thread-safe: its owner guards it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tripmesh/base/time.h"

namespace tripmesh {

class ExpiryIndex {
 public:
  // Tracks `id` until `at`; without a time, stops tracking it.
  void Set(const std::string& id, std::optional<Time> at) {
    if (auto it = at_.find(id); it != at_.end()) {
      by_time_.erase({it->second, id});
      at_.erase(it);
    }
    if (at) {
      at_[id] = *at;
      by_time_.insert({*at, id});
    }
  }
  // The ids whose time is at or before `now`, earliest first.
  [[nodiscard]] std::vector<std::string> Due(Time now) const {
    std::vector<std::string> out;
    for (const auto& [at, id] : by_time_) {
      if (at > now) break;
      out.push_back(id);
    }
    return out;
  }

 private:
  std::unordered_map<std::string, Time> at_;
  std::set<std::pair<Time, std::string>> by_time_;
};

}  // namespace tripmesh
