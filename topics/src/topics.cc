#include "tripmesh/topics/topics.h"

#include <array>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace tripmesh::topics {
namespace {

constexpr std::array<std::pair<Op, std::string_view>, 8> kOps = {{
    {Op::kPlan, "plan"},
    {Op::kReserve, "reserve"},
    {Op::kConfirm, "confirm"},
    {Op::kCancel, "cancel"},
    {Op::kGet, "get"},
    {Op::kList, "list"},
    {Op::kCheckin, "checkin"},
    {Op::kAvailability, "availability"},
}};

std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out(kRoot);
  for (auto p : parts) {
    out += '/';
    out += p;
  }
  return out;
}

bool IsNameSegment(std::string_view s) {  // op, kind, station: [a-z0-9._-]{1,64}
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string_view> SplitTopic(std::string_view t) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = t.find('/', start);
    parts.push_back(t.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

tl::unexpected<Error> BadTopic(std::string_view why) {
  return Fail(Errc::kInvalidRequest, "topic " + std::string(why), "topic");
}

Result<Route> ParseCompanyTopic(const std::vector<std::string_view>& p) {
  // p[0..1] = tripmesh, v1; p[2] = companies; p[3] = {c}
  Route r;
  if (p.size() < 5 || !IsCompanyId(p[3])) return BadTopic("does not name a valid company");
  r.company = p[3];
  std::string_view what = p[4];
  size_t n = p.size();
  if (what == "info" && n == 5) {
    r.kind = Kind::kCompanyInfo;
  } else if (what == "status" && n == 5) {
    r.kind = Kind::kCompanyStatus;
  } else if (what == "metrics" && n == 5) {
    r.kind = Kind::kMetrics;
  } else if (what == "timetable" && n == 5) {
    r.kind = Kind::kTimetable;
  } else if (what == "replies") {
    r.kind = Kind::kCompanyReplies;
  } else if (what == "stations" &&
             (n == 6 || (n == 7 && (p[6] == "availability" || p[6] == "schedule")))) {
    if (!IsNameSegment(p[5])) return BadTopic("has an invalid station id");
    r.kind = n == 6                   ? Kind::kStation
             : p[6] == "availability" ? Kind::kStationAvailability
                                      : Kind::kStationSchedule;
    r.station = p[5];
  } else if (what == "requests" && n == 7) {
    if (!IsVehicleId(p[5])) return BadTopic("has an invalid requester id");
    if (!IsNameSegment(p[6])) return BadTopic("has an invalid op");
    r.kind = Kind::kRequest;
    r.agent = p[5];
    r.name = p[6];
  } else if (what == "saga" && n == 7) {
    if (!IsCompanyId(p[5])) return BadTopic("has an invalid saga sender");
    if (!IsNameSegment(p[6])) return BadTopic("has an invalid saga kind");
    r.kind = Kind::kSaga;
    r.agent = p[5];
    r.name = p[6];
  } else if (what == "bridges" && n == 6) {
    if (!IsCompanyId(p[5])) return BadTopic("has an invalid peer");
    r.kind = Kind::kBridgeLink;
    r.name = p[5];
  } else if ((what == "events" || what == "admin") && n == 6) {
    if (!IsNameSegment(p[5])) return BadTopic("has an invalid kind");
    r.kind = what == "events" ? Kind::kEvent : Kind::kAdmin;
    r.name = p[5];
  } else {
    return BadTopic("is not part of the tripmesh/v1 tree");
  }
  return r;
}

}  // namespace

bool IsCompanyId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool IsVehicleId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string RequesterOf(std::string_view topic) {
  auto p = SplitTopic(topic);
  if (p.size() >= 6 && p[0] == "tripmesh" && p[1] == "v1" && p[2] == "companies" &&
      p[4] == "requests" && IsVehicleId(p[5])) {
    return std::string(p[5]);
  }
  return {};
}

Result<Route> ParseTopic(std::string_view topic) {
  auto p = SplitTopic(topic);
  if (p.size() < 4 || p[0] != "tripmesh" || p[1] != "v1") return BadTopic("is outside tripmesh/v1");
  if (p[2] == "companies") return ParseCompanyTopic(p);
  if (p[2] == "world" && p.size() == 4 && p[3] == "map") return Route{.kind = Kind::kWorldMap};
  if (p[2] == "vehicles" && p.size() >= 5 && IsVehicleId(p[3])) {
    Route r;
    r.vehicle = p[3];
    if (p[4] == "replies") {
      r.kind = Kind::kVehicleReplies;
      return r;
    }
    if (p[4] == "telemetry" && p.size() == 5) {
      r.kind = Kind::kVehicleTelemetry;
      return r;
    }
    if (p[4] == "events" && p.size() == 5) {
      r.kind = Kind::kVehicleEvents;
      return r;
    }
  }
  return BadTopic("is not part of the tripmesh/v1 tree");
}

Result<Op> ParseOp(std::string_view op) {
  for (const auto& [o, name] : kOps) {
    if (name == op) return o;
  }
  return Fail(Errc::kUnknownOp,
              "unknown op '" + std::string(op.substr(0, 64)) +
                  "'; ops are plan, reserve, confirm, cancel, get, list, checkin, availability");
}

std::string_view OpName(Op op) {
  for (const auto& [o, name] : kOps) {
    if (o == op) return name;
  }
  return "plan";
}

namespace {
constexpr std::pair<SagaKind, std::string_view> kSagaKinds[] = {
    {SagaKind::kRequest, "request"}, {SagaKind::kAck, "ack"},
    {SagaKind::kCommit, "commit"},   {SagaKind::kCompensate, "compensate"},
    {SagaKind::kChanged, "changed"},
};
constexpr std::pair<AdminOp, std::string_view> kAdminOps[] = {
    {AdminOp::kSetPointStatus, "set_point_status"},
    {AdminOp::kAddStation, "add_station"},
    {AdminOp::kUpdateStation, "update_station"},
    {AdminOp::kRemoveStation, "remove_station"},
    {AdminOp::kAddPoint, "add_point"},
    {AdminOp::kUpdatePoint, "update_point"},
    {AdminOp::kRemovePoint, "remove_point"},
    {AdminOp::kSetTariff, "set_tariff"},
};
constexpr std::pair<EventKind, std::string_view> kEventKinds[] = {
    {EventKind::kReservation, "reservation"},
    {EventKind::kSaga, "saga"},
};

template <typename E, std::size_t N>
std::string_view NameIn(const std::pair<E, std::string_view> (&names)[N], E value) {
  for (const auto& [e, name] : names) {
    if (e == value) return name;
  }
  return names[0].second;
}

template <typename E, std::size_t N>
Result<E> ParseIn(const std::pair<E, std::string_view> (&names)[N], std::string_view name,
                  std::string_view what) {
  for (const auto& [e, known] : names) {
    if (known == name) return e;
  }
  std::string all;
  for (const auto& [e, known] : names) all += (all.empty() ? "" : ", ") + std::string(known);
  return Fail(Errc::kUnknownOp,
              "unknown " + std::string(what) + " '" + std::string(name.substr(0, 64)) + "'; " +
                  std::string(what) + "s are " + all,
              "topic");
}
}  // namespace

Result<SagaKind> ParseSagaKind(std::string_view kind) {
  return ParseIn(kSagaKinds, kind, "saga message");
}
std::string_view SagaKindName(SagaKind kind) { return NameIn(kSagaKinds, kind); }
Result<EventKind> ParseEventKind(std::string_view kind) {
  return ParseIn(kEventKinds, kind, "event");
}
std::string_view EventKindName(EventKind kind) { return NameIn(kEventKinds, kind); }
Result<AdminOp> ParseAdminOp(std::string_view op) { return ParseIn(kAdminOps, op, "admin op"); }
std::string_view AdminOpName(AdminOp op) { return NameIn(kAdminOps, op); }

std::string CompanyInfo(std::string_view c) { return Join({"companies", c, "info"}); }
std::string CompanyStatus(std::string_view c) { return Join({"companies", c, "status"}); }
std::string Station(std::string_view c, std::string_view s) {
  return Join({"companies", c, "stations", s});
}
std::string StationAvailability(std::string_view c, std::string_view s) {
  return Join({"companies", c, "stations", s, "availability"});
}
std::string StationSchedule(std::string_view c, std::string_view s) {
  return Join({"companies", c, "stations", s, "schedule"});
}
std::string WorldMap() { return Join({"world", "map"}); }
std::string CaughtUp(std::string_view c) { return Join({"companies", c, "replies", "caught-up"}); }
std::string RequestNamed(std::string_view c, std::string_view agent, std::string_view op) {
  return Join({"companies", c, "requests", agent, op});
}
std::string Request(std::string_view c, std::string_view agent, Op op) {
  return RequestNamed(c, agent, OpName(op));
}
std::string CompanyReplies(std::string_view c) { return Join({"companies", c, "replies"}); }
std::string SagaNamed(std::string_view to, std::string_view from, std::string_view kind) {
  return Join({"companies", to, "saga", from, kind});
}
std::string Saga(std::string_view to, std::string_view from, SagaKind kind) {
  return SagaNamed(to, from, SagaKindName(kind));
}
std::string Event(std::string_view c, EventKind kind) {
  return Join({"companies", c, "events", EventKindName(kind)});
}
std::string AdminNamed(std::string_view c, std::string_view op) {
  return Join({"companies", c, "admin", op});
}
std::string Admin(std::string_view c, AdminOp op) { return AdminNamed(c, AdminOpName(op)); }
std::string AdminReplies(std::string_view c) { return Join({"companies", c, "replies", "admin"}); }
std::string Metrics(std::string_view c) { return Join({"companies", c, "metrics"}); }
std::string VehicleReplies(std::string_view v) { return Join({"vehicles", v, "replies"}); }
std::string VehicleTelemetry(std::string_view v) { return Join({"vehicles", v, "telemetry"}); }
std::string VehicleEvents(std::string_view v) { return Join({"vehicles", v, "events"}); }
std::string RequestsFilter(std::string_view c) { return Join({"companies", c, "requests", "#"}); }
std::string SagaFilter(std::string_view c) { return Join({"companies", c, "saga", "#"}); }
std::string AdminFilter(std::string_view c) { return Join({"companies", c, "admin", "+"}); }
std::string Everything() { return Join({"#"}); }
std::string InfoFilter() { return Join({"companies", "+", "info"}); }
std::string StationsFilter() { return Join({"companies", "+", "stations", "+"}); }
std::string Timetable(std::string_view c) { return Join({"companies", c, "timetable"}); }
std::string TimetablesFilter() { return Join({"companies", "+", "timetable"}); }

bool InNamespaceOf(std::string_view topic, std::string_view agent, bool agent_is_company) {
  std::string prefix = Join({agent_is_company ? "companies" : "vehicles", agent}) + "/";
  if (topic.size() <= prefix.size() || topic.substr(0, prefix.size()) != prefix) return false;
  // No wildcards and no empty levels: a reply topic is a concrete topic.
  for (char c : topic) {
    if (c == '+' || c == '#' || c == '\0') return false;
  }
  return topic.find("//") == std::string_view::npos && topic.back() != '/';
}

std::vector<std::string> BridgeTopics(std::string_view self, std::string_view peer) {
  return {Join({"companies", peer, "requests", self, "#"}),
          Join({"companies", peer, "saga", self, "#"}),
          Join({"companies", peer, "replies", "#"}),
          Join({"companies", self, "info"}),
          Join({"companies", self, "status"}),
          Join({"companies", self, "stations", "#"}),
          Timetable(self)};
}

std::string BridgeLink(std::string_view self, std::string_view peer) {
  return Join({"companies", self, "bridges", peer});
}

std::string BridgeAccount(std::string_view peer) { return "bridge-" + std::string(peer); }

std::string MosquittoBridgeAcl(std::string_view self, std::string_view peer) {
  std::string acl = "\nuser " + BridgeAccount(peer) + "\n";
  for (const auto& t : BridgeTopics(peer, self)) acl += "topic write " + t + "\n";
  acl += "topic write " + BridgeLink(peer, self) + "\n";
  return acl;
}

std::string MosquittoAcl(const AclAccounts& a) {
  std::string acl =
      "# Generated by `tripmesh secure` from data/: who may publish and read what.\n"
      "# Identity comes from the topic, so every account publishes only under its own name.\n";
  // One line of the file: its words, then the topic under the root.
  auto line = [&acl](std::initializer_list<std::string_view> words) {
    for (auto w : words) acl.append(w);
    acl.push_back('\n');
  };
  auto rule = [&line](std::string_view access, std::initializer_list<std::string_view> topic) {
    std::string t;
    for (auto part : topic) t.append(part);
    line({"topic ", access, " ", kRoot, "/", t});
  };
  for (const auto& c : a.companies) {
    line({"\nuser ", c});
    rule("read", {"companies/", c, "/#"});
    // The other companies' catalogues (an airline's is its timetable): each
    // agent plans on them as retained.
    for (const char* shared : {"/info", "/status", "/stations/#", "/timetable"}) {
      rule("read", {"companies/+", shared});
    }
    for (const char* own :
         {"/info", "/status", "/stations/#", "/timetable", "/events/#", "/metrics"}) {
      rule("write", {"companies/", c, own});
    }
    rule("write", {"world/map"});
    rule("write", {"companies/+/saga/", c, "/#"});
    rule("write", {"companies/+/requests/", c, "/#"});
    rule("write", {"companies/+/replies/#"});
    rule("write", {"vehicles/+/replies/#"});
    rule("write", {"vehicles/+/events"});
    line({"\nuser ", c, "-admin"});
    rule("write", {"companies/", c, "/admin/#"});
    rule("read", {"companies/", c, "/#"});
  }
  for (const auto& v : a.vehicles) {
    line({"\nuser ", v});
    rule("write", {"companies/+/requests/", v, "/#"});
    rule("write", {"vehicles/", v, "/telemetry"});
    rule("read", {"vehicles/", v, "/#"});
    for (const char* shared : {"/info", "/status", "/stations/#"}) {
      rule("read", {"companies/+", shared});
    }
  }
  line({"\nuser ", a.monitor});
  rule("read", {"#"});
  return acl;
}

}  // namespace tripmesh::topics
