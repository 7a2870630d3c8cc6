// Locks by key over a fixed table of mutexes. Lock({keys...}) takes the
// stripes in sorted order, each once, so overlapping multi-key requests cannot
// deadlock. Thread safety: any thread.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <string_view>
#include <vector>

namespace tripmesh::runtime {

class KeyedLocks {
 public:
  static constexpr std::size_t kStripes = 1024;

  class Guard {
   public:
    Guard(KeyedLocks* owner, std::vector<std::size_t> stripes);
    ~Guard();  // releases in reverse order
    Guard(Guard&& other) noexcept;
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;

   private:
    KeyedLocks* owner_;
    std::vector<std::size_t> stripes_;
  };

  [[nodiscard]] Guard Lock(const std::vector<std::string_view>& keys);
  // One key, without allocating: for lookups a planner makes hundreds of times.
  [[nodiscard]] std::unique_lock<std::mutex> LockOne(std::string_view key);
  // The mutex LockOne(key) takes, for a caller that finds it once and takes
  // it many times.
  [[nodiscard]] std::mutex& StripeOf(std::string_view key);

 private:
  std::array<std::mutex, kStripes> stripes_;
};

}  // namespace tripmesh::runtime
