// tripmesh monitor: a readable live view of a tripmesh system from its topics
// alone, usable against any tripmesh broker.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "commands.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::cli {
namespace {

using schemas::ReservationStatus;

struct MonitorFlags {
  BrokerFlags broker;
  double duration_s = 0;  // 0: until Ctrl-C
};

std::atomic<bool> stop_monitor{false};

// What the topics have said so far. Thread safety: Add() on the network
// thread, Render() on the main thread, both under mu_.
class MonitorView {
 public:
  void Add(const runtime::InboundMessage& m) {
    auto route = topics::ParseTopic(m.topic);
    if (!route) return;
    std::lock_guard lock(mu_);
    ++messages_;
    Company& c = companies_[route->company];
    switch (route->kind) {
      case topics::Kind::kCompanyStatus:
        if (auto s = schemas::Decode<schemas::CompanyStatus>(m.payload)) {
          c.online = s->online ? "online" : "OFFLINE";
          c.zone = s->time_zone.empty() ? "UTC" : s->time_zone;
          c.since = s->online && s->started_at ? s->started_at : s->timestamp;
        }
        break;
      case topics::Kind::kMetrics:
        if (auto mt = schemas::Decode<schemas::CompanyMetrics>(m.payload)) c.metrics = *mt;
        break;
      case topics::Kind::kCompanyInfo:
        if (auto i = schemas::Decode<schemas::CompanyInfo>(m.payload)) c.stations = i->stations;
        break;
      case topics::Kind::kEvent:
        if (auto e = schemas::Decode<schemas::Event>(m.payload)) {
          auto kind = topics::ParseEventKind(route->name);
          if (kind == topics::EventKind::kReservation) {
            auto& last = c.reservations[e->reservation_id];
            if (!last.empty()) --c.by_status[last];
            last = e->status;
            ++c.by_status[e->status];
            auto status = schemas::ParseReservationStatus(e->status);
            if (status == ReservationStatus::kFailed || status == ReservationStatus::kExpired) {
              Recent(fmt::format("{} {} {} {}", route->company, e->reservation_id, e->status,
                                 e->detail));
            }
          } else if (kind == topics::EventKind::kSaga) {
            // A coordinator's saga is in flight until it reaches a reservation's
            // final status; participants' events (participant.*) are not sagas.
            auto status = schemas::ParseReservationStatus(e->status);
            bool done =
                status == ReservationStatus::kConfirmed || status == ReservationStatus::kFailed ||
                status == ReservationStatus::kExpired || status == ReservationStatus::kCancelled;
            if (e->status.rfind("participant.", 0) == 0) {
            } else if (done) {
              c.sagas.erase(e->reservation_id);
            } else {
              c.sagas.insert(e->reservation_id);
            }
          }
        }
        break;
      case topics::Kind::kVehicleReplies:
      case topics::Kind::kCompanyReplies:
        if (m.payload.find("\"type\":\"error\"") != std::string::npos) {
          if (auto e = schemas::Decode<schemas::ErrorReply>(m.payload)) {
            Recent(fmt::format("to {}: {}: {}",
                               route->vehicle.empty() ? route->company : route->vehicle,
                               ErrcName(e->error.code), e->error.message));
          }
        }
        break;
      case topics::Kind::kRequest:
        ++c.requests;
        break;
      case topics::Kind::kBridgeLink:
        links_[route->company + " -> " + route->name] = m.payload == "1";
        break;
      default:
        break;
    }
    if (route->company.empty()) companies_.erase("");
  }

