#include "tripmesh/company/company_agent.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <utility>

#include "catalogue_messages.h"
#include "company_core.h"
#include "peer_client.h"
#include "reservation_book.h"
#include "saga_coordinator.h"
#include "saga_participant.h"
#include "stop_notices.h"
#include "tripmesh/runtime/log.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::company {
namespace {

using runtime::LogLevel;

// Schedules change with every booking; the live map reads them, so once a
// second is enough.
constexpr int kSchedulesEveryTicks = 5;
constexpr int kExpirePlansEveryTicks = 25;
constexpr Time kScheduleSpanS = 12 * kHourS;

// The charging profile: a company's stations and points, trips planned over
// the road map, reservations of charging slots.
class ChargingProfile final : public engine::Profile {
 public:
  ChargingProfile(const ChargingProfile&) = delete;
  ChargingProfile& operator=(const ChargingProfile&) = delete;
  ChargingProfile(ChargingProfile&&) = delete;
  ChargingProfile& operator=(ChargingProfile&&) = delete;
  ~ChargingProfile() override = default;
  ChargingProfile(const CompanyOptions& options, const core::World& world,
                  engine::Services& services)
      : options_(options), world_(world), services_(services) {}

  // The map, and this company's catalogue for a new store: the other
  // companies' come from their retained messages, not from data/.
  Status Load(const std::string& db) {
    peers_ = std::make_unique<PeerClient>(options_.id, services_.transport);
    std::vector<schemas::Catalogue> own;
    if (const auto* c = world_.FindCompany(options_.id)) own.push_back(*c);
    auto seed = core::World::Build(world_.map(), std::move(own));
    if (!seed) return tl::unexpected<tripmesh::Error>(seed.error());
    auto core = CompanyCore::Load(CoreOptionsOf(options_), *seed, services_.store, services_.clock,
                                  peers_.get(), CoreHooksOf());
    if (!core) {
      if (core.error().code != Errc::kNotFound)
        return tl::unexpected<tripmesh::Error>(core.error());
      return Fail(Errc::kNotFound, core.error().message + " in its store (" + db + ") or in " +
                                       options_.data_dir + "/companies");
    }
    core_ = std::move(*core);
    return {};
  }

  std::vector<std::string> CatalogueFilters() const override {
    return {topics::InfoFilter(), topics::StationsFilter()};
  }

  bool HearCatalogue(const runtime::InboundMessage& m) override {
    auto heard = company::HearCatalogue(m, core_->network());
    if (heard == CatalogueHeard::kDropped) {
      services_.count("catalogue.dropped", 1);
      runtime::Log(LogLevel::kWarn, "dropped a catalogue message on {}: it does not decode",
                   m.topic.substr(0, 200));
    }
    return heard != CatalogueHeard::kNotCatalogue;
  }

  void OnReply(const runtime::InboundMessage& m) override { peers_->OnReply(m); }

  // A company of this world (the companies' ids are their catalogues').
  bool IsCompany(const std::string& id) const override {
    return world_.FindCompany(id) != nullptr || id == options_.id ||
           core_->network().view().Current()->FindCompany(id) != nullptr;
  }

  engine::Reply Handle(topics::Op op, const std::string& agent, bool agent_is_company,
                       std::string_view payload, const engine::ReplyTo& reply_to) override {
    return core_->handlers().Handle(op, agent, agent_is_company, payload, reply_to);
  }

  engine::Reply HandleAdmin(topics::AdminOp op, std::string_view payload) override {
    return core_->admin().Handle(op, payload);
  }

  Status OnSagaMessage(const std::string& from, topics::SagaKind kind,
                       std::string_view payload) override {
    return core_->OnSagaMessage(from, kind, payload);
  }

  void Online() override {
    auto world = core_->network().view().Now();
    services_.send(MapMessage(*world));
    for (auto& m : CatalogueMessages(options_.id, *world, StationState())) {
      services_.send(std::move(m));
    }
    core_->coordinator().Resume();
    runtime::Log(LogLevel::kInfo, "{} serves {} stations", options_.id,
                 core_->network().Own().stations.size());
  }

  // Hold expiry, availability, schedules, plans.
  void Tick(int tick) override {
    core_->Tick();
    auto world = core_->network().view().Now();
    for (const auto& id : core_->book().TakeDirtyStations()) {
      if (const auto* s = world->FindStation(id)) PublishAvailability(*s);
      schedules_due_.insert(id);
    }
    if (tick % kSchedulesEveryTicks == 0) PublishSchedules(*world);
    if (tick % kExpirePlansEveryTicks == 0) core_->handlers().ExpirePlans();
  }

