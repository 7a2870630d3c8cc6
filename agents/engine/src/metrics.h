// Counters and a latency window for company.metrics. Thread safety: any thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tripmesh::engine {

class Metrics {
 public:
  void Count(const std::string& name, std::int64_t n = 1) {
    std::lock_guard lock(mu_);
    counters_[name] += n;
  }
  void Latency(double ms) {
    std::lock_guard lock(mu_);
    if (window_.size() < kWindow) {
      window_.push_back(ms);
    } else {
      window_[next_++ % kWindow] = ms;
    }
  }
  // Counters, and p50/p99 of the last kWindow latencies.
  void Read(std::map<std::string, std::int64_t>& counters, double& p50, double& p99) const {
    std::vector<double> sorted;
    {
      std::lock_guard lock(mu_);
      counters = counters_;
      sorted = window_;
    }
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
      return sorted.empty() ? 0.0 : sorted[static_cast<std::size_t>(q * double(sorted.size() - 1))];
    };
    p50 = at(0.50);
    p99 = at(0.99);
  }

 private:
  static constexpr std::size_t kWindow = 4096;
  mutable std::mutex mu_;
  std::map<std::string, std::int64_t> counters_;
  std::vector<double> window_;
  std::size_t next_ = 0;
};

}  // namespace tripmesh::engine
