// tripmesh sim: a fleet of simulated vehicles against a running tripmesh.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "commands.h"
#include "tripmesh/base/time.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/vehicle/simulator.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct SimFlags {
  vehicle::SimOptions sim;
  BrokerFlags broker;
  std::string data = "data";
  std::string check;                   // folder of <company>.db to check afterwards
  std::vector<std::string> check_dbs;  // company=store, to check afterwards
  double time_scale = 0;
  Time clock_start = 0;   // 0: now
  Time clock_origin = 0;  // 0: now
  std::string credentials;
  double depart_within_h = 4;
  std::string profile = "ev";
};

int RunSimulation(const SimFlags& f) {
  vehicle::SimOptions sim = f.sim;
  auto world = worldfiles::LoadWorld(f.data);
  if (!world) {
    std::cerr << "tripmesh: " << world.error().message << " (is --data the folder of map.json?)\n";
    return kError;
  }
  std::unique_ptr<core::Clock> clock = std::make_unique<core::RealClock>();
  if (f.time_scale > 0) {
    Time start = f.clock_start ? f.clock_start : clock->Now();
    clock = f.clock_origin
                ? std::make_unique<core::AcceleratedClock>(start, f.time_scale, f.clock_origin)
                : std::make_unique<core::AcceleratedClock>(start, f.time_scale);
    sim.clock = clock.get();
    sim.time_scale = f.time_scale;
    sim.depart_within_s = static_cast<Time>(f.depart_within_h * 3600);
  }
  bool tty = isatty(STDERR_FILENO);
  auto summary = vehicle::RunSim(
      sim, *world, [tty, zone = RegionZone(*world)](const vehicle::SimProgressInfo& p) {
        PrintProgress(p, tty, zone);
      });
  if (!summary) {
    std::cerr << "tripmesh sim: " << summary.error().message << "\n";
    return 1;
  }
  std::cout << summary->Format() << "\n";
  std::vector<std::string> companies;
  for (const auto& c : world->catalogues()) companies.push_back(c.info.company);
  return CheckAfterSim(companies, f.check, f.check_dbs, [&](const auto& stores) {
    return company::CheckConsistency(stores, clock->Now()).map([](const auto& report) {
      return CheckVerdict{report.ok(), report.Summary()};
    });
  });
}

}  // namespace

std::string RegionZone(const core::World& world) {
  return world.city_count() > 0 && !world.city(0).time_zone.empty() ? world.city(0).time_zone
                                                                    : "UTC";
}

