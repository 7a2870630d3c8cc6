// tripmesh sim: a fleet of simulated vehicles against a running tripmesh.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>

#include "commands.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/runtime/files.h"
#include "tripmesh/vehicle/simulator.h"

namespace tripmesh::cli {
namespace {

struct SimFlags {
  vehicle::SimOptions sim;
  BrokerFlags broker;
  std::string data = "data";
  std::string check;  // folder of <company>.db to check afterwards
};

int RunSimulation(vehicle::SimOptions sim, const std::string& data, const std::string& check) {
  auto world = runtime::LoadWorld(data);
  if (!world) {
    std::cerr << "tripmesh sim: " << world.error().message << "\n";
    return 2;
  }
  bool tty = isatty(STDERR_FILENO);
  auto summary = vehicle::RunSim(sim, *world, [tty](int done, int total, int confirmed) {
    PrintProgress(done, total, confirmed, tty);
  });
  if (!summary) {
    std::cerr << "tripmesh sim: " << summary.error().message << "\n";
    return 1;
  }
  std::cout << summary->Format() << "\n";
  if (check.empty()) return 0;
  std::map<std::string, std::string> stores;
  for (const auto& c : world->catalogues()) {
    stores[c.info.company] = check + "/" + c.info.company + ".db";
  }
  core::RealClock clock;
  auto report = company::CheckConsistency(stores, clock.Now());
  if (!report) {
    std::cerr << "tripmesh sim: consistency check: " << report.error().message << "\n";
    return 1;
  }
  std::cout << "consistency: " << (report->ok() ? "" : "FINDINGS: ") << report->Summary() << "\n";
  return report->ok() ? 0 : 1;
}

}  // namespace

void PrintProgress(int done, int total, int confirmed, bool tty) {
  if (tty) {
    int width = 30, filled = total ? done * width / total : width;
    std::fprintf(stderr, "\r[%s%s] %d/%d vehicles, %d confirmed", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total, confirmed);
    if (done == total) std::fprintf(stderr, "\n");
  } else if (done == total || (total >= 10 && done % (total / 10) == 0)) {
    std::fprintf(stderr, "%d/%d vehicles, %d confirmed\n", done, total, confirmed);
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
  cmd->add_option("--home", f->sim.homes,
                  "Home companies taken in turn (repeatable; default: every company)");
  cmd->add_option("--data", f->data, "Folder of map.json and companies/")->capture_default_str();
  cmd->add_option("--check", f->check,
                  "Afterwards, check the stores <DIR>/<company>.db for consistency");
  AddBrokerFlags(cmd, f->broker);
  cmd->callback([&run, f] {
    run = [f] {
      f->sim.mqtt = f->broker.Resolve();
      auto kind = runtime::ParseTransportKind(f->broker.transport);
      f->sim.transport = kind ? *kind : runtime::TransportKind::kMosquitto;
      return RunSimulation(f->sim, f->data, f->check);
    };
  });
}

}  // namespace tripmesh::cli