  // How much of the network this agent plans on: every company's stations as
  // their retained messages said, and those it could not take.
  void AddMetrics(std::map<std::string, std::int64_t>& counters) override {
    auto world = core_->network().view().Now();
    std::int64_t stations = 0;
    for (const auto& c : world->catalogues())
      stations += static_cast<std::int64_t>(c.stations.size());
    counters["world.stations"] = stations;
    counters["world.companies"] = static_cast<std::int64_t>(world->catalogues().size());
    counters["world.refused_stations"] =
        static_cast<std::int64_t>(core_->network().refused_peer_stations());
  }

  std::size_t UnfinishedSagas() const override { return core_->coordinator().UnfinishedCount(); }

  std::string TimeZone() const override {
    auto world = core_->network().view().Now();
    const auto* own = world->FindCompany(options_.id);
    if (own && !own->stations.empty()) return own->stations.front().time_zone;
    return DataTimeZone(options_.id, world_);
  }

  // The zone of the company's first station in data/, else of the map's first city.
  static std::string DataTimeZone(const std::string& id, const core::World& world) {
    const auto* own = world.FindCompany(id);
    if (own && !own->stations.empty()) return own->stations.front().time_zone;
    return world.city_count() > 0 ? world.city(0).time_zone : "UTC";
  }

 private:
  static CoreOptions CoreOptionsOf(const CompanyOptions& o) {
    CoreOptions c{.id = o.id,
                  .hold_ttl_s = o.hold_ttl_s,
                  .plan_ttl_s = o.plan_ttl_s,
                  .no_show_grace_s = o.no_show_grace_s};
    c.saga.request_timeout = o.saga_timeout;
    c.saga.reply_timeout = 2 * o.saga_timeout;
    c.saga.hold_ttl_s = o.hold_ttl_s;
    // On an accelerated clock a saga's commit still takes real milliseconds:
    // keep its holds alive for about ten real seconds (within the participants' cap).
    if (o.time_scale > 1) {
      c.saga.commit_hold_ttl_s =
          std::clamp<Time>(static_cast<Time>(10 * o.time_scale), c.saga.commit_hold_ttl_s,
                           SagaParticipant::kMaxHoldTtlS);
    }
    c.saga.crash_at = o.saga_crash_at;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start, before the agent's threads.
    if (const char* env = std::getenv("TRIPMESH_SAGA_CRASH_AT"); env && c.saga.crash_at.empty()) {
      c.saga.crash_at = env;
    }
    return c;
  }

  CoreHooks CoreHooksOf() {
    CoreHooks h;
    h.publish = services_.send;
    h.post = services_.post;
    h.reservation_changed = [this](const schemas::Reservation& r) { OnChange(r); };
    h.saga_event = [this](const SagaEvent& e) { PublishSagaEvent(e); };
    h.acked = [this](const schemas::SagaAck& ack) {
      services_.count(
          "saga." + std::string(schemas::SagaPhaseName(ack.phase)) + (ack.ok ? ".ok" : ".refused"),
          1);
    };
    h.stop_changed = [this](const schemas::Reservation& r, const ReservationBook::Displaced& d) {
      OnStopChanged(r, d);
    };
    h.catalogue_changed = [this](const std::string& station) { OnCatalogueChanged(station); };
    return h;
  }

  // A stop moved to another point of its station (its monitors hear it), or
  // was lost (its vehicle is told what to do).
  void OnStopChanged(const schemas::Reservation& r, const ReservationBook::Displaced& d) {
    const Time now = services_.clock.Now();
    services_.send_event(StopEvent(options_.id, r, d, now));
    auto world = core_->network().view().Now();
    const auto* station = world->FindStation(d.station);
    if (auto notice =
            LostStopNotice(options_.id, r, d, now, station ? station->time_zone : "UTC")) {
      services_.count("stops.lost", 1);
      services_.send(std::move(*notice));
    }
  }

  void PublishSagaEvent(const SagaEvent& s) {
    schemas::Event e{.company = options_.id,
                     .kind = std::string(topics::EventKindName(topics::EventKind::kSaga)),
                     .reservation_id = s.reservation_id,
                     .vehicle = s.vehicle,
                     .status = s.state,
                     .timestamp = services_.clock.Now(),
                     .detail = s.detail};
    services_.send_event({.topic = topics::Event(options_.id, topics::EventKind::kSaga),
                          .payload = schemas::Encode(e)});
  }

  void OnChange(const schemas::Reservation& r) {
    std::string status(schemas::ReservationStatusName(r.status));
    services_.count("reservations." + status, 1);
    schemas::Event e{options_.id,
                     std::string(topics::EventKindName(topics::EventKind::kReservation)),
                     r.reservation_id,
                     r.vehicle,
                     status,
                     services_.clock.Now(),
                     r.error ? r.error->message : ""};
    services_.send_event({.topic = topics::Event(options_.id, topics::EventKind::kReservation),
                          .payload = schemas::Encode(e)});
  }

