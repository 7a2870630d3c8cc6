// tripmesh world: the names the other subcommands take (cities, companies,
// stations and their connectors), read from the world in --data.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "commands.h"
#include "tripmesh/core/suggest.h"
#include "tripmesh/vehicle/format.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

using vehicle::Pad;

struct WorldFlags {
  std::string data = "data";
  bool json = false;
  std::string state, near, company;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

int Cities(const core::World& w, const WorldFlags& f) {
  int near = -1;
  if (!f.near.empty()) {
    near = w.CityIndex(Lower(f.near));
    if (near < 0) {
      std::vector<std::string> ids = w.CityIds();
      std::fprintf(stderr, "tripmesh: unknown_city: unknown city %s%s\n", f.near.c_str(),
                   core::DidYouMean(Lower(f.near), ids).c_str());
      return kError;
    }
  }
  std::vector<int> rows;
  for (int i = 0; i < w.city_count(); ++i) {
    if (f.state.empty() || Lower(w.city(i).state) == Lower(f.state)) rows.push_back(i);
  }
  if (near >= 0) {
    std::stable_sort(rows.begin(), rows.end(),
                     [&](int a, int b) { return w.ChordKm(near, a) < w.ChordKm(near, b); });
  }
  if (f.json) {
    std::string out = "[";
    for (int i : rows) {
      const auto& c = w.city(i);
      out += fmt::format("{}{{\"id\":{},\"name\":{},\"state\":{},\"time_zone\":{},\"stations\":{}",
                         out.size() > 1 ? "," : "", Quoted(c.id), Quoted(c.name), Quoted(c.state),
                         Quoted(c.time_zone), w.stations_in(i).size());
      if (near >= 0) out += fmt::format(",\"km\":{:.0f}", w.ChordKm(near, i));
      out += "}";
    }
    std::puts((out + "]").c_str());
    return kSuccess;
  }
  std::printf("%-28s%-28s%-7s%-20s%9s%s\n", "id", "name", "state", "time zone", "stations",
              near >= 0 ? "   km (straight line)" : "");
  for (int i : rows) {
    const auto& c = w.city(i);
    std::string km = near >= 0 ? fmt::format("{:>8.0f}", w.ChordKm(near, i)) : "";
    std::printf("%s%s%-7s%-20s%9zu%s\n", Pad(c.id, 28).c_str(), Pad(c.name, 28).c_str(),
                c.state.c_str(), c.time_zone.c_str(), w.stations_in(i).size(), km.c_str());
  }
  std::printf("%zu cit%s\n", rows.size(), rows.size() == 1 ? "y" : "ies");
  return kSuccess;
}

int Companies(const core::World& w, const WorldFlags& f) {
  if (f.json) {
    std::string out = "[";
    for (const auto& c : w.catalogues()) {
      out += fmt::format("{}{{\"id\":{},\"name\":{},\"state\":{},\"stations\":{}}}",
                         out.size() > 1 ? "," : "", Quoted(c.info.company), Quoted(c.info.name),
                         Quoted(c.info.state), c.stations.size());
    }
    std::puts((out + "]").c_str());
    return kSuccess;
  }
  std::printf("%-14s%-22s%-7s%9s\n", "id", "name", "state", "stations");
  for (const auto& c : w.catalogues()) {
    std::printf("%-14s%s%-7s%9zu\n", c.info.company.c_str(), Pad(c.info.name, 22).c_str(),
                c.info.state.c_str(), c.stations.size());
  }
  return kSuccess;
}

// "2x IEC_62196_T2_COMBO 150kW DC, 2x IEC_62196_T2 22kW AC"
std::string PointsSummary(const schemas::Station& s) {
  std::vector<std::pair<std::string, int>> kinds;
  for (const auto& p : s.points) {
    std::string kind = fmt::format("{} {:.0f}kW {}", p.connector, p.max_power_kw, p.power_type);
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](auto& k) { return k.first == kind; });
    if (it == kinds.end()) {
      kinds.emplace_back(kind, 1);
    } else {
      ++it->second;
    }
  }
  std::string out;
  for (const auto& [kind, n] : kinds)
    out += fmt::format("{}{}x {}", out.empty() ? "" : ", ", n, kind);
  return out;
}

