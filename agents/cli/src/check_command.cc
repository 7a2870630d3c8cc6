// tripmesh check: the consistency checker over every company's store.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

#include "commands.h"
#include "tripmesh/airline/air_consistency.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/schemas/check.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct CheckFlags {
  std::string data = "data";
  std::string var = "var";
  std::vector<std::string> dbs;  // company=path
  int grace_s = 5;
  std::string profile = "ev";
  bool json = false;
};

// "stale_hold" as a person reads it.
std::string Spoken(std::string name) {
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

// "0 reservations, 2 bookings, 0 in flight; 3 findings (orphan 2, overlap 1)"
std::string Summary(const schemas::CheckResult& r) {
  std::vector<std::string> read, found;
  for (const auto& [what, n] : r.counts) read.push_back(fmt::format("{} {}", n, Spoken(what)));
  std::vector<std::pair<std::string, int>> kinds;  // in the order they were found
  for (const auto& f : r.findings) {
    auto seen =
        std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == f.kind; });
    if (seen == kinds.end()) {
      kinds.emplace_back(f.kind, 1);
    } else {
      ++seen->second;
    }
  }
  for (const auto& [kind, n] : kinds) found.push_back(fmt::format("{} {}", Spoken(kind), n));
  if (found.empty()) return fmt::format("{}; no finding", fmt::join(read, ", "));
  return fmt::format("{}; {} findings ({})", fmt::join(read, ", "), r.findings.size(),
                     fmt::join(found, ", "));
}

// Either profile's report: every finding on a line and a summary for a
// person, or check.result for a program (--json). Exit 1 on any finding.
int Print(const schemas::CheckResult& r, bool json) {
  if (json) {
    std::cout << schemas::Encode(r) << "\n";
  } else {
    for (const auto& f : r.findings) std::cout << Spoken(f.kind) << ": " << f.detail << "\n";
    std::cout << (r.consistent() ? "consistent: " : "INCONSISTENT: ") << Summary(r) << "\n";
    if (!r.unchecked.empty()) {
      std::cout << fmt::format(
          "not checked: {} (no store given); items they hold for the others "
          "could not be compared\n",
          fmt::join(r.unchecked, ", "));
    }
  }
  return r.consistent() ? kSuccess : kError;
}

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
  return Print(report->Result(), f.json);
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
    std::cerr << "no store in " << var << "/ itself; checking " << found.front() << "/\n";
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
  auto result = report->Result();
  result.unchecked = std::move(unchecked);
  return Print(result, f.json);
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
  cmd->add_flag("--json", f->json,
                "Print one check.result (schemas/check.result.schema.json) instead of lines");
  cmd->callback([&run, f] { run = [f] { return RunCheck(*f); }; });
}

}  // namespace tripmesh::cli
