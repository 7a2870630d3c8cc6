#include "commands.h"
#include "tripmesh/company/company_agent.h"

namespace tripmesh::cli {

void AddCompany(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("company", "Run a company agent until SIGINT or SIGTERM");
  auto options = std::make_shared<company::CompanyOptions>();
  auto flags = std::make_shared<BrokerFlags>();
  cmd->add_option("--id", options->id, "Company id (voltpoint, eflux, ecocharge)")->required();
  cmd->add_option("--data", options->data_dir, "Folder of map.json and companies/")
      ->capture_default_str();
  cmd->add_option("--db", options->db_path,
                  "SQLite file (default var/<id>.db), or a PostgreSQL database as a libpq URI "
                  "(postgresql://...)");
  cmd->add_flag("--standby", options->standby,
                "On PostgreSQL: while another agent of the company serves, wait, and take over "
                "once its lease runs out (1.5 s after it dies or freezes)");
  cmd->add_option("--workers", options->workers, "Worker lanes (default: one per core)");
  cmd->add_option("--hold-ttl", options->hold_ttl_s, "Seconds a hold waits for confirm")
      ->capture_default_str();
  cmd->add_option("--no-show-grace", options->no_show_grace_s,
                  "Seconds after a stop's start without a check-in before the reservation is a "
                  "no-show and its points are freed")
      ->check(CLI::Range(60, 86400))
      ->capture_default_str();
  auto saga_timeout_ms = std::make_shared<int>(5000);
  cmd->add_option("--saga-timeout-ms", *saga_timeout_ms,
                  "How long a saga waits for a participant's answer before compensating")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  cmd->add_option("--saga-crash-at", options->saga_crash_at,
                  "Fault injection for tests: SIGKILL self at this saga step");
  cmd->add_flag("!--no-sync-full", options->sync_full,
                "SQLite synchronous=NORMAL: survives process kills, not power loss");
  AddClockFlags(cmd, options->time_scale, options->clock_start, options->clock_origin, 1.0);
  auto keepalive = std::make_shared<int>(15);
  cmd->add_option("--keepalive", *keepalive,
                  "MQTT keepalive seconds (the Last Will fires after 1.5x)")
      ->check(CLI::Range(5, 3600))
      ->capture_default_str();
  AddBrokerFlags(cmd, *flags);
  cmd->callback([&run, options, flags, keepalive, saga_timeout_ms] {
    run = [options, flags, keepalive, saga_timeout_ms] {
      options->saga_timeout = std::chrono::milliseconds(*saga_timeout_ms);
      options->mqtt = flags->Resolve();
      options->mqtt.keepalive_s = *keepalive;
      auto kind = runtime::ParseTransportKind(flags->transport);
      options->transport = kind ? *kind : runtime::TransportKind::kMosquitto;
      return company::RunCompany(*options);
    };
  });
}

}  // namespace tripmesh::cli
