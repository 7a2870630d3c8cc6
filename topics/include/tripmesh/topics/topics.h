// The topic tree of PROTOCOL.md under the root "tripmesh/v1". This is the only
// code that knows topic strings: builders for every topic, and one parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tripmesh/base/result.h"

namespace tripmesh::topics {

inline constexpr std::string_view kRoot = "tripmesh/v1";

enum class Kind {
  kCompanyInfo,          // companies/{c}/info
  kCompanyStatus,        // companies/{c}/status
  kStation,              // companies/{c}/stations/{s}
  kStationAvailability,  // companies/{c}/stations/{s}/availability
  kStationSchedule,      // companies/{c}/stations/{s}/schedule
  kRequest,              // companies/{c}/requests/{agent}/{op}
  kCompanyReplies,       // companies/{c}/replies[/...]
  kSaga,                 // companies/{to}/saga/{from}/{kind}
  kEvent,                // companies/{c}/events/{kind}
  kAdmin,                // companies/{c}/admin/{op}
  kMetrics,              // companies/{c}/metrics
  kVehicleReplies,       // vehicles/{v}/replies[/...]
  kVehicleTelemetry,     // vehicles/{v}/telemetry
  kVehicleEvents,        // vehicles/{v}/events
  kBridgeLink,           // companies/{c}/bridges/{peer}: "1" or "0", from the brokers
  kWorldMap,             // world/map: the road map, retained
  kTimetable,            // companies/{c}/timetable: an airline's weekly timetable, retained
};

enum class Op { kPlan, kReserve, kConfirm, kCancel, kGet, kList, kCheckin, kAvailability };

struct Route {
  Kind kind = Kind::kCompanyInfo;
  std::string company;  // {c}, or {to} of a saga topic
  std::string station;  // {s}
  std::string agent;    // requester of a request; {from} of a saga topic
  std::string vehicle;  // {v}
  std::string name;     // the op of a request or admin topic, the kind of a saga or event
                        // topic, the peer of a bridge link
};

// Parses a full topic ("tripmesh/v1/..."). Segments that carry ids must be valid
// ids (companies [a-z0-9-]{1,32}, vehicles [A-Za-z0-9_-]{1,64}); anything else
// under or outside the tree is kInvalidRequest with field "topic". The op of a
// request is not checked here: see ParseOp.
[[nodiscard]] Result<Route> ParseTopic(std::string_view topic);
[[nodiscard]] Result<Op> ParseOp(std::string_view op);
std::string_view OpName(Op op);

// The {kind} of a saga topic: the coordinator's request, commit and compensate,
// and the participant's ack and changed (stops it moved or lost).
enum class SagaKind { kRequest, kAck, kCommit, kCompensate, kChanged };
[[nodiscard]] Result<SagaKind> ParseSagaKind(std::string_view kind);
std::string_view SagaKindName(SagaKind kind);

// The {kind} of an event topic.
enum class EventKind { kReservation, kSaga };
[[nodiscard]] Result<EventKind> ParseEventKind(std::string_view kind);
std::string_view EventKindName(EventKind kind);

// The {op} of an admin topic: an operator's change to the company's network.
enum class AdminOp {
  kSetPointStatus,
  kAddStation,
  kUpdateStation,
  kRemoveStation,
  kAddPoint,
  kUpdatePoint,
  kRemovePoint,
  kSetTariff
};
[[nodiscard]] Result<AdminOp> ParseAdminOp(std::string_view op);
std::string_view AdminOpName(AdminOp op);

// The {agent} of a topic under companies/{c}/requests/{agent}/..., even when the
// rest of the topic is malformed ("" when there is no valid one), so that a bad
// request can still get its error on the requester's default reply topic.
std::string RequesterOf(std::string_view topic);

bool IsCompanyId(std::string_view id);
bool IsVehicleId(std::string_view id);

std::string CompanyInfo(std::string_view c);
std::string CompanyStatus(std::string_view c);
std::string Station(std::string_view c, std::string_view s);
std::string StationAvailability(std::string_view c, std::string_view s);
// The holds and bookings of the station's points in the next hours, retained.
std::string StationSchedule(std::string_view c, std::string_view s);
// The cities and roads every company plans on, retained by each company agent.
std::string WorldMap();
std::string Request(std::string_view c, std::string_view agent, Op op);
std::string CompanyReplies(std::string_view c);
std::string Saga(std::string_view to, std::string_view from, SagaKind kind);
std::string Event(std::string_view c, EventKind kind);
// The same topics with a name of the caller's: for requests and saga messages
// this agent would never send (an unknown op, a prefix to filter on).
std::string RequestNamed(std::string_view c, std::string_view agent, std::string_view op);
std::string SagaNamed(std::string_view to, std::string_view from, std::string_view kind);
std::string Admin(std::string_view c, AdminOp op);
std::string AdminNamed(std::string_view c, std::string_view op);
// Where a company answers its admin: under its own replies, which its
// "<company>-admin" account reads.
std::string AdminReplies(std::string_view c);
// A company agent's message to itself after its subscriptions (not JSON): once
// it is back, the retained catalogues those brought are in (topics/README.md).
std::string CaughtUp(std::string_view c);
std::string Metrics(std::string_view c);
std::string VehicleReplies(std::string_view v);
std::string VehicleTelemetry(std::string_view v);
// Notices a company sends one vehicle (vehicle.notice); only that vehicle reads them.
std::string VehicleEvents(std::string_view v);

// Subscription filters.
std::string RequestsFilter(std::string_view c);  // companies/{c}/requests/#
std::string SagaFilter(std::string_view c);      // companies/{c}/saga/#
std::string AdminFilter(std::string_view c);     // companies/{c}/admin/+
std::string Everything();                        // tripmesh/v1/#
std::string InfoFilter();                        // companies/+/info
std::string StationsFilter();                    // companies/+/stations/+ (not their availability)
std::string Timetable(std::string_view c);       // companies/{c}/timetable
std::string TimetablesFilter();                  // companies/+/timetable

// True when `topic` lies in the namespace of `agent`: vehicles/{agent}/... for a
// vehicle, companies/{agent}/... for a company. Used to refuse a Response Topic
// that would redirect a reply into someone else's namespace.
bool InNamespaceOf(std::string_view topic, std::string_view agent, bool agent_is_company);

// The mosquitto ACL (acl_file syntax) that makes the topic carry identity:
// every account may publish only under its own name. Accounts: each company
// (user name = company id), "<company>-admin" for admin ops, each vehicle
// (user name = vehicle id), and a read-only "monitor".
struct AclAccounts {
  std::vector<std::string> companies;
  std::vector<std::string> vehicles;
  std::string monitor = "monitor";
};
std::string MosquittoAcl(const AclAccounts& accounts);

// In a federation each company's broker forwards to each peer's broker only
// what the company sends that peer as itself (requests and saga messages),
// replies to the peer's own requests, and its own catalogue and status: the
// topic filters of the bridge from `self` to `peer`, all outwards.
std::vector<std::string> BridgeTopics(std::string_view self, std::string_view peer);
// The account a peer's bridge logs in as on `self`'s broker (the name in its
// certificate): "bridge-<peer>".
std::string BridgeAccount(std::string_view peer);
// Whether the bridge from `self`'s broker to `peer`'s is connected, as the
// brokers say it (mosquitto's bridge notifications): "1" when it connects, "0"
// when it stops, retained. On `peer`'s broker the "0" is the bridge's will, so
// it arrives even when `self`'s broker dies: then `self`'s retained status
// there is only what it last said.
std::string BridgeLink(std::string_view self, std::string_view peer);
// Its ACL rules on `self`'s broker: it may publish exactly what
// BridgeTopics(peer, self) carries and its link's state, and read nothing.
std::string MosquittoBridgeAcl(std::string_view self, std::string_view peer);

}  // namespace tripmesh::topics
