// tripmesh admin: an operator's changes to a company's network over MQTT
// (companies/{c}/admin/{op}), from the company's "<c>-admin" account.
#include <fmt/format.h>

#include <cstdio>
#include <future>
#include <mutex>
#include <random>

#include "commands.h"
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
};

std::string RandomHex() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

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
  std::string out = fmt::format(
      "{} point {} of {} is {}{}\n", r.company, r.point, r.station,
      schemas::PointStatusName(r.status),
      r.until ? " until " + runtime::FormatLocal(*r.until, zone, now)
              : (r.status == schemas::PointStatus::kAvailable ? "" : " until further notice"));
  if (!r.moved.empty()) {
    out += fmt::format("{} stop(s) moved to another point of the station:\n", r.moved.size());
    out += ChangesTable(r.moved, true, zone, now);
  }
  if (!r.lost.empty()) {
    out += fmt::format("{} stop(s) lost (no other point free; their vehicles were told):\n",
                       r.lost.size());
    out += ChangesTable(r.lost, false, zone, now);
  }
  out += fmt::format("summary: {} moved, {} lost", r.moved.size(), r.lost.size());
  return out;
}

namespace {

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
  auto text = AskAdmin(f.broker.transport == "paho" ? runtime::TransportKind::kPaho
                                                    : runtime::TransportKind::kMosquitto,
                       f.broker.Resolve(), f.company, topics::AdminOp::kSetPointStatus,
                       schemas::Encode(req), f.timeout_s);
  if (text && f.json) std::puts(text->c_str());
  auto result = text ? schemas::Decode<schemas::AdminResult>(*text)
                     : Result<schemas::AdminResult>(tl::unexpected<Error>(text.error()));
  if (!result) {
    Error e = result.error();
    if (text) {
      if (auto err = schemas::Decode<schemas::ErrorReply>(*text)) e = err->error;
    }
    std::fprintf(stderr, "tripmesh: %s: %s\n", std::string(ErrcName(e.code)).c_str(),
                 e.message.c_str());
    return kError;
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

}  // namespace

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
  set->add_option("--station", f->station, "Station id, e.g. vp-salvador-pituba")->required();
  set->add_option("--point", f->point, "Point id of the station, e.g. 1")->required();
  set->add_option("--status", f->status,
                  "AVAILABLE, OUTOFORDER, INOPERATIVE, BLOCKED, PLANNED or REMOVED")
      ->required();
  set->add_option("--until", f->until,
                  "RFC 3339 end of the status (default: until further notice)");
  set->add_option("--reason", f->reason, "Why, for the log and the vehicles' notices");
  set->callback([&run, f] { run = [f] { return RunSetPointStatus(*f); }; });
}

}  // namespace tripmesh::cli
