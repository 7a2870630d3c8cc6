// tripmesh: one binary, one subcommand per role.
#include <csignal>

#include "commands.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"tripmesh: reserve electric-vehicle charging across companies, over MQTT"};
  app.require_subcommand(1);
  tripmesh::cli::Runner run;
  tripmesh::cli::AddCompany(app, run);
  tripmesh::cli::AddVehicle(app, run);
  tripmesh::cli::AddDemo(app, run);
  tripmesh::cli::AddSecure(app, run);
  tripmesh::cli::AddMonitor(app, run);
  tripmesh::cli::AddCheck(app, run);
  tripmesh::cli::AddSim(app, run);
  CLI11_PARSE(app, argc, argv);
  return run ? run() : 2;
}
