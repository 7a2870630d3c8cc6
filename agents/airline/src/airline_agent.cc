#include "tripmesh/airline/airline_agent.h"

#include <map>
#include <mutex>
#include <utility>

#include "seat_sales.h"
#include "tripmesh/air/plan_answer.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/runtime/log.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::airline {
namespace {

using runtime::LogLevel;

// The zone of the airline's first hub.
std::string ZoneOfFirstHub(const worldfiles::AirFiles& files, const std::string& id) {
  for (const auto& t : files.airlines) {
    if (t.info.id != id || t.info.hubs.empty()) continue;
    for (const auto& a : files.map.airports) {
      if (a.code == t.info.hubs.front()) return a.time_zone;
    }
  }
  return "UTC";
}

// The air profile: an airline's timetable on the wire, itineraries over
// every airline's, and the seats of its own legs sold to passengers.
class AirProfile final : public engine::Profile {
 public:
  AirProfile(std::string id, worldfiles::AirFiles files, Time hold_ttl_s,
             engine::Services& services)
      : id_(std::move(id)),
        files_(std::move(files)),
        services_(services),
        sales_(id_, hold_ttl_s, services) {}

  // kNotFound unless data/air has this airline's timetable; then the
  // reservations of the store.
  Status Load(const std::string& data_dir) {
    for (std::size_t i = 0; i < files_.airlines.size(); ++i) {
      if (files_.airlines[i].info.id != id_) continue;
      own_text_ = files_.texts[i];
      timetables_[id_] = files_.airlines[i];
    }
    if (timetables_.empty()) {
      return Fail(Errc::kNotFound,
                  "airline " + id_ + " has no timetable in " + data_dir + "/airlines");
    }
    auto timetable = Current();
    if (!timetable) return tl::unexpected<Error>(timetable.error());
    return sales_.Load(**timetable);
  }

  std::vector<std::string> CatalogueFilters() const override {
    return {topics::TimetablesFilter()};
  }

  // Another airline's timetable: the itineraries of the next request use it.
  // One that does not decode, or names airports this airline does not know,
  // is dropped and counted; the airline's earlier timetable stays.
  bool HearCatalogue(const runtime::InboundMessage& m) override {
    auto route = topics::ParseTopic(m.topic);
    if (!route || route->kind != topics::Kind::kTimetable) return false;
    if (route->company == id_ || m.payload.empty()) return true;
    auto t = Usable(route->company, m.payload);
    if (!t) {
      services_.count("catalogue.dropped", 1);
      runtime::Log(LogLevel::kWarn, "dropped the timetable of {}: {}", route->company,
                   t.error().message.substr(0, 200));
      return true;
    }
    std::lock_guard lock(mu_);
    timetables_[route->company] = std::move(*t);
    current_.reset();
    return true;
  }

  void OnReply(const runtime::InboundMessage&) override {}  // it asks no airline anything yet

  bool IsCompany(const std::string& id) const override {
    std::lock_guard lock(mu_);
    if (timetables_.count(id)) return true;
    for (const auto& t : files_.airlines) {
      if (t.info.id == id) return true;
    }
    return false;
  }

