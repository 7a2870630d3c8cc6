#include "sim_kernel.h"

#include <algorithm>

namespace tripmesh::dst {

void SimKernel::Enqueue(const std::string& from, const std::string& to, Message m) {
  auto& link = links_[{from, to}];
  m.deliver_at = now_ + Uniform(1, 40);
  // Within QoS 1 one publisher's messages to one subscriber keep their order.
  if (!config_.beyond_mqtt && !link.empty()) {
    m.deliver_at = std::max(m.deliver_at, link.back().deliver_at);
  }
  if (config_.faults && Chance(0.1)) {
    // A redelivery after a reconnection (its PUBACK was lost): QoS 1 lets
    // it come after messages sent later that were acknowledged.
    Message again = m;
    again.deliver_at = m.deliver_at + Uniform(1, 15000);
    redeliveries_.push_back({{from, to}, std::move(again)});
  }
  link.push_back(std::move(m));
  if (config_.beyond_mqtt) {
    std::stable_sort(link.begin(), link.end(), [](const Message& a, const Message& b) {
      return a.deliver_at < b.deliver_at;
    });
  }
}

void SimKernel::DeliverOrLose(const std::string& from, const std::string& to, Message m) {
  if (config_.beyond_mqtt && config_.faults && Chance(0.03)) {
    Trace("lose {} -> {}: {}", from, to, m.topic);
    return;
  }
  Deliver(from, to, std::move(m));
}

void SimKernel::AddDeliveries(std::vector<std::function<void()>>& can) {
  for (auto& [link, queue] : links_) {
    if (queue.empty() || queue.front().deliver_at > now_ || !Accepts(link.second)) continue;
    can.push_back([this, link = link] {
      auto& q = links_[link];
      Message m = std::move(q.front());
      q.pop_front();
      DeliverOrLose(link.first, link.second, std::move(m));
    });
  }
  for (std::size_t i = 0; i < redeliveries_.size(); ++i) {
    const auto& [link, m] = redeliveries_[i];
    if (m.deliver_at > now_ || !Accepts(link.second)) continue;
    can.push_back([this, i] {
      auto [link, m] = std::move(redeliveries_[i]);
      redeliveries_.erase(redeliveries_.begin() + static_cast<std::ptrdiff_t>(i));
      Trace("redeliver");
      DeliverOrLose(link.first, link.second, std::move(m));
    });
  }
}

void SimKernel::AddTasks(std::vector<std::function<void()>>& can, SimNode& n) {
  std::vector<std::string_view> seen;
  for (std::size_t i = 0; i < n.tasks.size(); ++i) {
    std::string_view key = n.tasks[i].first;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;  // a lane runs in order
    seen.push_back(key);
    can.push_back([this, &n, i] { RunTask(n, i); });
  }
}

void SimKernel::RunTask(SimNode& n, std::size_t i) {
  n.changed = true;
  auto task = std::move(n.tasks[i].second);
  Trace("{} runs a task of {}", n.id, n.tasks[i].first);
  n.tasks.erase(n.tasks.begin() + static_cast<std::ptrdiff_t>(i));
  task();
}

Ms SimKernel::NextDelivery(Ms next) const {
  for (const auto& [link, q] : links_) {
    if (!q.empty()) next = std::min(next, std::max(q.front().deliver_at, now_ + 1));
  }
  for (const auto& r : redeliveries_)
    next = std::min(next, std::max(r.second.deliver_at, now_ + 1));
  return next;
}

void SimKernel::AdvanceTo(Ms next) {
  next = std::max(next, now_ + 1);
  clock_.Advance((next / 1000) - (now_ / 1000));
  now_ = next;
}

bool SimKernel::NetworkQuiet() const {
  if (!redeliveries_.empty()) return false;
  return std::all_of(links_.begin(), links_.end(), [](const auto& l) { return l.second.empty(); });
}

void SimKernel::Fail(const std::string& why) {
  if (!result_.ok) return;
  result_.ok = false;
  result_.failure = why;
  Trace("FAILED: {}", why);
}

void SimKernel::Traced(std::string line) {
  for (char c : line)
    result_.trace_hash = (result_.trace_hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  trace_.push_back(std::move(line));
  if (trace_.size() > config_.trace_tail) trace_.pop_front();
}

SimResult SimKernel::Finish() {
  result_.trace.assign(trace_.begin(), trace_.end());
  return result_;
}

}  // namespace tripmesh::dst
