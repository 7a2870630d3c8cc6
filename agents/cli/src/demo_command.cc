// tripmesh demo: a local mosquitto on a free port, the three company agents as
// child processes, and a handful of vehicles that plan and reserve.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "commands.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/vehicle/format.h"
#include "tripmesh/vehicle/simulator.h"
#include "tripmesh/vehicle/vehicle_client.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct DemoFlags {
  std::string data = "data";
  std::string dir = "var/demo";
  int vehicles = 8;
  int fleet = 40;
  int linger_s = 0;
  double time_scale = 2400;
  double depart_within_h = 2;
  std::string profile = "ev";
};

struct Trip {
  const char* home;
  const char* from;
  const char* to;
  double soc;
};

// Half the trips cross state lines, so their stops belong to several
// companies and run as sagas; the others stay at the home company's stations.
constexpr Trip kTrips[] = {
    {"voltpoint", "salvador-ba", "recife-pe", 0.8},
    {"eflux", "fortaleza-ce", "juazeiro-do-norte-ce", 0.7},
    {"ecocharge", "recife-pe", "fortaleza-ce", 0.9},
    {"voltpoint", "salvador-ba", "barreiras-ba", 0.9},
    {"eflux", "fortaleza-ce", "petrolina-pe", 0.8},
    {"ecocharge", "recife-pe", "salgueiro-pe", 0.5},
    {"voltpoint", "feira-de-santana-ba", "caruaru-pe", 0.6},
    {"eflux", "sobral-ce", "russas-ce", 0.3},
};

std::atomic<bool> interrupted{false};

// The broker and the three company agents, on one accelerated clock.
struct DemoWorld {
  std::unique_ptr<harness::LocalBroker> broker;
  std::vector<std::unique_ptr<harness::Process>> agents;
  std::vector<std::string> companies = {"voltpoint", "eflux", "ecocharge"};
};

// The live map is a static page of the checkout (web/map) that reads the
// broker over websockets.
void PrintMapAddress(const DemoFlags& f, const harness::LocalBroker& broker) {
  std::error_code ec;
  auto page = std::filesystem::weakly_canonical(f.data + "/../web/map/index.html", ec);
  if (ec || !std::filesystem::exists(page) || broker.ws_port() == 0) return;
  if (!std::filesystem::exists(page.parent_path() / "node_modules/mqtt/dist/mqtt.min.js")) {
    std::printf("the live map needs its MQTT library: npm ci --prefix %s\n",
                page.parent_path().c_str());
    return;
  }
  std::printf("see it on a map:  file://%s?ws=ws://127.0.0.1:%d\n", page.c_str(), broker.ws_port());
}

Status StartWorld(const DemoFlags& f, Time clock_start, DemoWorld& w) {
  std::error_code ec;
  std::filesystem::remove_all(f.dir, ec);
  std::filesystem::create_directories(f.dir, ec);
  std::string conf = f.data + "/../mosquitto/dev.conf";
  auto broker =
      harness::LocalBroker::Start(f.dir + "/broker", std::filesystem::exists(conf) ? conf : "");
  if (!broker) return tl::unexpected<Error>(broker.error());
  w.broker = std::move(*broker);
  std::string uri = w.broker->uri();
  std::printf("broker     mosquitto on %s (log %s/broker/mosquitto.log)\n", uri.c_str(),
              f.dir.c_str());
  for (const auto& c : w.companies) {
    auto p = harness::Process::Spawn(
        {harness::SelfExe(), "company", "--id", c, "--broker", uri, "--data", f.data, "--db",
         f.dir + "/" + c + ".db", "--time-scale", fmt::format("{}", f.time_scale), "--clock-start",
         FormatTime(clock_start), "--clock-origin", FormatTime(clock_start)},
        f.dir + "/" + c + ".log");
    if (!p) return tl::unexpected<Error>(p.error());
    w.agents.push_back(std::move(*p));
    std::printf("company    %-10s pid %d (log %s/%s.log)\n", c.c_str(), w.agents.back()->pid(),
                f.dir.c_str(), c.c_str());
  }
  runtime::TransportOptions watch;
  watch.broker = uri;
  auto st = vehicle::WaitForCompanies(watch, w.companies, std::chrono::seconds(30),
                                      [] { return interrupted.load(); });
  if (!st) return Fail(st.error().code, st.error().message + "; see " + f.dir + "/*.log");
  std::printf("\nwatch it live:  mosquitto_sub -h 127.0.0.1 -p %d -t '%s' -v\n", w.broker->port(),
              topics::Everything().c_str());
  PrintMapAddress(f, *w.broker);
  std::printf("\n");
  return {};
}

