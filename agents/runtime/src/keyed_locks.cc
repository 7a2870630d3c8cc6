#include "tripmesh/runtime/keyed_locks.h"

#include <algorithm>
#include <functional>

namespace tripmesh::runtime {

KeyedLocks::Guard::Guard(KeyedLocks* owner, std::vector<std::size_t> stripes)
    : owner_(owner), stripes_(std::move(stripes)) {}

KeyedLocks::Guard::Guard(Guard&& other) noexcept
    : owner_(other.owner_), stripes_(std::move(other.stripes_)) {
  other.stripes_.clear();
}

KeyedLocks::Guard::~Guard() {
  for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) owner_->stripes_[*it].unlock();
}

KeyedLocks::Guard KeyedLocks::Lock(const std::vector<std::string_view>& keys) {
  std::vector<std::size_t> stripes;
  stripes.reserve(keys.size());
  for (auto k : keys) stripes.push_back(std::hash<std::string_view>{}(k) % kStripes);
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (auto s : stripes) stripes_[s].lock();
  return Guard(this, std::move(stripes));
}

std::unique_lock<std::mutex> KeyedLocks::LockOne(std::string_view key) {
  return std::unique_lock(StripeOf(key));
}

std::mutex& KeyedLocks::StripeOf(std::string_view key) {
  return stripes_[std::hash<std::string_view>{}(key) % kStripes];
}

}  // namespace tripmesh::runtime
