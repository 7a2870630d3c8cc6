#include "commands.h"
#include "tripmesh/airline/airline_agent.h"

namespace tripmesh::cli {

void AddAirline(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("airline", "Run an airline's agent until SIGINT or SIGTERM");
  auto options = std::make_shared<airline::AirlineOptions>();
  auto flags = std::make_shared<BrokerFlags>();
  cmd->add_option("--id", options->id, "Airline id (jangada, sabia, tucano)")->required();
  cmd->add_option("--data", options->data_dir, "Folder of airports.json and airlines/")
      ->capture_default_str();
  cmd->add_option("--db", options->db_path, "SQLite file (default var/<id>.db)");
  cmd->add_option("--workers", options->workers, "Worker lanes (default: four per core)");
  cmd->add_option("--hold-ttl", options->hold_ttl_s,
                  "Seconds a hold_only reservation keeps its seats unconfirmed")
      ->check(CLI::Range(Time{1}, Time{86400}))
      ->capture_default_str();
  auto saga_timeout_ms = std::make_shared<int>(5000);
  cmd->add_option("--saga-timeout-ms", *saga_timeout_ms,
                  "How long an itinerary's saga waits for an airline's answer before compensating")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  cmd->add_option("--saga-crash-at", options->crash_at,
                  "Fault injection for tests: SIGKILL self at this saga step");
  AddBrokerFlags(cmd, *flags);
  cmd->callback([&run, options, flags, saga_timeout_ms] {
    run = [options, flags, saga_timeout_ms] {
      options->saga_timeout = std::chrono::milliseconds(*saga_timeout_ms);
      options->mqtt = flags->Resolve();
      auto kind = runtime::ParseTransportKind(flags->transport);
      options->transport = kind ? *kind : runtime::TransportKind::kMosquitto;
      return airline::RunAirline(*options);
    };
  });
}

}  // namespace tripmesh::cli
