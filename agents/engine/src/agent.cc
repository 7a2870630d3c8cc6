#include "tripmesh/engine/agent.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>

#include "deferred_events.h"
#include "metrics.h"
#include "sole_agent.h"
#include "tripmesh/runtime/host.h"
#include "tripmesh/runtime/leadership.h"
#include "tripmesh/runtime/log.h"
#include "tripmesh/runtime/serial_lanes.h"
#include "tripmesh/runtime/store_lock.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::engine {
namespace {

using runtime::LogLevel;
using Steady = std::chrono::steady_clock;

constexpr int kMetricsEveryTicks = 25;
constexpr int kCatchUpWaitTicks = 25;

class AgentImpl final : public Agent {
 public:
  AgentImpl(const AgentImpl&) = delete;
  AgentImpl& operator=(const AgentImpl&) = delete;
  AgentImpl(AgentOptions options, const core::Clock& clock)
      : options_(std::move(options)), clock_(clock) {}

  ~AgentImpl() override {
    Stop();
    // The lease goes last, once nothing of this agent writes: a standby
    // takes over at once.
    leadership_.reset();
  }

  Status Init(const ProfileFactory& make_profile) {
    std::string db = options_.db_path.empty() ? "var/" + options_.id + ".db" : options_.db_path;
    if (auto st = PrepareFolder(db, options_.db_path.empty()); !st) return st;
    runtime::StoreOptions so;
    so.synchronous_full = options_.sync_full;
    if (auto st = BecomeTheWriter(db, so); !st) return st;
    auto store = runtime::Store::Open(db, so);
    if (!store) return tl::unexpected<tripmesh::Error>(store.error());
    store_ = std::move(*store);
    transport_ = runtime::NewTransport(options_.transport, MqttOptions());
    // A vehicle's plan waits on its peers' answers while holding its lane,
    // so lanes outnumber cores.
    std::size_t workers = options_.workers
                              ? options_.workers
                              : std::size_t{4} * std::max(2u, std::thread::hardware_concurrency());
    lanes_ = std::make_unique<runtime::SerialLanes>(workers);
    peer_lanes_ = std::make_unique<runtime::SerialLanes>(2, "peer");
    services_ = std::make_unique<Services>(Services{
        .store = *store_,
        .transport = *transport_,
        .clock = clock_,
        .send = [this](runtime::OutboundMessage m) { Send(std::move(m)); },
        .send_event = [this](runtime::OutboundMessage m) { PublishEvent(std::move(m)); },
        .post =
            [this](const std::string& key, std::function<void()> task) {
              lanes_->Post(key, DeferringEvents(std::move(task)));
            },
        .count = [this](const std::string& name, std::int64_t n) { metrics_.Count(name, n); }});
    auto profile = make_profile(*services_, db);
    if (!profile) return tl::unexpected<tripmesh::Error>(profile.error());
    profile_ = std::move(*profile);
    transport_->SetReceiver([this](runtime::InboundMessage m) { OnMessage(std::move(m)); });
    transport_->SetConnectionHandler([this](runtime::ConnectionEvent e) {
      // After a reconnection the Will may have fired; the first "online" waits
      // for the subscriptions (below).
      // Not published from inside libmosquitto's callback, whose locks a
      // publish would take in another order: the ticker sends it.
      if (e == runtime::ConnectionEvent::kUp && subscribed_.load()) status_due_ = true;
      if (e == runtime::ConnectionEvent::kTakenOver) OnTakenOver();
    });
    if (auto st = transport_->Connect(std::chrono::seconds(10)); !st) return st;
    if (auto st = Subscribe(); !st) return st;
    subscribed_ = true;
    profile_->Online();
    PublishStatus(true);
    ticker_ = std::thread([this] {
      runtime::NameThisThread("tick");
      Tick();
    });
    runtime::Log(LogLevel::kInfo, "{} ready: broker {}, store {}", options_.id,
                 options_.mqtt.broker, db);
    return {};
  }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    CatchUp();  // requests held until now are served before the agent goes
    accepting_ = false;
    // Wait out a receiver that saw accepting_ before it turned false.
    while (posting_.load() > 0) std::this_thread::yield();
    {
      std::lock_guard lock(tick_mu_);
      stopping_ = true;
    }
    tick_cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    // Runs what was already received, replies included. The lanes stay in
    // place while they drain: a task may still post a next step.
    if (lanes_) lanes_->Drain();
    if (peer_lanes_) peer_lanes_->Drain();
    if (transport_) {
      // The status topic belongs to whoever took the client id over.
      if (!taken_over_.load()) {
        PublishStatus(false);
        (void)transport_->Flush(std::chrono::seconds(2));
      }
      transport_->Disconnect();
    }
  }