  // The retained info, station and availability follow the admin's change.
  void OnCatalogueChanged(const std::string& station) {
    for (auto& m : StationChangedMessages(options_.id, *core_->network().view().Now(), station,
                                          StationState()))
      services_.send(std::move(m));
  }

  StationStateOf StationState() {
    return {
        .availability = [this](const schemas::Station& s) { return core_->book().Availability(s); },
        .schedule =
            [this](const schemas::Station& s) {
              return core_->book().Schedule(s, kScheduleSpanS);
            }};
  }

  void PublishAvailability(const schemas::Station& s) {
    services_.send({.topic = topics::StationAvailability(options_.id, s.id),
                    .payload = schemas::Encode(core_->book().Availability(s)),
                    .retain = true});
  }

  void PublishSchedules(const core::World& world) {
    for (const auto& id : std::exchange(schedules_due_, {})) {
      if (const auto* s = world.FindStation(id)) {
        services_.send({.topic = topics::StationSchedule(options_.id, id),
                        .payload = schemas::Encode(core_->book().Schedule(*s, kScheduleSpanS)),
                        .retain = true});
      }
    }
  }

  const CompanyOptions& options_;
  // data/: the map, the other companies' catalogues, and this company's for a new store.
  const core::World& world_;
  engine::Services& services_;
  std::unique_ptr<PeerClient> peers_;
  std::unique_ptr<CompanyCore> core_;
  std::set<std::string> schedules_due_;  // the ticker's: stations changed since it last published
};

// The engine's agent with the charging profile; owns what the profile reads.
class CompanyAgent final : public engine::Agent {
 public:
  CompanyAgent(CompanyOptions options, core::World world)
      : options_(std::move(options)), world_(std::move(world)) {}
  ~CompanyAgent() override { CompanyAgent::Stop(); }
  CompanyAgent(const CompanyAgent&) = delete;
  CompanyAgent& operator=(const CompanyAgent&) = delete;

  Status Start(const core::Clock& clock) {
    engine::AgentOptions o{.id = options_.id,
                           .db_path = options_.db_path,
                           .workers = options_.workers,
                           .transport = options_.transport,
                           .mqtt = options_.mqtt,
                           .sync_full = options_.sync_full,
                           .time_zone = ChargingProfile::DataTimeZone(options_.id, world_),
                           .standby = options_.standby,
                           .interrupted = options_.interrupted,
                           .on_fatal = options_.on_fatal};
    auto agent = engine::Agent::Start(
        std::move(o), clock,
        [this](engine::Services& services,
               const std::string& db) -> Result<std::unique_ptr<engine::Profile>> {
          auto profile = std::make_unique<ChargingProfile>(options_, world_, services);
          if (auto st = profile->Load(db); !st) return tl::unexpected<tripmesh::Error>(st.error());
          return std::unique_ptr<engine::Profile>(std::move(profile));
        });
    if (!agent) return tl::unexpected<tripmesh::Error>(agent.error());
    agent_ = std::move(*agent);
    return {};
  }

  void Stop() override {
    if (agent_) agent_->Stop();
  }

 private:
  CompanyOptions options_;
  core::World world_;
  std::unique_ptr<engine::Agent> agent_;  // last: stopped before what its profile reads
};

}  // namespace

Result<std::unique_ptr<engine::Agent>> StartCompany(CompanyOptions options,
                                                    const core::Clock& clock) {
  auto world = worldfiles::LoadWorld(options.data_dir);
  if (!world) return tl::unexpected<tripmesh::Error>(world.error());
  auto agent = std::make_unique<CompanyAgent>(std::move(options), std::move(*world));
  if (auto st = agent->Start(clock); !st) return tl::unexpected<tripmesh::Error>(st.error());
  return std::unique_ptr<engine::Agent>(std::move(agent));
}

int RunCompany(CompanyOptions options) {
  runtime::SetLogName(options.id);
  std::unique_ptr<core::Clock> clock;
  if (options.time_scale != 1) {
    Time start = options.clock_start ? options.clock_start : core::RealClock().Now();
    clock = options.clock_origin
                ? std::make_unique<core::AcceleratedClock>(start, options.time_scale,
                                                           options.clock_origin)
                : std::make_unique<core::AcceleratedClock>(start, options.time_scale);
    runtime::Log(LogLevel::kInfo, "clock runs {}x from {}", options.time_scale, FormatTime(start));
  } else {
    clock = std::make_unique<core::RealClock>();
  }
  return engine::RunUntilSignalled(
      [&](std::function<void(const Error&)> on_fatal, std::function<bool()> interrupted) {
        options.on_fatal = std::move(on_fatal);
        options.interrupted = std::move(interrupted);
        return StartCompany(std::move(options), *clock);
      });
}

}  // namespace tripmesh::company