  engine::Reply Handle(topics::Op op, const std::string& passenger, bool agent_is_company,
                       std::string_view payload, const engine::ReplyTo&) override {
    if (agent_is_company) {
      return engine::ErrorReply(Errc::kForbidden,
                                "airline " + id_ + " takes no requests from another airline yet",
                                payload);
    }
    Result<std::string> answer = Fail(Errc::kInternal, "unanswered");
    switch (op) {
      case topics::Op::kPlan:
        answer = Plan(payload);
        break;
      case topics::Op::kReserve:
        answer = WithCurrent<schemas::AirReserveRequest>(
            payload, [&](const air::Timetable& t, const schemas::AirReserveRequest& r) {
              return sales_.Reserve(t, passenger, r);
            });
        break;
      case topics::Op::kConfirm:
        answer = Decoded<schemas::ReservationRef>(
            payload, [&](const auto& ref) { return sales_.Confirm(passenger, ref); });
        break;
      case topics::Op::kCancel:
        answer = Decoded<schemas::ReservationRef>(
            payload, [&](const auto& ref) { return sales_.Cancel(passenger, ref); });
        break;
      case topics::Op::kGet:
        answer = Decoded<schemas::ReservationRef>(
            payload, [&](const auto& ref) { return sales_.Get(passenger, ref); });
        break;
      case topics::Op::kList:
        answer = Decoded<schemas::ListRequest>(
            payload, [&](const auto& r) { return sales_.List(passenger, r); });
        break;
      default:
        return engine::ErrorReply(Errc::kUnknownOp,
                                  "airline " + id_ +
                                      " serves plan, reserve, confirm, cancel, get"
                                      " and list: " +
                                      std::string(topics::OpName(op)) + " is not an airline's op",
                                  payload, "op");
    }
    if (!answer) {
      return engine::ErrorReply(answer.error().code, answer.error().message, payload,
                                answer.error().field);
    }
    return {std::move(*answer), std::nullopt};
  }

  engine::Reply HandleAdmin(topics::AdminOp op, std::string_view payload) override {
    return engine::ErrorReply(
        Errc::kUnknownOp,
        "airline " + id_ + " has no admin ops yet (" + std::string(topics::AdminOpName(op)) + ")",
        payload, "op");
  }

  Status OnSagaMessage(const std::string& from, topics::SagaKind kind, std::string_view) override {
    return Fail(Errc::kUnknownOp, "airline " + id_ + " takes part in no saga yet (" +
                                      std::string(topics::SagaKindName(kind)) + " from " + from +
                                      ")");
  }

  void Online() override {
    services_.send(
        {.topic = topics::Timetable(id_), .payload = own_text_, .qos = 1, .retain = true});
    std::lock_guard lock(mu_);  // the network thread may be adding a peer's timetable
    runtime::Log(LogLevel::kInfo, "{} publishes {} weekly flights", id_,
                 timetables_.at(id_).flights.size());
  }

  void Tick(int) override { sales_.ExpireDue(); }

  void AddMetrics(std::map<std::string, std::int64_t>& counters) override {
    std::lock_guard lock(mu_);
    counters["world.airlines"] = static_cast<std::int64_t>(timetables_.size());
    counters["reservations"] = static_cast<std::int64_t>(sales_.Reservations());
  }

  std::string TimeZone() const override { return ZoneOfFirstHub(files_, id_); }

 private:
  // `payload` decoded as T, then answered by `answer`.
  template <typename T, typename Answer>
  static Result<std::string> Decoded(std::string_view payload, const Answer& answer) {
    auto request = schemas::Decode<T>(payload);
    if (!request) return tl::unexpected<Error>(request.error());
    return answer(*request);
  }

  // As Decoded, with the timetable of every airline heard so far.
  template <typename T, typename Answer>
  Result<std::string> WithCurrent(std::string_view payload, const Answer& answer) {
    return Decoded<T>(payload, [&](const T& request) -> Result<std::string> {
      auto timetable = Current();
      if (!timetable) return tl::unexpected<Error>(timetable.error());
      return answer(**timetable, request);
    });
  }

  // Itineraries over every airline's timetable; this airline's legs show the
  // seats it has left, the others' every seat of the cabin.
  Result<std::string> Plan(std::string_view payload) {
    return WithCurrent<schemas::AirPlanRequest>(
        payload,
        [&](const air::Timetable& t, const schemas::AirPlanRequest& r) -> Result<std::string> {
          auto seats = [&](const air::Leg& leg, air::Cabin cabin) {
            if (leg.airline == id_) return sales_.SeatsLeft(t, leg, cabin);
            const air::Aircraft* craft = t.AircraftOf(leg);
            return craft ? craft->SeatsIn(cabin) : 0;
          };
          auto answer = air::AnswerPlan(t, r, services_.clock.Now(), seats);
          if (!answer) return tl::unexpected<Error>(answer.error());
          services_.count("plans", 1);
          return schemas::Encode(*answer);
        });
  }

