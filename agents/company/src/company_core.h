// A company's logic without its wiring: the reservation book, the saga
// participant and coordinator, and the request handlers, over one store and
// one clock. Everything that leaves it goes through the hooks, so the agent
// wires it to MQTT, lanes and a ticker thread, and the deterministic
// simulation to a simulated network and a clock it moves by hand.
// Thread safety: as its parts; OnSagaMessage() and Tick() from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "admin.h"
#include "handlers.h"
#include "network.h"
#include "peer_client.h"
#include "reservation_book.h"
#include "saga_coordinator.h"
#include "saga_participant.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/core/world.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {

struct CoreOptions {
  std::string id;
  Time hold_ttl_s = 600;
  Time plan_ttl_s = 1800;
  Time no_show_grace_s = 900;
  SagaOptions saga;
};

struct CoreHooks {
  // Saga messages and acks to other companies (QoS 1).
  std::function<void(runtime::OutboundMessage)> publish;
  // Runs `task` on the lane of `key`, after what that lane already has.
  std::function<void(const std::string& key, std::function<void()> task)> post;
  // A reservation's status changed; it is durable.
  std::function<void(const schemas::Reservation&)> reservation_changed;
  // A saga step of the coordinator or the participant.
  std::function<void(const SagaEvent&)> saga_event;
  // Every ack this company's participant gives.
  std::function<void(const schemas::SagaAck&)> acked;
  // A stop of a local reservation, or of a saga this company coordinates,
  // moved to another point, or was lost (d.to_point empty), because its point
  // went out of service; r is durable.
  std::function<void(const schemas::Reservation& r, const ReservationBook::Displaced& d)>
      stop_changed;
  // The admin changed the catalogue at `station` (added, changed or removed
  // it); the world already shows it.
  std::function<void(const std::string& station)> catalogue_changed;
};

class CompanyCore {
 public:
  // Loads the catalogue (seeded from `world` in a new store), the
  // reservations, the participant's parts and the coordinator's sagas from
  // `store`. `peers` (may be null) answers the planner's questions
  // to other companies. Everything passed must outlive the core.
  [[nodiscard]] static Result<std::unique_ptr<CompanyCore>> Load(CoreOptions options,
                                                                 const core::World& world,
                                                                 runtime::Store& store,
                                                                 const core::Clock& clock,
                                                                 Peers* peers, CoreHooks hooks);

  Handlers& handlers() { return *handlers_; }
  // The company's catalogue and the world it plans on, as changed by its admin.
  const Network& network() const { return *network_; }
  Network& network() { return *network_; }
  Admin& admin() { return *admin_; }
  ReservationBook& book() { return *book_; }
  SagaCoordinator& coordinator() { return *coordinator_; }
  SagaParticipant& participant() { return *participant_; }

  // A saga message of `kind` (request, commit, compensate, ack) from company
  // `from`: an ack goes to the coordinator, the others to the participant on
  // the saga's lane, whose ack is published. An error when it does not decode
  // (nobody to answer: the caller drops and counts it).
  [[nodiscard]] Status OnSagaMessage(const std::string& from, topics::SagaKind kind,
                                     std::string_view payload);
  // The periodic work: hold expiry, no-shows and participants' expired holds
  // (on their lanes), the coordinator's timeouts and resends.
  void Tick();

 private:
  CompanyCore(CoreOptions options, const core::Clock& clock, CoreHooks hooks)
      : options_(std::move(options)), clock_(clock), hooks_(std::move(hooks)) {}
  schemas::SagaAck Participate(const LocalSagaMessage& msg, SagaParticipant::Also* also);
  // Sends every saga.changed of the participant's outbox to its coordinator
  // (this company's own in process); they are sent again until taken.
  void SendChanges();
  SagaCoordinator::StopChanged StopListener();

  CoreOptions options_;
  const core::Clock& clock_;
  CoreHooks hooks_;
  std::unique_ptr<Network> network_;
  std::unique_ptr<ReservationBook> book_;
  std::unique_ptr<SagaParticipant> participant_;
  std::unique_ptr<SagaCoordinator> coordinator_;
  std::unique_ptr<Handlers> handlers_;
  std::unique_ptr<Admin> admin_;
  static constexpr int kResendChangesEveryTicks = 10;
  std::atomic<int> ticks_{0};
};

}  // namespace tripmesh::company
