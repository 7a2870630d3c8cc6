#include "broker_baseline.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tripmesh/runtime/transport.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::bench {
namespace {

using Steady = std::chrono::steady_clock;

Steady::time_point After(Steady::time_point t, double seconds) {
  return t + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seconds));
}

// Where each topic of the tree belongs, for the message count.
std::string KindOf(const std::string& topic) {
  for (const char* kind : {"/requests/", "/saga/", "/events/", "/availability", "/replies",
                           "/metrics", "/telemetry", "/status"}) {
    if (topic.find(kind) != std::string::npos) {
      std::string k = kind;
      k.erase(std::remove(k.begin(), k.end(), '/'), k.end());
      return k;
    }
  }
  return "other";
}

}  // namespace

BrokerResult BrokerRoundTrips(const std::string& broker, int in_flight, double warmup,
                              double seconds, const std::function<double()>& broker_cpu_ms) {
  auto responder = PlainClient(broker, fmt::format("bench-responder-{}", in_flight));
  auto requester = PlainClient(broker, fmt::format("bench-requester-{}", in_flight));
  const std::string reply(700, 'r');
  responder->SetReceiver([&](const runtime::InboundMessage& m) {
    (void)responder->Publish({.topic = m.topic + "/reply", .payload = reply});
  });
  struct Slot {
    std::mutex mu;
    std::condition_variable cv;
    bool answered = false;
  };
  std::vector<Slot> slots(static_cast<std::size_t>(in_flight));
  requester->SetReceiver([&](const runtime::InboundMessage& m) {
    // bench/req/<slot>/reply
    auto i = std::stoul(m.topic.substr(10, m.topic.size() - 16));
    std::lock_guard lock(slots[i].mu);
    slots[i].answered = true;
    slots[i].cv.notify_one();
  });
  if (!responder->Connect(std::chrono::seconds(5)) ||
      !requester->Connect(std::chrono::seconds(5)) || !responder->Subscribe("bench/req/+", 1) ||
      !requester->Subscribe("bench/req/+/reply", 1)) {
    Die("baseline clients cannot connect to " + broker);
  }
  const std::string request(400, 'q');
  auto start = Steady::now();
  auto measured_from = After(start, warmup), deadline = After(measured_from, seconds);
  BrokerResult out;
  std::mutex mu;
  long counted = 0, all = 0;
  ResourceUse before = UsageSoFar(RUSAGE_SELF);
  double broker_before = broker_cpu_ms ? broker_cpu_ms() : 0;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(in_flight));
  for (int i = 0; i < in_flight; ++i) {
    threads.emplace_back([&, i] {
      Slot& slot = slots[static_cast<std::size_t>(i)];
      std::string topic = fmt::format("bench/req/{}", i);
      while (Steady::now() < deadline) {
        auto t0 = Steady::now();
        {
          std::lock_guard lock(slot.mu);
          slot.answered = false;
        }
        if (!requester->Publish({.topic = topic, .payload = request})) Die("baseline publish");
        std::unique_lock lock(slot.mu);
        if (!slot.cv.wait_for(lock, std::chrono::seconds(10), [&] { return slot.answered; })) {
          Die("baseline: no reply within 10 s");
        }
        auto t1 = Steady::now();
        std::lock_guard count_lock(mu);
        ++all;
        if (t0 < measured_from || t1 > deadline) continue;
        ++counted;
        out.latency.Add(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  out.round_trips_per_s = static_cast<double>(counted) / seconds;
  if (all > 0) {
    ResourceUse after = UsageSoFar(RUSAGE_SELF);
    auto n = static_cast<double>(all);
    out.client_cpu_ms_per_round_trip = (after.cpu_ms - before.cpu_ms) / n;
    out.client_switches_per_round_trip = (after.switches - before.switches) / n;
    if (broker_cpu_ms) out.broker_cpu_ms_per_round_trip = (broker_cpu_ms() - broker_before) / n;
  }
  requester->Disconnect();
  responder->Disconnect();
  return out;
}

std::string MessageCount::Format() const {
  std::string parts;
  for (const auto& [kind, n] : by_kind) parts += fmt::format(", {} {:.1f}", kind, n);
  return fmt::format("{:.1f} ({})", per_reservation, parts.empty() ? "" : parts.substr(2));
}

MessageCount CountMessages(const std::string& broker, int n,
                           const std::function<bool(int)>& reserve) {
  auto counter = PlainClient(broker, "bench-counter");
  std::mutex mu;
  std::map<std::string, long> counts;
  std::atomic<bool> counting{false};
  counter->SetReceiver([&](const runtime::InboundMessage& m) {
    if (m.retained || !counting) return;  // retained copies are not new publishes
    std::lock_guard lock(mu);
    ++counts[KindOf(m.topic)];
  });
  if (!counter->Connect(std::chrono::seconds(5)) || !counter->Subscribe(topics::Everything(), 1)) {
    Die("message counter cannot subscribe");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  counting = true;
  int confirmed = 0;
  for (int i = 0; i < n; ++i) confirmed += reserve(i);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // trailing events, acks
  counting = false;
  counter->Disconnect();
  if (confirmed == 0) Die("no reservation confirmed while counting messages");
  MessageCount out;
  std::lock_guard lock(mu);
  for (const auto& [kind, c] : counts) {
    out.by_kind[kind] = static_cast<double>(c) / confirmed;
    out.per_reservation += out.by_kind[kind];
  }
  return out;
}

}  // namespace tripmesh::bench