struct TripTally {
  int confirmed = 0, failed = 0, stops = 0, spanning = 0;
};

// One vehicle plans its trip and reserves the first plan; one line says how.
void ReserveOneTrip(const std::string& uri, int i, TripTally& t) {
  const Trip& trip = kTrips[i % std::size(kTrips)];
  vehicle::VehicleOptions vo;
  vo.id = fmt::format("demo-car-{}", i + 1);
  vo.home = trip.home;
  vo.mqtt.broker = uri;
  auto client = vehicle::VehicleClient::Connect(vo);
  if (!client) {
    std::printf("%-12s cannot connect: %s\n", vo.id.c_str(), client.error().message.c_str());
    ++t.failed;
    return;
  }
  schemas::PlanRequest req;
  req.from = trip.from;
  req.to = trip.to;
  req.vehicle = {60, 0.17, trip.soc, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
  auto plans = (*client)->Plan(req);
  if (!plans) {
    std::printf("%-12s %s -> %s: plan failed: %s\n", vo.id.c_str(), trip.from, trip.to,
                plans.error().message.c_str());
    ++t.failed;
    return;
  }
  const auto& plan = plans->plans.front();
  auto r = (*client)->Reserve({"", plan.plan_id, std::nullopt, false});
  bool ok = r && r->status == schemas::ReservationStatus::kConfirmed;
  ok ? ++t.confirmed : ++t.failed;
  t.stops += static_cast<int>(plan.stops.size());
  std::set<std::string> spans;
  for (const auto& s : plan.stops) spans.insert(s.company);
  t.spanning += ok && spans.size() > 1;
  std::string detail = !r                                     ? r.error().message
                       : r->error && r->error->message.size() ? r->error->message
                                                              : r->reservation_id;
  std::printf("%-12s %-20s -> %-24s %4.0f km %zu stop(s) at %zu company(ies) %-10s %s\n",
              vo.id.c_str(), trip.from, trip.to, plan.total_km, plan.stops.size(), spans.size(),
              ok ? "confirmed" : "failed", detail.c_str());
}

// Halfway through the fleet's reservations, the chargers of the Northeast's
// busiest crossing (Feira de Santana: BR-101, BR-116, BR-324) break one after
// the other, as an operator reports them: the admin op's answer says which
// stops moved and which were lost (their vehicles plan again).
void BreakAPoint(const std::string& uri, const core::World& world) {
  const std::string station = "vp-feira-de-santana";
  const auto* s = world.FindStation(station);
  if (!s) return;
  runtime::TransportOptions mqtt;
  mqtt.broker = uri;
  for (const char* point : {"1", "2"}) {
    schemas::PointStatusRequest req{.station = station,
                                    .point = point,
                                    .status = schemas::PointStatus::kOutOfOrder,
                                    .reason = "charger fault reported by the site"};
    auto text = AskAdmin(runtime::TransportKind::kMosquitto, mqtt, s->company,
                         topics::AdminOp::kSetPointStatus, schemas::Encode(req), 10);
    auto result = text ? schemas::Decode<schemas::AdminResult>(*text)
                       : Result<schemas::AdminResult>(tl::unexpected<Error>(text.error()));
    if (!result) {
      std::printf("\na point did not break: %s\n", result.error().message.c_str());
      continue;
    }
    std::printf(
        "\na point breaks (tripmesh admin --company %s set-point-status --station %s "
        "--point %s --status OUTOFORDER):\n%s\n",
        s->company.c_str(), station.c_str(), point,
        FormatAdminResult(*result, s->time_zone).c_str());
  }
  std::fflush(stdout);
}

// The simulated fleet (tripmesh sim) against the running world; false when it failed.
bool RunFleet(const DemoFlags& f, const std::string& uri, const core::Clock& clock) {
  std::printf("\nnow a simulated fleet of %d vehicles (tripmesh sim), homed at all three:\n",
              f.fleet);
  std::fflush(stdout);
  auto world = worldfiles::LoadWorld(f.data);
  if (!world) {
    std::printf("fleet failed: %s\n", world.error().message.c_str());
    return false;
  }
  vehicle::SimOptions sim;
  sim.vehicles = f.fleet;
  sim.id_prefix = "demo-sim";
  sim.mqtt.broker = uri;
  sim.clock = &clock;
  // libmosquitto's network loop uses select(), so one process holds at most
  // a few hundred of its clients; paho's uses poll().
  if (f.fleet > vehicle::kMosquittoFleetLimit) {
    sim.transport = runtime::TransportKind::kPaho;
    std::printf("(over %d vehicles in one process: the fleet uses paho.mqtt.cpp)\n",
                vehicle::kMosquittoFleetLimit);
  }
  sim.time_scale = f.time_scale;
  sim.depart_within_s = static_cast<Time>(f.depart_within_h * 3600);
  sim.stop = [] { return interrupted.load(); };
  bool tty = isatty(STDERR_FILENO) != 0;
  std::thread breaker;
  auto summary = vehicle::RunSim(sim, *world, [&](const vehicle::SimProgressInfo& p) {
    PrintProgress(p, tty, RegionZone(*world));
    if (!p.driving && p.done == std::max(1, f.fleet / 2) && !breaker.joinable()) {
      breaker = std::thread([&] { BreakAPoint(uri, *world); });
    }
  });
  if (breaker.joinable()) breaker.join();
  if (!summary) {
    std::printf("fleet failed: %s\n", summary.error().message.c_str());
    return false;
  }
  std::printf("%s\n", summary->Format().c_str());
  if (!summary->replanned.empty()) {
    std::printf("planned again and reserved after a lost stop: %s\n",
                fmt::format("{}", fmt::join(summary->replanned, ", ")).c_str());
  }
  return true;
}

int RunDemo(const DemoFlags& f) {
  signal(SIGINT, [](int) { interrupted = true; });
  signal(SIGTERM, [](int) { interrupted = true; });
  if (f.profile == "air")
    return RunAirDemo(f.data, f.dir + "-air", f.vehicles, f.fleet, f.linger_s);
  // One simulation clock for the companies and the fleet, so that trips are
  // driven in about a minute while holds and departures keep their meaning.
  Time clock_start = core::RealClock().Now();
  core::AcceleratedClock clock(clock_start, f.time_scale, clock_start);
  DemoWorld w;
  if (auto st = StartWorld(f, clock_start, w); !st) {
    std::fprintf(stderr, "tripmesh demo: %s\n", st.error().message.c_str());
    return 1;
  }
  TripTally t;
  for (int i = 0; i < f.vehicles && !interrupted; ++i) ReserveOneTrip(w.broker->uri(), i, t);
  std::printf(
      "\nsummary: %d reservation(s) confirmed (%d across companies), %d failed, %d charging "
      "stop(s) booked\n",
      t.confirmed, t.spanning, t.failed, t.stops);
  int failed = t.failed;
  if (f.fleet > 0 && !interrupted && !RunFleet(f, w.broker->uri(), clock)) ++failed;
  std::map<std::string, std::string> stores;
  for (const auto& c : w.companies) stores[c] = f.dir + "/" + c + ".db";
  if (auto report = company::CheckConsistency(stores, clock.Now()); report) {
    std::printf("consistency: %s%s\n", report->ok() ? "" : "FINDINGS: ", report->Summary().c_str());
    if (!report->ok()) ++failed;
  }
  if (f.linger_s > 0 && !interrupted) {
    std::printf("running for %d s more; Ctrl-C stops everything\n", f.linger_s);
    for (int i = 0; i < f.linger_s * 10 && !interrupted; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  for (auto& a : w.agents) a->Stop();
  std::printf("stopped the companies and the broker\n");
  return failed == 0 ? 0 : 1;
}

}  // namespace

void AddDemo(CLI::App& app, Runner& run) {
  auto f = std::make_shared<DemoFlags>();
  auto* cmd = app.add_subcommand("demo", "Local mosquitto + the three companies + a few vehicles");
  cmd->add_option("--data", f->data, "Folder of map.json and companies/")->capture_default_str();
  cmd->add_option("--dir", f->dir, "Working folder for logs and databases")->capture_default_str();
  cmd->add_option("--vehicles", f->vehicles, "Vehicles that plan and reserve")
      ->capture_default_str();
  cmd->add_option("--fleet", f->fleet, "Simulated vehicles after the first few (0: none)")
      ->capture_default_str();
  cmd->add_option("--time-scale", f->time_scale,
                  "How many times faster than real time the companies' and the fleet's clock runs")
      ->check(CLI::Range(1.0, 100000.0))
      ->capture_default_str();
  cmd->add_option("--depart-within", f->depart_within_h,
                  "Hours within which the fleet's vehicles leave")
      ->check(CLI::Range(0.5, 48.0))
      ->capture_default_str();
  cmd->add_option("--linger", f->linger_s, "Seconds to keep running afterwards")
      ->capture_default_str();
  cmd->add_option("--profile", f->profile,
                  "ev: charging companies and vehicles; air: airlines and passengers (--vehicles "
                  "is then the number of passengers)")
      ->check(CLI::IsMember({"ev", "air"}))
      ->capture_default_str();
  cmd->callback([&run, f] { run = [f] { return RunDemo(*f); }; });
}

}  // namespace tripmesh::cli