  // A timetable of `airline` whose every flight this airline's map knows.
  Result<schemas::AirlineTimetable> Usable(const std::string& airline,
                                           std::string_view payload) const {
    auto t = schemas::Decode<schemas::AirlineTimetable>(payload);
    if (!t) return t;
    if (t->info.id != airline)
      return Fail(Errc::kInvalidRequest, "it is the timetable of " + t->info.id);
    auto checked =
        worldfiles::AirTimetableOf(files_.map, {*t}, [](const std::string&) { return 0; });
    if (!checked) return tl::unexpected<Error>(checked.error());
    return t;
  }

  // The timetable of every airline heard so far, rebuilt after a change.
  Result<std::shared_ptr<const air::Timetable>> Current() {
    std::lock_guard lock(mu_);
    if (current_) return current_;
    std::vector<schemas::AirlineTimetable> all;
    for (const auto& [id, t] : timetables_) all.push_back(t);
    Time now = services_.clock.Now();
    auto built = worldfiles::AirTimetableOf(files_.map, all, [now](const std::string& zone) {
      return runtime::OffsetAt(zone, now).utc_offset_s / 60;
    });
    if (!built) return tl::unexpected<Error>(built.error());
    current_ = std::make_shared<const air::Timetable>(std::move(*built));
    return current_;
  }

  std::string id_;
  worldfiles::AirFiles files_;  // data/air: the airports, and the airlines' first timetables
  engine::Services& services_;
  std::string own_text_;   // this airline's timetable, as published
  mutable std::mutex mu_;  // guards the two below
  std::map<std::string, schemas::AirlineTimetable> timetables_;  // by airline, this one's too
  std::shared_ptr<const air::Timetable> current_;                // null: to rebuild
  SeatSales sales_;  // after services_ and id_, which it uses
};

}  // namespace

Result<std::unique_ptr<engine::Agent>> StartAirline(AirlineOptions options,
                                                    const core::Clock& clock) {
  auto files = worldfiles::ReadAirFiles(options.data_dir);
  if (!files) return tl::unexpected<Error>(files.error());
  engine::AgentOptions o{.id = options.id,
                         .db_path = options.db_path,
                         .workers = options.workers,
                         .transport = options.transport,
                         .mqtt = std::move(options.mqtt),
                         .sync_full = options.sync_full,
                         .time_zone = ZoneOfFirstHub(*files, options.id),
                         .standby = false,
                         .interrupted = std::move(options.interrupted),
                         .on_fatal = std::move(options.on_fatal)};
  std::string id = options.id, data_dir = options.data_dir;
  Time hold_ttl_s = options.hold_ttl_s;
  return engine::Agent::Start(std::move(o), clock,
                              [&](engine::Services& services,
                                  const std::string&) -> Result<std::unique_ptr<engine::Profile>> {
                                auto profile = std::make_unique<AirProfile>(id, std::move(*files),
                                                                            hold_ttl_s, services);
                                if (auto st = profile->Load(data_dir); !st)
                                  return tl::unexpected<Error>(st.error());
                                return std::unique_ptr<engine::Profile>(std::move(profile));
                              });
}

int RunAirline(AirlineOptions options) {
  runtime::SetLogName(options.id);
  core::RealClock clock;
  return engine::RunUntilSignalled(
      [&](std::function<void(const Error&)> on_fatal, std::function<bool()> interrupted) {
        options.on_fatal = std::move(on_fatal);
        options.interrupted = std::move(interrupted);
        return StartAirline(std::move(options), clock);
      });
}

}  // namespace tripmesh::airline