int Stations(const core::World& w, const WorldFlags& f) {
  if (!f.company.empty() && !w.FindCompany(Lower(f.company))) {
    std::vector<std::string> ids;
    for (const auto& c : w.catalogues()) ids.push_back(c.info.company);
    std::fprintf(stderr, "tripmesh: unknown_company: no company %s in %s%s\n", f.company.c_str(),
                 f.data.c_str(), core::DidYouMean(Lower(f.company), ids).c_str());
    return kError;
  }
  std::vector<const schemas::Station*> rows;
  for (const auto& c : w.catalogues()) {
    if (!f.company.empty() && c.info.company != Lower(f.company)) continue;
    for (const auto& s : c.stations) rows.push_back(&s);
  }
  if (f.json) {
    std::string out = "[";
    for (const auto* s : rows) {
      std::string points = "[";
      for (const auto& p : s->points) {
        points +=
            fmt::format("{}{{\"id\":{},\"connector\":{},\"max_power_kw\":{},\"power_type\":{}}}",
                        points.size() > 1 ? "," : "", Quoted(p.id), Quoted(p.connector),
                        p.max_power_kw, Quoted(p.power_type));
      }
      out += fmt::format(
          "{}{{\"id\":{},\"company\":{},\"city\":{},\"price_per_kwh\":{:.2f},"
          "\"currency\":{},\"points\":{}]}}",
          out.size() > 1 ? "," : "", Quoted(s->id), Quoted(s->company), Quoted(s->city),
          s->tariff.price_per_kwh, Quoted(s->tariff.currency), points);
    }
    std::puts((out + "]").c_str());
    return kSuccess;
  }
  std::printf("%-30s%-11s%-26s%-10s%s\n", "id", "company", "city", "BRL/kWh", "points");
  for (const auto* s : rows) {
    std::printf("%s%-11s%s%-10.2f%s\n", Pad(s->id, 30).c_str(), s->company.c_str(),
                Pad(s->city, 26).c_str(), s->tariff.price_per_kwh, PointsSummary(*s).c_str());
  }
  std::printf("%zu station(s)\n", rows.size());
  return kSuccess;
}

}  // namespace

void AddWorld(CLI::App& app, Runner& run) {
  auto f = std::make_shared<WorldFlags>();
  auto* cmd =
      app.add_subcommand("world", "The names other subcommands take: cities, companies, stations");
  cmd->add_option("--data", f->data, "Folder of map.json and companies/")->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  cmd->require_subcommand(1);
  cmd->fallthrough();
  auto on = [&run, f](int (*list)(const core::World&, const WorldFlags&)) {
    return [&run, f, list] {
      run = [f, list] {
        auto world = worldfiles::LoadWorld(f->data);
        if (!world) {
          std::fprintf(stderr, "tripmesh: %s (is --data the folder of map.json?)\n",
                       world.error().message.c_str());
          return kError;
        }
        return list(*world, *f);
      };
    };
  };
  auto* cities = cmd->add_subcommand("cities", "Cities on the map (ids as plan takes them)");
  cities->add_option("--state", f->state, "Only this state, e.g. ba");
  cities->add_option("--near", f->near, "Nearest first to this city, with the distance");
  cities->callback(on(Cities));
  cmd->add_subcommand("companies", "Charging companies")->callback(on(Companies));
  auto* stations = cmd->add_subcommand("stations", "Stations with their connectors and prices");
  stations->add_option("--company", f->company, "Only this company's");
  stations->callback(on(Stations));
}

}  // namespace tripmesh::cli
