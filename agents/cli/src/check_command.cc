// tripmesh check: the consistency checker over every company's store.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "commands.h"
#include "tripmesh/airline/air_consistency.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct CheckFlags {
  std::string data = "data";
  std::string var = "var";
  std::vector<std::string> dbs;  // company=path
  int grace_s = 5;
  std::string profile = "ev";
};

// The air profile: every airline's store (<airline>.db in --var, or --db).
int RunAirCheck(const CheckFlags& f) {
  std::map<std::string, std::string> stores;
  if (f.dbs.empty()) {
    auto files = worldfiles::ReadAirFiles(f.data + "/air");
    if (!files) {
      std::cerr << "tripmesh: " << files.error().message << " (is --data the folder of air/?)\n";
      return kError;
    }
    for (const auto& a : files->airlines) {
      std::string path = f.var + "/" + a.info.id + ".db";
      if (std::filesystem::exists(path)) stores[a.info.id] = path;
    }
    if (stores.empty()) {
      std::cerr << "tripmesh: not_found: no <airline>.db in " << f.var
                << "/: name the folder with --var, or each store with --db airline=path\n";
      return kError;
    }
  }
  if (!AddStoreSpecs(f.dbs, stores)) return kUsageError;
  auto report = airline::CheckAirStores(stores, core::RealClock().Now(), f.grace_s);
  if (!report) {
    std::cerr << "tripmesh: " << report.error().message << "\n";
    return kError;
  }
  std::cout << (report->ok() ? "consistent: " : "INCONSISTENT: ") << report->Summary() << "\n";
  return report->ok() ? kSuccess : kError;
}

// The company stores (<company>.db) in `dir`.
std::map<std::string, std::string> StoresIn(const core::World& world, const std::string& dir) {
  std::map<std::string, std::string> stores;
  for (const auto& c : world.catalogues()) {
    std::string path = dir + "/" + c.info.company + ".db";
    if (std::filesystem::exists(path)) stores[c.info.company] = path;
  }
  return stores;
}

// With no store in --var itself, its subfolders (the demo keeps its stores in
// var/demo): one with stores is taken, several are named.
Result<std::map<std::string, std::string>> FindStores(const core::World& world,
                                                      const std::string& var) {
  auto stores = StoresIn(world, var);
  if (!stores.empty()) return stores;
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(var, ec)) {
    if (entry.is_directory() && !StoresIn(world, entry.path().string()).empty()) {
      found.push_back(entry.path().string());
    }
  }
  if (found.size() == 1) {
    std::cout << "no store in " << var << "/ itself; checking " << found.front() << "/\n";
    return StoresIn(world, found.front());
  }
  if (found.empty()) {
    return Fail(Errc::kNotFound, "no <company>.db store in " + var +
                                     "/ or its folders: name "
                                     "the folder with --var, or each store with --db company=path");
  }
  return Fail(Errc::kNotFound, fmt::format("no store in {}/ itself, but in {}: name one with --var",
                                           var, fmt::join(found, ", ")));
}

int RunCheck(const CheckFlags& f) {
  if (f.profile == "air") return RunAirCheck(f);
  std::map<std::string, std::string> stores;
  auto world = worldfiles::LoadWorld(f.data);
  if (!world && f.dbs.empty()) {
    std::cerr << "tripmesh: " << world.error().message << " (is --data the folder of map.json?)\n";
    return kError;
  }
  if (f.dbs.empty()) {
    auto found = FindStores(*world, f.var);
    if (!found) {
      std::cerr << "tripmesh: not_found: " << found.error().message << "\n";
      return kError;
    }
    stores = std::move(*found);
  }
  if (!AddStoreSpecs(f.dbs, stores)) return kUsageError;
  std::vector<std::string> unchecked;
  if (world) {
    for (const auto& c : world->catalogues()) {
      if (!stores.count(c.info.company)) unchecked.push_back(c.info.company);
    }
  }
  core::RealClock clock;
  auto report = company::CheckConsistency(stores, clock.Now(), f.grace_s);
  if (!report) {
    std::cerr << "tripmesh: " << report.error().message << "\n";
    return kError;
  }
  auto list = [](const char* what, const std::vector<std::string>& items) {
    for (const auto& i : items) std::cout << what << ": " << i << "\n";
  };
  list("missing", report->missing_items);
  list("orphan", report->orphans);
  list("overlap", report->overlaps);
  list("stale hold", report->stale_holds);
  list("on a point out of service", report->on_unavailable_points);
  std::cout << (report->ok() ? "consistent: " : "INCONSISTENT: ") << report->Summary() << "\n";
  if (!unchecked.empty()) {
    std::cout << fmt::format(
        "not checked: {} (no store given); items they hold for the others "
        "could not be compared\n",
        fmt::join(unchecked, ", "));
  }
  return report->ok() ? kSuccess : kError;
}

}  // namespace

bool AddStoreSpecs(const std::vector<std::string>& specs,
                   std::map<std::string, std::string>& stores) {
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "tripmesh: --db expects company=store (a path or a postgresql:// URI), got "
                << spec << "\n";
      return false;
    }
    stores[spec.substr(0, eq)] = spec.substr(eq + 1);
  }
  return true;
}

void AddCheck(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "check",
      "Read every company's store and report missing items, orphan bookings, overlaps and "
      "stale holds (exit 1 when any)");
  auto f = std::make_shared<CheckFlags>();
  cmd->add_option("--data", f->data, "Folder of the catalogues")->capture_default_str();
  cmd->add_option("--var", f->var, "Folder of the <company>.db stores")->capture_default_str();
  cmd->add_option(
      "--db", f->dbs,
      "A store as company=path or company=postgresql://... (repeatable; overrides --var)");
  cmd->add_option("--grace", f->grace_s, "Seconds past expiry before a hold counts as stale")
      ->capture_default_str();
  cmd->add_option("--profile", f->profile,
                  "ev: the charging companies; air: the airlines (a seat sold twice, an "
                  "itinerary its airlines do not agree on)")
      ->check(CLI::IsMember({"ev", "air"}))
      ->capture_default_str();
  cmd->callback([&run, f] { run = [f] { return RunCheck(*f); }; });
}

}  // namespace tripmesh::cli