  std::string Render(double watched_s) {
    std::lock_guard lock(mu_);
    Time now = core::RealClock().Now();
    std::string out = fmt::format("tripmesh monitor, {}\n\n",
                                  runtime::FormatLocal(now, runtime::MachineZone(), 0));
    out += "Running totals, from each company's retained metrics (since its agent started):\n";
    constexpr const char* kTotals = "  {:<12}{:<34}{:>9}{:>10}{:>11}{:>9}{:>8}{:>10}{:>10}\n";
    out += fmt::format(kTotals, "company", "status", "stations", "requests", "confirmed", "expired",
                       "failed", "cancelled", "p99 ms");
    for (const auto& entry : companies_) {
      const auto& [id, c] = entry;
      auto total = [&entry](const char* key) {
        const auto& c = entry.second;
        auto it = c.metrics.counters.find(key);
        return it == c.metrics.counters.end() ? std::int64_t{0} : it->second;
      };
      std::string status =
          c.since ? c.online + " since " + runtime::FormatLocal(c.since, c.zone, now) : c.online;
      out += fmt::format(kTotals, id, status, c.stations, total("requests"),
                         total("reservations.confirmed"), total("reservations.expired"),
                         total("reservations.failed"), total("reservations.cancelled"),
                         fmt::format("{:.1f}", c.metrics.latency_p99_ms));
    }
    if (!links_.empty()) {
      out +=
          "\nBridges between the companies' brokers (while one is down, the status above of "
          "the company it comes from is what it last said):\n";
      for (const auto& [link, up] : links_) {
        out += fmt::format("  {:<26}{}\n", link, up ? "connected" : "DOWN");
      }
    }
    out += fmt::format(
        "\nSeen live in the {:.0f} s watched ({} message(s)); a reservation counts "
        "under the last status seen:\n",
        watched_s, messages_);
    constexpr const char* kLive = "  {:<12}{:>10}{:>8}{:>11}{:>9}{:>8}{:>10}{:>12}\n";
    out += fmt::format(kLive, "company", "requests", "held", "confirmed", "expired", "failed",
                       "cancelled", "sagas open");
    for (const auto& entry : companies_) {
      const auto& [id, c] = entry;
      auto n = [&entry](const char* s) {
        const auto& c = entry.second;
        auto it = c.by_status.find(s);
        return it == c.by_status.end() ? 0 : it->second;
      };
      out += fmt::format(kLive, id, c.requests, n("held"), n("confirmed"), n("expired"),
                         n("failed"), n("cancelled"), c.sagas.size());
    }
    out += "\nrecent failures:\n";
    if (recent_.empty()) out += "  none\n";
    for (const auto& r : recent_) out += "  " + r + "\n";
    return out;
  }

 private:
  struct Company {
    std::string online = "?";
    std::string zone = "UTC";
    Time since = 0;
    schemas::CompanyMetrics metrics;
    int stations = 0;
    std::int64_t requests = 0;
    std::map<std::string, std::string> reservations;  // id -> last status
    std::map<std::string, int> by_status;
    std::set<std::string> sagas;
  };
  void Recent(const std::string& line) {
    recent_.push_back(line.substr(0, 160));
    if (recent_.size() > 8) recent_.pop_front();
  }

  std::mutex mu_;
  std::map<std::string, Company> companies_;
  std::deque<std::string> recent_;
  std::map<std::string, bool> links_;  // "from -> to" -> connected
  std::int64_t messages_ = 0;
};

int RunMonitor(const MonitorFlags& f) {
  signal(SIGINT, [](int) { stop_monitor = true; });
  signal(SIGTERM, [](int) { stop_monitor = true; });
  runtime::TransportOptions o = f.broker.Resolve();
  o.client_id = fmt::format("monitor-{}", getpid());
  o.clean_start = true;
  auto kind = runtime::ParseTransportKind(f.broker.transport);
  auto t = runtime::NewTransport(kind ? *kind : runtime::TransportKind::kMosquitto, o);
  MonitorView view;
  t->SetReceiver([&](const runtime::InboundMessage& m) { view.Add(m); });
  if (auto st = t->Connect(std::chrono::seconds(5)); !st) return PrintError(st.error());
  if (auto st = t->Subscribe(topics::Everything(), 1); !st) {
    std::fprintf(stderr, "tripmesh monitor: %s\n", st.error().message.c_str());
    return 1;
  }
  // Once subscribed: what it shows from here on is everything that happens.
  std::fprintf(stderr, "tripmesh monitor: watching %s %s\n", o.broker.c_str(),
               f.duration_s > 0 ? fmt::format("for {} s", f.duration_s).c_str() : "until Ctrl-C");
  bool tty = isatty(STDOUT_FILENO);
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  while (!stop_monitor && (f.duration_s <= 0 || elapsed() < f.duration_s)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(tty ? 1000 : 200));
    if (tty) std::printf("\033[H\033[2J%s", view.Render(elapsed()).c_str());
    std::fflush(stdout);
  }
  t->Disconnect();
  if (!tty) std::printf("%s", view.Render(elapsed()).c_str());
  return 0;
}

}  // namespace

void AddMonitor(CLI::App& app, Runner& run) {
  auto f = std::make_shared<MonitorFlags>();
  auto* cmd = app.add_subcommand("monitor", "A readable live view of tripmesh/v1/# (Ctrl-C stops)");
  AddBrokerFlags(cmd, f->broker);
  cmd->add_option("--duration", f->duration_s,
                  "Seconds to watch, then print the view and exit (0: until Ctrl-C)")
      ->capture_default_str();
  cmd->callback([&run, f] { run = [f] { return RunMonitor(*f); }; });
}

}  // namespace tripmesh::cli