 private:
  // Subscribed before "online" goes out: a requester that waits for the
  // status must find the subscriptions in place.
  Status Subscribe() {
    std::vector<std::string> filters = {
        topics::RequestsFilter(options_.id), topics::CompanyReplies(options_.id) + "/#",
        topics::SagaFilter(options_.id), topics::AdminFilter(options_.id)};
    // The other companies' catalogues, retained: the world this agent serves on.
    for (auto& f : profile_->CatalogueFilters()) filters.push_back(std::move(f));
    for (const auto& f : filters) {
      if (auto st = transport_->Subscribe(f, 1); !st) return st;
    }
    // Requests queued in this company's session arrive as soon as it connects,
    // before the peers' retained catalogues: they wait for a message of its
    // own sent after those subscriptions, which the broker delivers after
    // their retained messages.
    Send({.topic = caught_up_topic_, .payload = "caught up"});
    return {};
  }

  // A folder named by the operator must exist (a typo would otherwise grow a
  // tree of folders); the default var/ is made.
  static Status PrepareFolder(const std::string& db, bool is_default) {
    if (runtime::IsPostgresUri(db)) return {};
    auto parent = std::filesystem::path(db).parent_path();
    if (parent.empty()) return {};
    std::error_code ec;
    if (is_default) {
      std::filesystem::create_directories(parent, ec);
    } else if (!std::filesystem::is_directory(parent, ec)) {
      return Fail(Errc::kNotFound, "folder " + parent.string() +
                                       " of --db does not exist: create it or name another");
    }
    return {};
  }

  // One writer per company. A SQLite file: its lock, and no other agent's
  // status online on the broker. PostgreSQL: the database's lease, which a
  // standby waits for; every write is fenced by it, and the status on the
  // broker is left to whoever holds it (a frozen leader's may still say online).
  Status BecomeTheWriter(const std::string& db, runtime::StoreOptions& so) {
    std::string holder = fmt::format("company {}, pid {} on {}", options_.id, getpid(),
                                     host_.empty() ? "an unknown host" : host_);
    if (runtime::IsPostgresUri(db)) {
      auto waiting = [this](const std::string& by) {
        runtime::Log(LogLevel::kInfo, "standing by: {} is served by {}", options_.id, by);
      };
      auto lead = runtime::Leadership::Claim(
          db, "company " + options_.id, holder,
          options_.standby ? runtime::WhenHeld::kStandBy : runtime::WhenHeld::kRefuse, {}, waiting,
          options_.interrupted);
      if (!lead) return tl::unexpected<tripmesh::Error>(lead.error());
      leadership_ = std::move(*lead);
      leadership_->KeepAlive([this](const std::string& why) { OnLeaseLost(why); });
      so.fence = [l = leadership_.get()](runtime::Tx& tx) { return l->Fence(tx); };
      runtime::Log(LogLevel::kInfo, "{} serves as epoch {} of its lease", options_.id,
                   leadership_->epoch());
      return {};
    }
    auto lock = runtime::StoreLock::Acquire(db, "company " + options_.id);
    if (!lock) return tl::unexpected<tripmesh::Error>(lock.error());
    store_lock_ = std::move(*lock);
    return CheckNoOtherAgent(options_.id, options_.transport, options_.mqtt,
                             std::chrono::seconds(10));
  }

  // Another instance holds the company's lease now: this one writes nothing
  // more (its writes are fenced) and stops. Runs on the lease's thread.
  void OnLeaseLost(const std::string& why) {
    if (taken_over_.exchange(true)) return;
    accepting_ = false;
    Error e{Errc::kConflict, "stepping down: " + why + "; this agent stops serving " + options_.id};
    runtime::Log(LogLevel::kError, "{}", e.message);
    if (options_.on_fatal) options_.on_fatal(e);
  }

