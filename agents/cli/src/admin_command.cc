// tripmesh admin: an operator's changes to a company's network over MQTT
// (companies/{c}/admin/{op}), from the company's "<c>-admin" account.
#include <fmt/format.h>

#include <cstdio>
#include <future>
#include <mutex>
#include <tuple>

#include "commands.h"
#include "tripmesh/base/ids.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct AdminFlags {
  std::string company;
  bool json = false;
  double timeout_s = 15;
  BrokerFlags broker;
  std::string data = "data";
  // set_point_status
  std::string station, point, status, until, reason;
  // the catalogue ops (each given only when its flag is)
  std::string name, city, time_zone, power_type, connector, valid_from;
  double lat = 0, lon = 0, kw = 0, price_kwh = 0, price_hour = 0;
  std::vector<std::string> points;  // add-station: ID:KW:AC|DC:CONNECTOR each
  CLI::App* sub = nullptr;          // the subcommand run, to ask which flags were given
  bool Given(const char* flag) const {
    const CLI::Option* o = sub ? sub->get_option_no_throw(flag) : nullptr;
    return o && o->count() > 0;
  }
};

}  // namespace

Result<std::string> AskAdmin(runtime::TransportKind kind, runtime::TransportOptions o,
                             const std::string& company, topics::AdminOp op, std::string payload,
                             double timeout_s) {
  std::string corr = RandomHex();
  o.client_id = "admin-" + company + "-" + corr.substr(0, 8);
  o.clean_start = true;
  auto t = runtime::NewTransport(kind, o);
  std::promise<std::string> promise;
  std::once_flag once;
  std::string reply_topic = topics::AdminReplies(company) + "/" + corr;
  t->SetReceiver([&](runtime::InboundMessage m) {
    if (m.correlation_data == corr) std::call_once(once, [&] { promise.set_value(m.payload); });
  });
  auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  if (auto st = t->Connect(timeout); !st) return tl::unexpected<Error>(st.error());
  if (auto st = t->Subscribe(reply_topic, 1); !st) return tl::unexpected<Error>(st.error());
  int expiry_s = std::max(1, static_cast<int>(timeout_s));
  std::string id = "a-" + corr;
  payload = schemas::StampRequest(std::move(payload), id, core::RealClock().Now() + expiry_s);
  auto reply = promise.get_future();
  auto st = t->Publish({.topic = topics::Admin(company, op),
                        .payload = std::move(payload),
                        .response_topic = reply_topic,
                        .correlation_data = corr,
                        .expiry_s = expiry_s});
  bool answered = st && reply.wait_for(timeout) == std::future_status::ready;
  t->Disconnect();
  if (!st) return tl::unexpected<Error>(st.error());
  if (!answered) {
    return Fail(Errc::kTimeout,
                fmt::format("no answer from {} within {:.0f} s to admin request {}: is it online, "
                            "and are you its admin (--username {}-admin)?",
                            company, timeout_s, id, company));
  }
  return reply.get();
}

namespace {

std::string ChangesTable(const std::vector<schemas::StopChange>& list, bool moved,
                         const std::string& zone, Time now) {
  std::string out = fmt::format("  {:<28} {:<14} {:<26} {:<8} {}\n", "reservation", "vehicle",
                                "stop starts", "point", moved ? "now at point" : "");
  for (const auto& c : list) {
    out += fmt::format("  {:<28} {:<14} {:<26} {:<8} {}\n", c.reservation_id, c.vehicle,
                       runtime::FormatLocal(c.start_at, zone, now), c.from_point, c.to_point);
  }
  return out;
}

}  // namespace

