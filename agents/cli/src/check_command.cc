// tripmesh check: the consistency checker over every company's store.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "commands.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/runtime/files.h"

namespace tripmesh::cli {
namespace {

struct CheckFlags {
  std::string data = "data";
  std::string var = "var";
  std::vector<std::string> dbs;  // company=path
  int grace_s = 5;
};

int RunCheck(const CheckFlags& f) {
  std::map<std::string, std::string> stores;
  if (f.dbs.empty()) {
    auto world = runtime::LoadWorld(f.data);
    if (!world) {
      std::cerr << "tripmesh check: " << world.error().message << "\n";
      return 2;
    }
    for (const auto& c : world->catalogues()) {
      std::string path = f.var + "/" + c.info.company + ".db";
      if (std::filesystem::exists(path)) stores[c.info.company] = path;
    }
  }
  for (const auto& spec : f.dbs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "tripmesh check: --db expects company=path, got " << spec << "\n";
      return 2;
    }
    stores[spec.substr(0, eq)] = spec.substr(eq + 1);
  }
  if (stores.empty()) {
    std::cerr << "tripmesh check: no store found under " << f.var << "/\n";
    return 2;
  }
  core::RealClock clock;
  auto report = company::CheckConsistency(stores, clock.Now(), f.grace_s);
  if (!report) {
    std::cerr << "tripmesh check: " << report.error().message << "\n";
    return 2;
  }
  auto list = [](const char* what, const std::vector<std::string>& items) {
    for (const auto& i : items) std::cout << what << ": " << i << "\n";
  };
  list("missing", report->missing_items);
  list("orphan", report->orphans);
  list("overlap", report->overlaps);
  list("stale hold", report->stale_holds);
  std::cout << (report->ok() ? "consistent: " : "INCONSISTENT: ") << report->Summary() << "\n";
  return report->ok() ? 0 : 1;
}

}  // namespace

void AddCheck(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "check",
      "Read every company's store and report missing items, orphan bookings, overlaps and "
      "stale holds (exit 1 when any)");
  auto f = std::make_shared<CheckFlags>();
  cmd->add_option("--data", f->data, "Folder of the catalogues")->capture_default_str();
  cmd->add_option("--var", f->var, "Folder of the <company>.db stores")->capture_default_str();
  cmd->add_option("--db", f->dbs, "A store as company=path (repeatable; overrides --var)");
  cmd->add_option("--grace", f->grace_s, "Seconds past expiry before a hold counts as stale")
      ->capture_default_str();
  cmd->callback([&run, f] { run = [f] { return RunCheck(*f); }; });
}

}  // namespace tripmesh::cli