  runtime::TransportOptions MqttOptions() const {
    runtime::TransportOptions mqtt = options_.mqtt;
    mqtt.client_id = "company-" + options_.id;
    mqtt.clean_start = false;
    schemas::CompanyStatus will = StatusMessage(false);
    will.reason = "connection_lost";
    mqtt.will = runtime::OutboundMessage{.topic = topics::CompanyStatus(options_.id),
                                         .payload = schemas::Encode(will),
                                         .retain = true};
    // The broker closes an older connection when a newer one takes the client
    // id, and says why only to MQTT clients newer than it: after any loss,
    // look at the status before taking the id back.
    mqtt.may_reconnect = [this] {
      auto st = CheckNoOtherAgent(options_.id, options_.transport, options_.mqtt,
                                  std::chrono::seconds(2));
      return st || st.error().code != Errc::kConflict;
    };
    return mqtt;
  }

  schemas::CompanyStatus StatusMessage(bool online) const {
    schemas::CompanyStatus s{.company = options_.id, .online = online, .timestamp = clock_.Now()};
    s.host = host_;
    s.pid = getpid();
    s.started_at = started_at_;
    // The Will is made before the profile is loaded.
    s.time_zone = profile_ ? profile_->TimeZone() : options_.time_zone;
    if (!online) s.reason = "stopped";
    return s;
  }

  // Another connection took the client id: serving on would have two agents
  // take turns with one session. Runs on the transport's thread.
  void OnTakenOver() {
    if (taken_over_.exchange(true)) return;
    accepting_ = false;
    Error e{Errc::kConflict, "another connection took client id company-" + options_.id +
                                 " (a second agent for " + options_.id +
                                 "?); this agent stops serving"};
    runtime::Log(LogLevel::kError, "{}", e.message);
    if (options_.on_fatal) options_.on_fatal(e);
  }

  void OnMessage(runtime::InboundMessage m) {           // network thread: no disk, no waiting
    if (m.topic.rfind(admin_replies_, 0) == 0) return;  // this company's answers to its admin
    // The companies' catalogues, this one's included: the world it serves on.
    if (profile_->HearCatalogue(m)) return;
    if (m.topic == caught_up_topic_) {
      CatchUp();
      return;
    }
    if (m.topic.rfind(replies_prefix_, 0) == 0) {
      profile_->OnReply(m);
      return;
    }
    if (m.topic.rfind(admin_prefix_, 0) == 0) {
      // One lane for every admin op: two operators' changes never interleave.
      posting_.fetch_add(1);
      if (accepting_.load()) {
        lanes_->Post("admin", DeferringEvents([this, m = std::move(m)] { ProcessAdmin(m); }));
      }
      posting_.fetch_sub(1);
      return;
    }
    if (m.topic.rfind(saga_prefix_, 0) == 0) {
      OnSagaMessage(m);
      return;
    }
    {
      std::lock_guard lock(catching_up_mu_);
      if (!caught_up_) {
        held_.push_back(std::move(m));
        return;
      }
    }
    PostRequest(std::move(m));
  }

  // The peers' catalogues are in (or the wait is over): the requests held
  // meanwhile go to their lanes, in the order they came.
  void CatchUp() {
    std::vector<runtime::InboundMessage> held;
    {
      std::lock_guard lock(catching_up_mu_);
      if (caught_up_) return;
      caught_up_ = true;
      held.swap(held_);
    }
    if (!held.empty())
      runtime::Log(LogLevel::kInfo, "{} requests waited for the peers' catalogues", held.size());
    for (auto& m : held) PostRequest(std::move(m));
  }

