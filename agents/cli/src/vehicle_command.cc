#include <cstdio>
#include <functional>

#include "commands.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/vehicle/format.h"
#include "tripmesh/vehicle/vehicle_client.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct VehicleFlags {
  std::string id, home;
  bool json = false;
  double timeout_s = 15;
  BrokerFlags broker;
  // plan / inline reserve
  std::string from, to, depart_at, prefer = "fastest";
  double battery_kwh = 60, consumption = 0.17, soc = 0.8, min_soc = 0.10, max_charge_kw = 0;
  std::vector<std::string> connectors = {"IEC_62196_T2_COMBO", "IEC_62196_T2"};
  int alternatives = 3;
  // reserve
  std::string plan_id;
  bool hold_only = false;
  // confirm, cancel, get, checkin
  std::string reservation_id;
  std::string station;        // checkin
  std::string for_request;    // list
  std::string data = "data";  // the world, for local times
};

void AddTripFlags(CLI::App* cmd, VehicleFlags& f, bool required) {
  auto* from = cmd->add_option("--from", f.from, "Start city id, e.g. salvador-ba");
  auto* to = cmd->add_option("--to", f.to, "Destination city id, e.g. fortaleza-ce");
  if (required) {
    from->required();
    to->required();
  }
  cmd->add_option("--soc", f.soc, "State of charge at departure, 0..1")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--battery-kwh", f.battery_kwh, "Usable battery")
      ->check(CLI::Range(1.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--consumption", f.consumption, "kWh per km")
      ->check(CLI::Range(0.01, 5.0))
      ->capture_default_str();
  cmd->add_option("--min-soc", f.min_soc, "Lowest state of charge on arrival anywhere")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  cmd->add_option("--max-charge-kw", f.max_charge_kw, "The car's own charging limit (0: none)")
      ->check(CLI::Range(0.0, 1000.0));
  cmd->add_option("--connectors", f.connectors, "OCPI connector types the car takes")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--depart-at", f.depart_at, "RFC 3339 departure time (default: now)");
  cmd->add_option("--prefer", f.prefer, "fastest or cheapest")
      ->check(CLI::IsMember({"fastest", "cheapest"}))
      ->capture_default_str();
  cmd->add_option("--alternatives", f.alternatives, "Plans to return, 1..10")
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
}

Result<schemas::PlanRequest> TripRequest(const VehicleFlags& f) {
  schemas::PlanRequest r;
  r.from = f.from;
  r.to = f.to;
  r.vehicle = {f.battery_kwh, f.consumption, f.soc, f.min_soc, std::nullopt, f.connectors};
  if (f.max_charge_kw > 0) r.vehicle.max_charge_kw = f.max_charge_kw;
  if (!f.depart_at.empty()) {
    auto t = ParseTime(f.depart_at);
    if (!t) return Fail(Errc::kInvalidRequest, "--depart-at: " + t.error().message, "depart_at");
    r.depart_at = *t;
  }
  r.prefer = f.prefer == "cheapest" ? schemas::Prefer::kCheapest : schemas::Prefer::kFastest;
  r.alternatives = f.alternatives;
  return r;
}

template <typename T>
int Print(const Result<T>& r, const vehicle::VehicleClient& client, bool json,
          const std::function<std::string(const T&)>& format) {
  if (!r) {
    if (json && !client.last_reply().empty()) std::puts(client.last_reply().c_str());
    return PrintError(r.error());
  }
  std::fputs(json ? (client.last_reply() + "\n").c_str() : format(*r).c_str(), stdout);
  return kSuccess;
}

int RunOp(const std::string& op, VehicleFlags& f) {
  if (op == "reserve" && f.plan_id.empty() && (f.from.empty() || f.to.empty())) {
    std::fprintf(stderr, "tripmesh: reserve needs --plan-id, or --from and --to\n");
    return kUsageError;
  }
  if (op == "reserve" && !f.plan_id.empty() && (!f.from.empty() || !f.to.empty())) {
    std::fprintf(stderr,
                 "tripmesh: reserve takes --plan-id or --from/--to, not both: the plan already "
                 "has its cities\n");
    return kUsageError;
  }
  auto client =
      vehicle::VehicleClient::Connect(RequesterOptions(f.id, f.home, f.broker, f.timeout_s));
  if (!client) return PrintError(client.error());
  auto& c = **client;
  // The world, for the local time of each city; without it times show in UTC.
  auto world = worldfiles::LoadWorld(f.data);
  vehicle::Places places{world ? &*world : nullptr, core::RealClock().Now()};
  auto plans = [&](const schemas::PlanResult& p) { return vehicle::FormatPlans(p, places); };
  auto one = [&](const schemas::Reservation& r) { return vehicle::FormatReservation(r, places); };
  auto list = [&](const schemas::ReservationList& l) { return vehicle::FormatList(l, places); };
  using PlanFormat = std::function<std::string(const schemas::PlanResult&)>;
  using OneFormat = std::function<std::string(const schemas::Reservation&)>;
  using ListFormat = std::function<std::string(const schemas::ReservationList&)>;
  if (op == "plan" || (op == "reserve" && f.plan_id.empty())) {
    auto trip = TripRequest(f);
    if (!trip) {
      std::fprintf(stderr, "tripmesh: %s\n", trip.error().message.c_str());
      return kUsageError;
    }
    if (op == "plan") return Print(c.Plan(*trip), c, f.json, PlanFormat(plans));
    auto r = c.Reserve({"", "", *trip, f.hold_only});
    int code = Print(r, c, f.json, OneFormat(one));
    return code == kSuccess && r->status == schemas::ReservationStatus::kFailed ? kError : code;
  }
  if (op == "reserve") {
    auto r = c.Reserve({"", f.plan_id, std::nullopt, f.hold_only});
    int code = Print(r, c, f.json, OneFormat(one));
    return code == kSuccess && r->status == schemas::ReservationStatus::kFailed ? kError : code;
  }
  if (op == "confirm") return Print(c.Confirm(f.reservation_id), c, f.json, OneFormat(one));
  if (op == "cancel") return Print(c.Cancel(f.reservation_id), c, f.json, OneFormat(one));
  if (op == "get") return Print(c.Get(f.reservation_id), c, f.json, OneFormat(one));
  if (op == "checkin") {
    return Print(c.CheckIn(f.reservation_id, f.station), c, f.json,
                 OneFormat([&](const schemas::Reservation& r) {
                   return vehicle::FormatCheckin(r, f.station, places);
                 }));
  }
  if (!f.for_request.empty()) {
    return Print(c.ListForRequest(f.for_request), c, f.json, ListFormat(list));
  }
  return Print(c.List(), c, f.json, ListFormat(list));
}

}  // namespace

void AddVehicle(CLI::App& app, Runner& run) {
  auto f = std::make_shared<VehicleFlags>();
  auto* cmd = app.add_subcommand("vehicle", "Plan and reserve charging as one vehicle");
  cmd->add_option("--id", f->id, "Vehicle id")->required();
  cmd->add_option("--home", f->home, "Home company, which coordinates the trip")->required();
  cmd->add_flag("--json", f->json, "Print the raw JSON reply");
  cmd->add_option("--timeout", f->timeout_s, "Seconds to wait for a reply")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_option("--data", f->data, "Folder of map.json, for each city's local time")
      ->capture_default_str();
  AddBrokerFlags(cmd, f->broker);
  cmd->require_subcommand(1);
  cmd->fallthrough();

  auto on = [&run, f](const std::string& op) {
    return [&run, f, op] { run = [f, op] { return RunOp(op, *f); }; };
  };
  auto* plan = cmd->add_subcommand("plan", "Plan a trip with its charging stops");
  AddTripFlags(plan, *f, true);
  plan->callback(on("plan"));

  auto* reserve =
      cmd->add_subcommand("reserve", "Reserve a plan (--plan-id) or plan and reserve in one go");
  reserve->add_option("--plan-id", f->plan_id, "plan_id from a recent plan");
  reserve->add_flag("--hold-only", f->hold_only, "Hold now, confirm later");
  AddTripFlags(reserve, *f, false);
  reserve->callback(on("reserve"));

  for (const char* op : {"confirm", "cancel", "get"}) {
    auto* sub = cmd->add_subcommand(op, std::string(op) + " a reservation");
    sub->add_option("reservation_id", f->reservation_id, "Reservation id")->required();
    sub->callback(on(op));
  }
  auto* checkin = cmd->add_subcommand(
      "checkin", "Check in at a stop of a confirmed reservation (the car is at the point)");
  checkin->add_option("reservation_id", f->reservation_id, "Reservation id")->required();
  checkin->add_option("--station", f->station, "Station of the stop, e.g. vp-salvador-aeroporto")
      ->required();
  checkin->callback(on("checkin"));
  auto* list = cmd->add_subcommand("list", "List this vehicle's reservations");
  list->add_option("--request", f->for_request,
                   "Only what an earlier request (its id, as a timeout names it) reserved");
  list->callback(on("list"));
}

}  // namespace tripmesh::cli