std::string FormatAdminResult(const schemas::AdminResult& r, const std::string& zone) {
  Time now = core::RealClock().Now();
  std::string out;
  if (r.op == "set_point_status" || r.op == "remove_point") {
    out = fmt::format(
        "{} point {} of {} is {}{}\n", r.company, r.point, r.station,
        schemas::PointStatusName(r.status),
        r.until ? " until " + runtime::FormatLocal(*r.until, zone, now)
                : (r.status == schemas::PointStatus::kAvailable ? "" : " until further notice"));
  } else {
    out = fmt::format(
        "{}: {} {}{}{}\n", r.company, r.op, r.station, r.point.empty() ? "" : " point " + r.point,
        r.valid_from ? " from " + runtime::FormatLocal(*r.valid_from, zone, now) : "");
  }
  if (!r.moved.empty()) {
    out += fmt::format("{} stop(s) moved to another point of the station:\n", r.moved.size());
    out += ChangesTable(r.moved, true, zone, now);
  }
  if (!r.lost.empty()) {
    out += fmt::format("{} stop(s) lost (no other point free; their vehicles were told):\n",
                       r.lost.size());
    out += ChangesTable(r.lost, false, zone, now);
  }
  // Only taking points out of service moves or loses stops.
  bool outage = r.op == "set_point_status" || r.op == "remove_point" || r.op == "remove_station";
  if (outage) {
    out += fmt::format("summary: {} moved, {} lost", r.moved.size(), r.lost.size());
  } else if (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

namespace {

// Sends one admin op and prints its answer (a table, or the raw reply with --json).
int AskAndPrint(const AdminFlags& f, topics::AdminOp op, std::string payload) {
  auto text = AskAdmin(f.broker.transport == "paho" ? runtime::TransportKind::kPaho
                                                    : runtime::TransportKind::kMosquitto,
                       f.broker.Resolve(), f.company, op, std::move(payload), f.timeout_s);
  if (text && f.json) std::puts(text->c_str());
  auto result = text ? schemas::Decode<schemas::AdminResult>(*text)
                     : Result<schemas::AdminResult>(tl::unexpected<Error>(text.error()));
  if (!result) {
    Error e = result.error();
    if (text) {
      if (auto err = schemas::Decode<schemas::ErrorReply>(*text)) e = err->error;
    }
    return PrintError(e);
  }
  if (!f.json) {
    std::string zone = "America/Bahia";
    if (auto world = worldfiles::LoadWorld(f.data)) {
      if (const auto* s = world->FindStation(f.station)) zone = s->time_zone;
    }
    std::puts(FormatAdminResult(*result, zone).c_str());
  }
  return kSuccess;
}

int RunSetPointStatus(const AdminFlags& f) {
  schemas::PointStatusRequest req{.station = f.station, .point = f.point, .reason = f.reason};
  auto status = schemas::ParsePointStatus(f.status);
  if (!status) {
    std::fprintf(stderr,
                 "tripmesh: unknown --status %s (AVAILABLE, OUTOFORDER, INOPERATIVE, BLOCKED, "
                 "PLANNED or REMOVED); see tripmesh admin set-point-status --help\n",
                 f.status.c_str());
    return kUsageError;
  }
  req.status = *status;
  if (!f.until.empty()) {
    auto t = ParseTime(f.until);
    if (!t) {
      std::fprintf(stderr, "tripmesh: --until: %s\n", t.error().message.c_str());
      return kUsageError;
    }
    req.until = *t;
  }
  return AskAndPrint(f, topics::AdminOp::kSetPointStatus, schemas::Encode(req));
}

// One point of add-station's --point-spec: ID:KW:AC|DC:CONNECTOR.
Result<schemas::Point> ParsePointSpec(const std::string& spec) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  for (std::size_t at; (at = spec.find(':', from)) != std::string::npos; from = at + 1) {
    parts.push_back(spec.substr(from, at - from));
  }
  parts.push_back(spec.substr(from));
  char* end = nullptr;
  double kw = parts.size() == 4 ? std::strtod(parts[1].c_str(), &end) : 0;
  if (parts.size() != 4 || end == parts[1].c_str() || *end != '\0') {
    return Fail(
        Errc::kInvalidRequest,
        "--point-spec " + spec + " is not ID:KW:AC|DC:CONNECTOR, e.g. 3:150:DC:IEC_62196_T2_COMBO");
  }
  return schemas::Point{.id = parts[0],
                        .max_power_kw = kw,
                        .power_type = parts[2],
                        .connector = parts[3],
                        .tariff = std::nullopt};
}

Result<schemas::CatalogueChange> ChangeOf(const AdminFlags& f) {
  schemas::CatalogueChange c{.station = f.station, .point = f.point, .reason = f.reason};
  if (f.Given("--name")) c.name = f.name;
  if (f.Given("--city")) c.city = f.city;
  if (f.Given("--time-zone")) c.time_zone = f.time_zone;
  if (f.Given("--lat")) c.lat = f.lat;
  if (f.Given("--lon")) c.lon = f.lon;
  if (f.Given("--kw")) c.max_power_kw = f.kw;
  if (f.Given("--power-type")) c.power_type = f.power_type;
  if (f.Given("--connector")) c.connector = f.connector;
  if (f.Given("--price-kwh")) {
    c.tariff = schemas::Tariff{.price_per_kwh = f.price_kwh};
    if (f.Given("--price-hour")) c.tariff->price_per_hour = f.price_hour;
  }
  if (f.Given("--valid-from")) {
    auto t = ParseTime(f.valid_from);
    if (!t) return Fail(Errc::kInvalidRequest, "--valid-from: " + t.error().message);
    c.valid_from = *t;
  }
  for (const auto& spec : f.points) {
    auto p = ParsePointSpec(spec);
    if (!p) return tl::unexpected<Error>(p.error());
    c.points.push_back(std::move(*p));
  }
  return c;
}

int RunCatalogueOp(const AdminFlags& f, schemas::CatalogueOp op) {
  auto change = ChangeOf(f);
  if (!change) {
    std::fprintf(stderr, "tripmesh: %s\n", change.error().message.c_str());
    return kUsageError;
  }
  auto admin_op = topics::ParseAdminOp(schemas::CatalogueOpName(op));
  if (!admin_op) return kError;
  return AskAndPrint(f, *admin_op, schemas::Encode(op, *change));
}

}  // namespace

void AddStationFlags(CLI::App* sub, AdminFlags& f) {
  sub->add_option("--name", f.name, "The station's name");
  sub->add_option("--city", f.city, "Map city id, e.g. feira-de-santana");
  sub->add_option("--lat", f.lat, "Latitude")->check(CLI::Range(-90.0, 90.0));
  sub->add_option("--lon", f.lon, "Longitude")->check(CLI::Range(-180.0, 180.0));
  sub->add_option("--time-zone", f.time_zone, "IANA zone (must be the city's; default: it)");
}

void AddPointFlags(CLI::App* sub, AdminFlags& f) {
  sub->add_option("--kw", f.kw, "Most power the point gives, kW")->check(CLI::Range(1.0, 1000.0));
  sub->add_option("--power-type", f.power_type, "AC or DC");
  sub->add_option("--connector", f.connector, "OCPI ConnectorType, e.g. IEC_62196_T2_COMBO");
}

void AddTariffFlags(CLI::App* sub, AdminFlags& f) {
  sub->add_option("--price-kwh", f.price_kwh, "BRL per kWh")->check(CLI::Range(0.0, 1000.0));
  sub->add_option("--price-hour", f.price_hour, "BRL per hour plugged in (with --price-kwh)")
      ->check(CLI::Range(0.0, 10000.0));
}

void AddCatalogueOps(CLI::App* cmd, Runner& run, const std::shared_ptr<AdminFlags>& f) {
  using Op = schemas::CatalogueOp;
  auto add = [&](const char* name, const char* help, Op op) {
    auto* sub = cmd->add_subcommand(name, help);
    sub->fallthrough();  // --json, --broker ... also after the op's name
    sub->add_option("--station", f->station, "Station id, e.g. vp-feira-de-santana-2")->required();
    sub->callback([&run, f, op, sub] {
      f->sub = sub;
      run = [f, op] { return RunCatalogueOp(*f, op); };
    });
    return sub;
  };
  auto* add_station = add("add-station", "Add a station (and its first points)", Op::kAddStation);
  AddStationFlags(add_station, *f);
  AddTariffFlags(add_station, *f);
  add_station->add_option("--point-spec", f->points,
                          "A point as ID:KW:AC|DC:CONNECTOR, e.g. 1:150:DC:IEC_62196_T2_COMBO "
                          "(repeat for more)");
  auto* update_station =
      add("update-station", "Change a station's name, place or zone", Op::kUpdateStation);
  AddStationFlags(update_station, *f);
  auto* remove_station =
      add("remove-station", "Remove a station: its bookings are lost and their vehicles told",
          Op::kRemoveStation);
  remove_station->add_option("--reason", f->reason, "Why, for the vehicles' notices");
  for (auto [name, help, op] :
       {std::tuple{"add-point", "Add a point to a station", Op::kAddPoint},
        std::tuple{"update-point", "Change a point's power, power type or connector",
                   Op::kUpdatePoint},
        std::tuple{"remove-point", "Remove a point: its bookings move to another point or are lost",
                   Op::kRemovePoint}}) {
    auto* sub = add(name, help, op);
    sub->add_option("--point", f->point, "Point id of the station")->required();
    if (op != Op::kRemovePoint) AddPointFlags(sub, *f);
    if (op == Op::kAddPoint) AddTariffFlags(sub, *f);
    if (op == Op::kRemovePoint) sub->add_option("--reason", f->reason, "Why");
  }
  auto* tariff = add("set-tariff",
                     "Set the price of a station (or of one --point) from --valid-from on; "
                     "bookings already made keep theirs",
                     Op::kSetTariff);
  tariff->add_option("--point", f->point, "Only this point (default: the station's tariff)");
  AddTariffFlags(tariff, *f);
  tariff->get_option("--price-kwh")->required();
  tariff->add_option("--valid-from", f->valid_from, "RFC 3339 time it applies from (default: now)");
}

void AddAdmin(CLI::App& app, Runner& run) {
  auto f = std::make_shared<AdminFlags>();
  auto* cmd = app.add_subcommand("admin", "An operator's changes to a company's network");
  cmd->add_option("--company", f->company, "The company to change")->required();
  cmd->add_flag("--json", f->json, "Print the raw reply");
  cmd->add_option("--timeout", f->timeout_s, "Seconds to wait for the answer")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  cmd->add_option("--data", f->data, "Folder of map.json and companies/, for local times")
      ->capture_default_str();
  AddBrokerFlags(cmd, f->broker);
  cmd->require_subcommand(1);
  auto* set = cmd->add_subcommand(
      "set-point-status",
      "Take a point out of service (its bookings move to another point of the station, or "
      "their vehicles are told) or put it back (AVAILABLE)");
  set->fallthrough();
  set->add_option("--station", f->station, "Station id, e.g. vp-salvador-pituba")->required();
  set->add_option("--point", f->point, "Point id of the station, e.g. 1")->required();
  set->add_option("--status", f->status,
                  "AVAILABLE, OUTOFORDER, INOPERATIVE, BLOCKED, PLANNED or REMOVED")
      ->required();
  set->add_option("--until", f->until,
                  "RFC 3339 end of the status (default: until further notice)");
  set->add_option("--reason", f->reason, "Why, for the log and the vehicles' notices");
  set->callback([&run, f] { run = [f] { return RunSetPointStatus(*f); }; });
  AddCatalogueOps(cmd, run, f);
}

}  // namespace tripmesh::cli