  // On the network thread, or once from the ticker or Stop (CatchUp): posts only.
  void PostRequest(runtime::InboundMessage m) {
    std::string key = topics::RequesterOf(m.topic);
    // Peers' requests only read and never wait, but a vehicle's plan holds
    // its lane while it waits for them: they get lanes of their own, or two
    // companies planning at once would wait on each other.
    bool from_peer = profile_->IsCompany(key);
    if (from_peer) key += "/" + m.correlation_data;
    posting_.fetch_add(1);
    if (accepting_.load()) {
      (from_peer ? peer_lanes_ : lanes_)->Post(key, DeferringEvents([this, m = std::move(m)] {
                                                 Process(m);
                                               }));
    }
    posting_.fetch_sub(1);
  }

  void Process(const runtime::InboundMessage& m) {  // lane thread
    auto started = Steady::now();
    std::string agent = topics::RequesterOf(m.topic);
    if (agent.empty()) {
      metrics_.Count("dropped_bad_topic");
      runtime::Log(LogLevel::kWarn, "dropped a message on {}: no requester in the topic",
                   m.topic.substr(0, 200));
      return;
    }
    bool agent_is_company = profile_->IsCompany(agent);
    std::string reply_to =
        agent_is_company ? topics::CompanyReplies(agent) : topics::VehicleReplies(agent);
    Reply reply;
    if (!m.response_topic.empty() &&
        !topics::InNamespaceOf(m.response_topic, agent, agent_is_company)) {
      reply = ErrorReply(Errc::kForbidden,
                         "response topic " + m.response_topic.substr(0, 200) +
                             " is outside the namespace of " + agent,
                         m.payload);
    } else {
      if (!m.response_topic.empty()) reply_to = m.response_topic;
      auto past = PastDeadline(m);
      if (past && *past) return;
      auto route =
          past ? topics::ParseTopic(m.topic) : tl::unexpected<tripmesh::Error>(past.error());
      Result<topics::Op> op =
          route ? topics::ParseOp(route->name) : tl::unexpected<tripmesh::Error>(route.error());
      if (route && route->kind != topics::Kind::kRequest)
        op = Fail(Errc::kInvalidRequest, "not a request topic", "topic");
      ReplyTo deferred_to{
          reply_to, m.correlation_data,
          m.payload.size() <= schemas::kMaxPayloadBytes ? schemas::PeekRequestId(m.payload) : ""};
      reply = op ? profile_->Handle(*op, agent, agent_is_company, m.payload, deferred_to)
                 : ErrorReply(op.error().code, op.error().message, m.payload, op.error().field);
    }
    if (!reply.deferred) {
      Send({.topic = reply_to,
            .payload = std::move(reply.payload),
            .response_topic = "",
            .correlation_data = m.correlation_data});
    }
    metrics_.Count("requests");
    if (reply.error) metrics_.Count(std::string("errors.") + std::string(ErrcName(*reply.error)));
    metrics_.Latency(std::chrono::duration<double, std::milli>(Steady::now() - started).count());
  }

  // An admin op arrives only from the "<company>-admin" account (the broker's
  // ACL); its answer stays in this company's namespace, which that account reads.
  void ProcessAdmin(const runtime::InboundMessage& m) {  // the admin lane
    std::string reply_to = m.response_topic.empty() ? admin_replies_ : m.response_topic;
    Reply reply;
    if (!topics::InNamespaceOf(reply_to, options_.id, true)) {
      reply_to = admin_replies_;
      reply = ErrorReply(Errc::kForbidden,
                         "response topic " + m.response_topic.substr(0, 200) +
                             " of an admin op must lie under companies/" + options_.id + "/",
                         m.payload);
    } else {
      auto past = PastDeadline(m);
      if (past && *past) return;
      auto route =
          past ? topics::ParseTopic(m.topic) : tl::unexpected<tripmesh::Error>(past.error());
      auto op = route ? topics::ParseAdminOp(route->name)
                      : Result<topics::AdminOp>(tl::unexpected<tripmesh::Error>(route.error()));
      reply = op ? profile_->HandleAdmin(*op, m.payload)
                 : ErrorReply(op.error().code, op.error().message, m.payload, op.error().field);
    }
    metrics_.Count(reply.error ? "admin.errors" : "admin.changes");
    Send({.topic = reply_to,
          .payload = std::move(reply.payload),
          .response_topic = "",
          .correlation_data = m.correlation_data});
  }