void PrintProgress(const vehicle::SimProgressInfo& p, bool tty, const std::string& zone,
                   std::string_view members) {
  std::string line =
      p.driving
          ? fmt::format("{} parked of {}; {} on the road, {} charging, {} waiting; {}", p.done,
                        p.total, p.on_road, p.charging, p.waiting,
                        runtime::FormatLocal(p.now, zone, core::RealClock().Now()))
          : fmt::format("{}/{} {} reserved, {} confirmed", p.done, p.total, members, p.confirmed);
  if (tty) {
    int width = 30, filled = p.total ? p.done * width / p.total : width;
    std::fprintf(stderr, "\r[%s%s] %s\033[K", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), line.c_str());
    if (p.done == p.total) std::fprintf(stderr, "\n");
    return;
  }
  // Without a terminal: a line per tenth of the reserving, and every few
  // seconds of driving.
  static auto last = std::chrono::steady_clock::time_point{};
  auto now = std::chrono::steady_clock::now();
  bool tenth = !p.driving && p.total >= 10 && p.done % (p.total / 10) == 0;
  bool tick = p.driving && now - last > std::chrono::seconds(5);
  if (p.done == p.total || tenth || tick) {
    last = now;
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void AddSim(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "sim", "A fleet of simulated vehicles that plan and reserve across the companies");
  auto f = std::make_shared<SimFlags>();
  cmd->add_option("--vehicles", f->sim.vehicles, "Vehicles, each its own MQTT client")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--seed", f->sim.seed, "Seed of the trips, cars and drivers")
      ->capture_default_str();
  cmd->add_option("--concurrency", f->sim.concurrency, "Vehicles reserving at the same moment")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--hold-share", f->sim.hold_share, "Share of drivers who hold, then confirm")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--cancel-share", f->sim.cancel_share, "Share of drivers who cancel")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--expire-share", f->sim.expire_share,
                  "Share of drivers who hold and let the hold expire")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  auto max_wait_h = std::make_shared<double>(3);
  cmd->add_option("--max-wait", *max_wait_h,
                  "Hours of waiting for points beyond which a driver books nothing")
      ->check(CLI::Range(0.0, 72.0))
      ->capture_default_str();
  cmd->add_option("--no-show-share", f->sim.no_show_share,
                  "Share of drivers who skip a stop (with --time-scale)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  // 0: reserve only, departures tomorrow.
  AddClockFlags(cmd, f->time_scale, f->clock_start, f->clock_origin, 0.0);
  cmd->add_option("--depart-within", f->depart_within_h,
                  "With --time-scale: hours within which each vehicle leaves")
      ->check(CLI::Range(0.5, 48.0))
      ->capture_default_str();
  cmd->add_option("--home", f->sim.homes,
                  "Home companies taken in turn (repeatable; default: every company)");
  cmd->add_option("--data", f->data, "Folder of map.json and companies/")->capture_default_str();
  cmd->add_option("--profile", f->profile,
                  "ev: vehicles and charging companies; air: passengers and airlines (--vehicles "
                  "passengers, --home airlines, --check the airlines' stores)")
      ->check(CLI::IsMember({"ev", "air"}))
      ->capture_default_str();
  cmd->add_option("--check", f->check,
                  "Afterwards, check the stores <DIR>/<company>.db for consistency");
  cmd->add_option("--check-db", f->check_dbs,
                  "Afterwards, check this store, as company=path or company=postgresql://... "
                  "(repeatable; overrides --check for that company)");
  cmd->add_option("--credentials", f->credentials,
                  "On a secured broker: the file of `user password` lines `tripmesh secure` "
                  "wrote; each vehicle with a line logs in as itself");
  AddBrokerFlags(cmd, f->broker);
  cmd->callback([&run, f, max_wait_h, cmd] {
    // Passengers neither drive nor wait for points: a flag of the fleet's
    // alone would be silently ignored.
    if (f->profile == "air") {
      for (const char* flag : {"--time-scale", "--clock-start", "--clock-origin", "--depart-within",
                               "--expire-share", "--no-show-share", "--max-wait"}) {
        if (cmd->count(flag) > 0) {
          std::fprintf(stderr,
                       "tripmesh: %s is for the vehicles' fleet, not --profile air; see tripmesh "
                       "sim --help\n",
                       flag);
          run = [] { return kUsageError; };
          return;
        }
      }
    }
    run = [f, max_wait_h] {
      f->sim.max_wait_s = static_cast<Time>(*max_wait_h * 3600);
      f->sim.mqtt = f->broker.Resolve();
      auto kind = runtime::ParseTransportKind(f->broker.transport);
      f->sim.transport = kind ? *kind : runtime::TransportKind::kMosquitto;
      if (!f->credentials.empty()) {
        auto text = worldfiles::ReadFile(f->credentials);
        if (!text) {
          std::cerr << "tripmesh sim: " << text.error().message << "\n";
          return kError;
        }
        std::istringstream lines(*text);
        for (std::string user, pw; lines >> user >> pw;) f->sim.passwords[user] = pw;
      }
      if (f->profile == "air") {
        if (f->sim.id_prefix == "sim") f->sim.id_prefix = "sim-pax";
        return RunAirSimulation(f->sim, f->data, f->check, f->check_dbs);
      }
      return RunSimulation(*f);
    };
  });
}

int CheckAfterSim(const std::vector<std::string>& agents, const std::string& folder,
                  const std::vector<std::string>& specs, const StoreChecker& check) {
  std::map<std::string, std::string> stores;
  for (const auto& agent : agents) {
    if (!folder.empty()) stores[agent] = fmt::format("{}/{}.db", folder, agent);
  }
  if (!AddStoreSpecs(specs, stores)) return kUsageError;
  if (stores.empty()) return kSuccess;
  auto verdict = check(stores);
  if (!verdict) {
    std::cerr << "tripmesh sim: consistency check: " << verdict.error().message << "\n";
    return kError;
  }
  std::cout << "consistency: " << (verdict->ok ? "" : "FINDINGS: ") << verdict->summary << "\n";
  return verdict->ok ? kSuccess : kError;
}

}  // namespace tripmesh::cli
