#include "tripmesh/core/ledger.h"

#include <algorithm>

namespace tripmesh::core {

bool PointLedger::IsFree(Time start, Time end) const {
  if (end <= start) return false;
  auto it = by_start_.lower_bound(end);  // first interval starting at or after `end`
  if (it == by_start_.begin()) return true;
  --it;  // the last interval starting before `end`: the only one that can overlap
  return it->second.end <= start;
}

Status PointLedger::Add(Interval iv) {
  if (iv.end <= iv.start) return Fail(Errc::kInvalidRequest, "empty interval", "end_at");
  if (!IsFree(iv.start, iv.end)) {
    return Fail(Errc::kUnavailable, "the point is taken for part of that time");
  }
  Time start = iv.start;
  by_start_.emplace(start, std::move(iv));
  return {};
}

Status PointLedger::MakeBooking(const std::string& owner, Time start) {
  auto it = by_start_.find(start);
  if (it == by_start_.end() || it->second.owner != owner) {
    return Fail(Errc::kNotFound, "no hold of " + owner + " at that time");
  }
  it->second.expires_at.reset();
  return {};
}

bool PointLedger::Remove(const std::string& owner, Time start) {
  auto it = by_start_.find(start);
  if (it == by_start_.end() || it->second.owner != owner) return false;
  by_start_.erase(it);
  return true;
}

std::vector<Interval> PointLedger::ExpireHolds(Time now) {
  std::vector<Interval> expired;
  for (auto it = by_start_.begin(); it != by_start_.end();) {
    if (it->second.expires_at && *it->second.expires_at <= now) {
      expired.push_back(std::move(it->second));
      it = by_start_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

Time PointLedger::EarliestStart(Time from, Time duration) const {
  Time t = from;
  auto it = by_start_.upper_bound(t);
  if (it != by_start_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > t) t = prev->second.end;
  }
  for (; it != by_start_.end(); ++it) {
    if (it->first >= t + duration) break;  // the gap before this interval fits
    if (it->second.end > t) t = it->second.end;
  }
  return t;
}

std::vector<schemas::FreeInterval> PointLedger::FreeIntervals(Time from, Time to) const {
  std::vector<schemas::FreeInterval> out;
  Time t = from;
  auto it = by_start_.upper_bound(from);
  if (it != by_start_.begin()) --it;
  for (; it != by_start_.end() && it->first < to; ++it) {
    if (it->second.end <= t) continue;
    if (it->first > t) out.push_back({t, it->first});
    t = it->second.end;
  }
  if (t < to) out.push_back({t, to});
  return out;
}

std::string PointLedger::StatusAt(Time now) const {
  auto it = by_start_.upper_bound(now);
  if (it == by_start_.begin()) return "AVAILABLE";
  --it;
  if (it->second.end <= now) return "AVAILABLE";
  return it->second.expires_at ? "RESERVED" : "CHARGING";
}

Time PointLedger::NextFreeAt(Time now) const { return EarliestStart(now, 1); }

Time EarliestStartIn(const std::vector<schemas::FreeInterval>& free, Time from, Time duration,
                     Time window_end) {
  for (const auto& gap : free) {
    Time t = std::max(from, gap.start);
    if (gap.end >= window_end && t >= gap.start) return t;  // the gap runs past the window
    if (t + duration <= gap.end) return t;
  }
  return std::max(from, window_end);
}

}  // namespace tripmesh::core
