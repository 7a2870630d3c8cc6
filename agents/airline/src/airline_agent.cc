#include "tripmesh/airline/airline_agent.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include "air_sagas.h"
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
  AirProfile(std::string id, worldfiles::AirFiles files, Time hold_ttl_s, AirSagaOptions sagas,
             engine::Services& services)
      : id_(std::move(id)),
        files_(std::move(files)),
        services_(services),
        sales_(id_, hold_ttl_s, services),
        sagas_(
            id_, sales_, services, [this] { return Current(); }, std::move(sagas)) {}

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
    if (auto st = sales_.Load(**timetable); !st) return st;
    return sagas_.Load();
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
                       std::string_view payload, const engine::ReplyTo& reply_to) override {
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
              return Reserve(t, passenger, r, reply_to);
            });
        break;
      case topics::Op::kConfirm:
      case topics::Op::kCancel: {
        // Not a sale of this airline's: an itinerary it coordinates, perhaps.
        auto ref = schemas::Decode<schemas::ReservationRef>(payload);
        if (ref && NoSale(ref->reservation_id) && sagas_.Coordinates(ref->reservation_id)) {
          return op == topics::Op::kConfirm ? sagas_.Confirm(passenger, *ref, reply_to)
                                            : sagas_.Cancel(passenger, *ref, reply_to);
        }
        answer = Decoded<schemas::ReservationRef>(payload, [&](const auto& r) {
          return op == topics::Op::kConfirm ? sales_.Confirm(passenger, r)
                                            : sales_.Cancel(passenger, r);
        });
        break;
      }
      case topics::Op::kGet:
        answer = Decoded<schemas::ReservationRef>(payload, [&](const auto& ref) {
          auto sale = sales_.Get(passenger, ref);
          if (sale || !NoSale(ref.reservation_id)) return sale;
          if (auto r = sagas_.Get(passenger, ref.reservation_id)) {
            r->request_id = ref.request_id;
            return Result<std::string>(schemas::Encode(*r));
          }
          return sale;
        });
        break;
      case topics::Op::kList:
        answer = Decoded<schemas::ListRequest>(payload,
                                               [&](const auto& r) { return List(passenger, r); });
        break;
      default:
        return engine::ErrorReply(Errc::kUnknownOp,
                                  "airline " + id_ +
                                      " serves plan, reserve, confirm, cancel, get"
                                      " and list: " +
                                      std::string(topics::OpName(op)) + " is not an airline's op",
                                  payload, "op");
    }
    if (!answer && answer.error().internal_words) {
      // The store's own words stay in the log; the passenger reads what to do.
      runtime::Log(LogLevel::kWarn, "store error kept from {}: {}", passenger,
                   answer.error().message);
      return engine::ErrorReply(Errc::kInternal,
                                "the airline's store failed (the details are in its log); try "
                                "again shortly",
                                payload);
    }
    if (!answer) {
      return engine::ErrorReply(answer.error().code, answer.error().message, payload,
                                answer.error().field);
    }
    if (answer->empty()) return {"", std::nullopt, true};  // a saga answers when it settles
    return {std::move(*answer), std::nullopt};
  }

  engine::Reply HandleAdmin(topics::AdminOp op, std::string_view payload) override {
    return engine::ErrorReply(
        Errc::kUnknownOp,
        "airline " + id_ + " has no admin ops yet (" + std::string(topics::AdminOpName(op)) + ")",
        payload, "op");
  }

  Status OnSagaMessage(const std::string& from, topics::SagaKind kind,
                       std::string_view payload) override {
    return sagas_.OnMessage(from, kind, payload);
  }

  void Online() override {
    services_.send(
        {.topic = topics::Timetable(id_), .payload = own_text_, .qos = 1, .retain = true});
    {
      std::lock_guard lock(mu_);  // the network thread may be adding a peer's timetable
      runtime::Log(LogLevel::kInfo, "{} publishes {} weekly flights", id_,
                   timetables_.at(id_).flights.size());
    }
    sagas_.Resume();
  }

  void Tick(int) override {
    sales_.ExpireDue();
    sagas_.Tick();
  }

  void AddMetrics(std::map<std::string, std::int64_t>& counters) override {
    std::lock_guard lock(mu_);
    counters["world.airlines"] = static_cast<std::int64_t>(timetables_.size());
    counters["reservations.in_memory"] = static_cast<std::int64_t>(sales_.Reservations());
  }

  std::size_t UnfinishedSagas() const override { return sagas_.Unfinished(); }

  std::string TimeZone() const override { return ZoneOfFirstHub(files_, id_); }

 private:
  // An itinerary of this airline's legs only is sold here and now; one with
  // another airline's legs is a saga, answered when it settles (an empty
  // answer). A repeated request_id gets what the first one made, when it
  // settles if it is still under way.
  Result<std::string> Reserve(const air::Timetable& t, const std::string& passenger,
                              const schemas::AirReserveRequest& r,
                              const engine::ReplyTo& reply_to) {
    bool mine = std::all_of(r.legs.begin(), r.legs.end(), [&](const auto& want) {
      auto leg = air::FindLeg(t, want.leg_id);
      return !leg || leg->airline == id_;  // an unknown leg: refused as a local one
    });
    // A repeated request names the same legs: each kind finds its own repeats.
    if (mine) return sales_.Reserve(t, passenger, r);
    if (sagas_.Rejoin(passenger, r.request_id, reply_to)) return std::string();
    if (auto earlier = sagas_.ByRequest(passenger, r.request_id)) {
      earlier->request_id = r.request_id;
      return schemas::Encode(*earlier);
    }
    if (auto st = sagas_.Reserve(t, passenger, r, reply_to); !st)
      return tl::unexpected<Error>(st.error());
    return std::string();
  }

  // Whether `id` is surely no sale or saga part of this airline's (a store
  // that fails to say is not sure).
  bool NoSale(const std::string& id) const {
    auto sale = sales_.Find(id);
    return sale && !*sale;
  }

  // Both kinds, oldest first; a saga's own part here shows as the itinerary.
  Result<std::string> List(const std::string& passenger, const schemas::ListRequest& r) {
    schemas::AirReservationList list{.request_id = r.request_id, .reservations = {}};
    auto sales = sales_.List(passenger, r);
    if (!sales) return tl::unexpected<Error>(sales.error());
    for (auto& mine : *sales) {
      bool part_of_ours = mine.reservation_id.size() > 1 && mine.reservation_id[0] == 's' &&
                          sagas_.Coordinates(mine.reservation_id.substr(1));
      if (!part_of_ours) list.reservations.push_back(std::move(mine));
    }
    if (r.for_request_id.empty()) {
      for (auto& s : sagas_.Of(passenger)) list.reservations.push_back(std::move(s));
    } else if (auto s = sagas_.ByRequest(passenger, r.for_request_id)) {
      list.reservations.push_back(std::move(*s));
    }
    std::stable_sort(list.reservations.begin(), list.reservations.end(),
                     [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
    return schemas::Encode(list);
  }

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
  AirSagas sagas_;   // after sales_
};

}  // namespace

