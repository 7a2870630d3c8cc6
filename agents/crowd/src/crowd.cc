#include "tripmesh/crowd/crowd.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>
#include <thread>

namespace tripmesh::crowd {

void Latencies::Add(double ms) {
  sorted_ = sorted_ && (ms_.empty() || ms_.back() <= ms);
  ms_.push_back(ms);
}

void Latencies::Merge(const Latencies& other) {
  ms_.insert(ms_.end(), other.ms_.begin(), other.ms_.end());
  sorted_ = false;
}

double Latencies::At(double q) const {
  if (ms_.empty()) return 0;
  if (!sorted_) std::sort(ms_.begin(), ms_.end());
  sorted_ = true;
  auto rank = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(ms_.size()));
  return ms_[std::min(ms_.size() - 1, rank)];
}

double Latencies::Max() const {
  return ms_.empty() ? 0 : *std::max_element(ms_.begin(), ms_.end());
}

void Failures::Add(Errc code, long n) { by_code_[code] += n; }

void Failures::Merge(const Failures& other) {
  for (const auto& [code, n] : other.by_code_) by_code_[code] += n;
}

long Failures::Total() const {
  return std::accumulate(by_code_.begin(), by_code_.end(), 0L,
                         [](long sum, const auto& f) { return sum + f.second; });
}

long Failures::Of(Errc code) const {
  auto it = by_code_.find(code);
  return it == by_code_.end() ? 0 : it->second;
}

bool Failures::AnyBut(std::initializer_list<Errc> expected) const {
  return std::any_of(by_code_.begin(), by_code_.end(), [&](const auto& f) {
    return std::find(expected.begin(), expected.end(), f.first) == expected.end();
  });
}

std::string Failures::Format() const {
  std::string out;
  for (const auto& [code, n] : by_code_) {
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", ErrcName(code), n);
  }
  return out;
}

Latencies Run(const RunOptions& options, const std::function<void(int, Latencies&)>& play,
              const std::function<void(int)>& after) {
  std::atomic<int> next{0};
  std::mutex mu;  // guards `after` and `all`
  Latencies all;
  auto work = [&] {
    Latencies mine;
    for (int i; (i = next.fetch_add(1)) < options.members;) {
      if (options.stop && options.stop()) break;
      play(i, mine);
      std::lock_guard lock(mu);
      if (after) after(i);
    }
    std::lock_guard lock(mu);
    all.Merge(mine);
  };
  int threads = std::max(1, std::min(options.concurrency, options.members));
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) workers.emplace_back(work);
  for (auto& w : workers) w.join();
  return all;
}

}  // namespace tripmesh::crowd