  // A request whose requester has given up is not started: no state
  // changes, and nobody waits for the reply.
  Result<bool> PastDeadline(const runtime::InboundMessage& m) {
    if (m.payload.size() > schemas::kMaxPayloadBytes) return false;
    auto deadline = schemas::PeekDeadline(m.payload);
    if (!deadline) {
      // Not JSON at all is the op decoder's to answer (invalid_json).
      return deadline.error().code == Errc::kInvalidJson
                 ? Result<bool>(false)
                 : tl::unexpected<tripmesh::Error>(deadline.error());
    }
    // A deadline is wall-clock time, also on a simulation clock.
    if (!*deadline || core::RealClock().Now() <= **deadline) return false;
    metrics_.Count("requests.past_deadline");
    runtime::Log(LogLevel::kInfo, "not starting a request on {}: its deadline {} has passed",
                 m.topic.substr(0, 200), FormatTime(**deadline));
    return true;
  }

  // Saga messages run on the saga's lane; a malformed one has nobody to answer.
  void OnSagaMessage(const runtime::InboundMessage& m) {
    auto route = topics::ParseTopic(m.topic);
    if (!route || route->kind != topics::Kind::kSaga || !profile_->IsCompany(route->agent) ||
        m.payload.size() > schemas::kMaxPayloadBytes) {
      metrics_.Count("saga.dropped");
      runtime::Log(LogLevel::kWarn, "dropped a saga message on {}", m.topic.substr(0, 200));
      return;
    }
    posting_.fetch_add(1);
    if (accepting_.load()) {
      auto kind = topics::ParseSagaKind(route->name);
      auto st = kind ? profile_->OnSagaMessage(route->agent, *kind, m.payload)
                     : Status(tl::unexpected<Error>(kind.error()));
      if (!st) {
        metrics_.Count("saga.dropped");
        runtime::Log(LogLevel::kWarn, "dropped a saga message on {}: {}", m.topic.substr(0, 200),
                     st.error().message);
      }
    }
    posting_.fetch_sub(1);
  }

  // A publish the transport refused (it keeps QoS 1 messages while
  // disconnected, so this is rare) is logged, never dropped in silence.
  void Send(runtime::OutboundMessage m) {
    std::string topic = m.topic;
    if (auto st = transport_->Publish(std::move(m)); !st) {
      runtime::Log(LogLevel::kWarn, "could not publish on {}: {}", topic.substr(0, 200),
                   st.error().message);
    }
  }

  void PublishEvent(runtime::OutboundMessage m) {
    if (!DeferredEvents::Defer(this, m)) Send(std::move(m));
  }

  // `task` as a lane runs it: the events it raises go out after it.
  std::function<void()> DeferringEvents(std::function<void()> task) {
    return [this, task = std::move(task)] {
      std::vector<runtime::OutboundMessage> events;
      {
        DeferredEvents scope(this, events);
        task();
      }
      for (auto& e : events) Send(std::move(e));
    };
  }

  void PublishStatus(bool online) {
    Send({.topic = topics::CompanyStatus(options_.id),
          .payload = schemas::Encode(StatusMessage(online)),
          .retain = true});
  }

  void PublishMetrics() {
    schemas::CompanyMetrics m;
    m.company = options_.id;
    m.timestamp = clock_.Now();
    metrics_.Read(m.counters, m.latency_p50_ms, m.latency_p99_ms);
    m.queue_depth = static_cast<std::int64_t>(lanes_->QueueDepth() + peer_lanes_->QueueDepth());
    auto stats = store_->stats();
    m.counters["store.commits"] = stats.commits;
    m.counters["store.writes"] = stats.writes;
    m.counters["sagas.unfinished"] = static_cast<std::int64_t>(profile_->UnfinishedSagas());
    profile_->AddMetrics(m.counters);
    Send({.topic = topics::Metrics(options_.id), .payload = schemas::Encode(m), .retain = true});
  }

  void Tick() {  // background thread: the profile's periodic work, status, metrics
    for (int tick = 1;; ++tick) {
      {
        std::unique_lock lock(tick_mu_);
        if (tick_cv_.wait_for(lock, kTick, [&] { return stopping_; })) return;
      }
      if (status_due_.exchange(false)) PublishStatus(true);
      if (tick == kCatchUpWaitTicks) CatchUp();  // its own message lost: serve anyway
      profile_->Tick(tick);
      if (tick % kMetricsEveryTicks == 0) PublishMetrics();
    }
  }