namespace {

// The air profile over files already read from options.data_dir.
Result<std::unique_ptr<engine::Profile>> MakeAirProfileOf(const AirlineOptions& options,
                                                          worldfiles::AirFiles files,
                                                          engine::Services& services) {
  AirSagaOptions sagas{.hold_ttl_s = options.hold_ttl_s,
                       .commit_hold_ttl_s = 120,
                       .saga = {.request_timeout = options.saga_timeout,
                                .reply_timeout = std::chrono::milliseconds(10000),
                                .crash_at = options.crash_at,
                                .steady_now = options.steady_now}};
  auto profile = std::make_unique<AirProfile>(options.id, std::move(files), options.hold_ttl_s,
                                              std::move(sagas), services);
  if (auto st = profile->Load(options.data_dir); !st) return tl::unexpected<Error>(st.error());
  return std::unique_ptr<engine::Profile>(std::move(profile));
}

}  // namespace

Result<std::unique_ptr<engine::Profile>> MakeAirProfile(const AirlineOptions& options,
                                                        engine::Services& services) {
  auto files = worldfiles::ReadAirFiles(options.data_dir);
  if (!files) return tl::unexpected<Error>(files.error());
  return MakeAirProfileOf(options, std::move(*files), services);
}

Result<std::unique_ptr<engine::Agent>> StartAirline(AirlineOptions options,
                                                    const core::Clock& clock) {
  auto files = worldfiles::ReadAirFiles(options.data_dir);
  if (!files) return tl::unexpected<Error>(files.error());
  engine::AgentOptions o{.id = options.id,
                         .db_path = options.db_path,
                         .workers = options.workers,
                         .transport = options.transport,
                         .mqtt = options.mqtt,
                         .sync_full = options.sync_full,
                         .time_zone = ZoneOfFirstHub(*files, options.id),
                         .standby = false,
                         .interrupted = std::move(options.interrupted),
                         .on_fatal = std::move(options.on_fatal)};
  return engine::Agent::Start(std::move(o), clock,
                              [&](engine::Services& services, const std::string&) {
                                return MakeAirProfileOf(options, std::move(*files), services);
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
