// tripmesh: one binary, one subcommand per role.
// Exit codes: 0 success, 1 an error (a reply or a failure, one line on
// stderr), 2 a usage error (one line naming the wrong word).
#include <csignal>
#include <cstdio>
#include <exception>

#include "commands.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app{"tripmesh: reserve electric-vehicle charging across companies, over MQTT"};
  app.set_version_flag("--version", TRIPMESH_VERSION);
  app.require_subcommand(1);
  tripmesh::cli::Runner run;
  tripmesh::cli::AddCompany(app, run);
  tripmesh::cli::AddVehicle(app, run);
  tripmesh::cli::AddDemo(app, run);
  tripmesh::cli::AddSecure(app, run);
  tripmesh::cli::AddMonitor(app, run);
  tripmesh::cli::AddCheck(app, run);
  tripmesh::cli::AddSim(app, run);
  tripmesh::cli::AddWorld(app, run);
  tripmesh::cli::AddAdmin(app, run);
  tripmesh::cli::AddAirline(app, run);
  tripmesh::cli::AddPassenger(app, run);
  if (int code = tripmesh::cli::Parse(app, argc, argv); code >= 0) return code;
  return run ? run() : tripmesh::cli::kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tripmesh: internal error: %s; please report it with the command run\n",
                 e.what());
    return 1;
  }
}