  AgentOptions options_;
  const core::Clock& clock_;
  // On PostgreSQL: the lease, held for the agent's life; outlives the store,
  // whose writes it fences.
  std::unique_ptr<runtime::Leadership> leadership_;
  std::unique_ptr<runtime::Store> store_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<Profile> profile_;
  Metrics metrics_;
  std::unique_ptr<runtime::Transport> transport_;
  std::string replies_prefix_ = topics::CompanyReplies(options_.id);
  std::string caught_up_topic_ = topics::CaughtUp(options_.id);
  std::mutex catching_up_mu_;
  bool caught_up_ = false;                     // guarded by catching_up_mu_
  std::vector<runtime::InboundMessage> held_;  // guarded by catching_up_mu_
  std::string admin_replies_ = topics::AdminReplies(options_.id);
  std::string admin_prefix_ = topics::AdminNamed(options_.id, "");  // ".../admin/"
  std::string saga_prefix_ =
      topics::SagaFilter(options_.id)
          .substr(0, topics::SagaFilter(options_.id).size() - 1);  // ".../saga/"

  std::mutex tick_mu_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;
  std::thread ticker_;

  std::unique_ptr<runtime::StoreLock> store_lock_;  // held for the agent's life
  std::string host_ = runtime::HostName();
  Time started_at_ = clock_.Now();
  std::atomic<bool> subscribed_{false};
  std::atomic<bool> status_due_{false};  // reconnected: say online again
  std::atomic<bool> stopped_{false};
  std::atomic<bool> taken_over_{false};
  std::atomic<bool> accepting_{true};  // the receiver posts only while true ...
  std::atomic<int> posting_{0};        // ... and Stop() waits for one caught in between
  // Last: drained before what they call is gone.
  std::unique_ptr<runtime::SerialLanes> lanes_;       // requests and sagas
  std::unique_ptr<runtime::SerialLanes> peer_lanes_;  // other companies' requests
};

}  // namespace

Reply ErrorReply(Errc code, std::string message, std::string_view payload, std::string field) {
  std::string id =
      payload.size() <= schemas::kMaxPayloadBytes ? schemas::PeekRequestId(payload) : "";
  return {schemas::Encode(schemas::ErrorReply{id, {code, std::move(message), std::move(field)}}),
          code};
}

Result<std::unique_ptr<Agent>> Agent::Start(AgentOptions options, const core::Clock& clock,
                                            const ProfileFactory& profile) {
  auto agent = std::make_unique<AgentImpl>(std::move(options), clock);
  if (auto st = agent->Init(profile); !st) {
    agent->Stop();
    return tl::unexpected<tripmesh::Error>(st.error());
  }
  return std::unique_ptr<Agent>(std::move(agent));
}

int RunUntilSignalled(const Starter& start) {
  // Block the stop signals before any thread starts, so that only sigwait
  // sees them; SIGUSR1 is the agent's own word that it stopped serving.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto on_fatal = [](const tripmesh::Error&) { ::kill(::getpid(), SIGUSR1); };
  // A standby waits inside Start: SIGINT or SIGTERM meanwhile ends the wait.
  bool interrupted = false;
  auto is_interrupted = [&signals, &interrupted] {
    timespec now{};
    sigset_t stops = signals;
    sigdelset(&stops, SIGUSR1);
    interrupted = interrupted || sigtimedwait(&stops, nullptr, &now) > 0;
    return interrupted;
  };
  auto agent = start(on_fatal, is_interrupted);
  if (!agent && interrupted) {
    runtime::Log(LogLevel::kInfo, "stopped while standing by");
    return 0;
  }
  if (!agent) {
    runtime::Log(LogLevel::kError, "cannot start: {}", agent.error().message);
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  if (sig != SIGUSR1) runtime::Log(LogLevel::kInfo, "stopping on signal {}", sig);
  (*agent)->Stop();
  return sig == SIGUSR1 ? 1 : 0;
}

}  // namespace tripmesh::engine
