// The coordinator side of the saga (PROTOCOL.md "Saga"), run by the vehicle's
// home company for a reservation whose stops belong to several companies.
//
// Every state change is written to the store before the next message goes
// out; commit and compensate are resent (with backoff) until acknowledged,
// across restarts. States: requesting -> held (hold_only) -> committing ->
// done(confirmed), or any of those -> compensating -> done(failed | expired |
// cancelled); a confirmed reservation is cancelled by compensating again.
//
// Thread safety: the public methods may be called from any thread; the work of
// one saga runs on that saga's lane (the `post` hook), one step at a time.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "reservation_book.h"
#include "saga_participant.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::company {

using ReplyTo = engine::ReplyTo;

// A saga message for this company's own participant, which the coordinator
// hands over in process instead of through the broker.
using LocalSagaMessage =
    std::variant<schemas::SagaRequest, schemas::SagaCommit, schemas::SagaCompensate>;

struct SagaOptions {
  std::chrono::milliseconds request_timeout{5000};  // participants' request acks
  std::chrono::milliseconds reply_timeout{10000};   // longest a vehicle waits for commit acks
  Time hold_ttl_s = 600;                            // hold_only reservations
  Time commit_hold_ttl_s = 120;                     // holds that are committed at once
  std::string crash_at;  // fault injection: SIGKILL self at this step (tests only)
  // The time timeouts and resends are measured on (unset: the steady clock);
  // the simulation drives it by hand.
  std::function<std::chrono::steady_clock::time_point()> steady_now;
};

// Where a saga the coordinator runs stands; stored by name in `sagas.state`.
// aborting: it was requesting when the coordinator restarted, so its acks
// are lost and it compensates.
enum class SagaState { kRequesting, kAborting, kHeld, kCommitting, kCompensating, kDone };
std::string_view SagaStateName(SagaState s);
std::optional<SagaState> ParseSagaState(std::string_view name);

class SagaCoordinator {
 public:
  struct Hooks {
    std::function<void(runtime::OutboundMessage)> publish;
    std::function<void(const std::string& key, std::function<void()>)> post;
    // After each durable change.
    std::function<void(const SagaEvent&)> changed;
    // This company's own participant: runs the message (with `also` in the
    // same commit) and returns its ack. Unset, the coordinator reaches itself
    // through the broker like any peer.
    std::function<schemas::SagaAck(const LocalSagaMessage&, SagaParticipant::Also*)> participate;
  };

  SagaCoordinator(std::string company, ReservationBook& book, runtime::Store& store,
                  const core::Clock& clock, SagaOptions options, Hooks hooks);

  // Loads every unfinished saga; a saga caught in `requesting` is compensated
  // by Resume(), even if its request acks arrive in between.
  [[nodiscard]] Status Load();
  // Sends what every loaded saga owes; call once the transport is up.
  void Resume();

  // Starts the saga of `r` (status and error unset; items at several companies).
  void Start(schemas::Reservation r, const std::string& request_id, bool hold_only, ReplyTo reply);
  void Confirm(const schemas::Reservation& r, const ReplyTo& reply);
  void Cancel(const schemas::Reservation& r, ReplyTo reply);
  // A confirmed reservation whose vehicle missed a stop: compensates every
  // participant and records it as no_show.
  void EndAsNoShow(const schemas::Reservation& r);
  // The reservation as a vehicle sees it while its saga is in flight.
  std::optional<schemas::Reservation> InFlight(const std::string& reservation_id) const;
  std::optional<schemas::Reservation> InFlightByRequest(const std::string& vehicle,
                                                        const std::string& request_id) const;

  // How many sagas have not reached their final state.
  std::size_t UnfinishedCount() const;

  void OnAck(const std::string& from, const schemas::SagaAck& ack);
  // Participant `from` moved or lost stops of the saga (a point went out of
  // service): the saga's reservation follows, durably, on the saga's lane;
  // then `taken` runs (the participant may stop resending) and `changed` hears
  // of each stop. Only `from`'s own stops change; a change seen before changes
  // nothing and is taken again.
  using StopChanged =
      std::function<void(const schemas::Reservation&, const ReservationBook::Displaced&)>;
  void OnChanged(const std::string& from, const schemas::SagaChanged& msg,
                 const StopChanged& changed, const std::function<void()>& taken);
  // Timeouts, expiries and resends: call periodically from any thread.
  void Tick();

  static std::string SagaIdOf(const std::string& reservation_id) { return "s" + reservation_id; }

 private:
  using Steady = std::chrono::steady_clock;
  struct Saga {
    std::string saga_id, request_id;
    std::optional<schemas::ReservationStatus> outcome;  // once compensating
    SagaState state = SagaState::kRequesting;
    schemas::Reservation reservation;  // items carry the participants' points
    bool hold_only = false;
    std::map<std::string, std::optional<bool>> acks;  // company -> ack of the current phase
    Steady::time_point deadline{}, next_send{};
    std::chrono::milliseconds backoff{500};
    std::vector<ReplyTo> waiting;
    Steady::time_point reply_deadline{};
  };

  // Runs `step` on the saga's lane, or `missing` there when the saga has settled.
  void Run(const std::string& saga_id, std::function<void(Saga&)> step,
           std::function<void()> missing = {});
  // Compensates a held or settled saga with `outcome` as its final status.
  void End(const schemas::Reservation& r, std::optional<ReplyTo> reply,
           schemas::ReservationStatus outcome);
  void AnswerFromRecord(const schemas::Reservation& before, const ReplyTo& reply,
                        schemas::ReservationStatus wanted);
  [[nodiscard]] static Status WriteSaga(runtime::Tx& tx, const Saga& s);
  [[nodiscard]] Status Persist(const Saga& s);
  [[nodiscard]] Status PersistWithRecord(const Saga& s);
  LocalSagaMessage MessageFor(const Saga& s, schemas::SagaPhase phase,
                              const std::vector<schemas::SagaItem>& items) const;
  // Sends `phase` to the participants (only those yet to ack it, or all), except `skip`.
  void SendPhase(Saga& s, schemas::SagaPhase phase, bool only_unacked,
                 const std::string& skip = "");
  // Writes the saga's state, then sends `phase`; this company's own part runs
  // in the same commit as the state when it takes part.
  [[nodiscard]] Status PersistAndSend(Saga& s, schemas::SagaPhase phase);
  void AfterPersist(Saga& s, schemas::SagaPhase phase);  // fault injection, then the event
  void DecideCommit(Saga& s);
  void DecideCompensate(Saga& s, schemas::ReservationStatus outcome, std::optional<Error> error);
  void Finish(Saga& s);
  void Reply(Saga& s, const schemas::Reservation& r);
  void ReplyError(Saga& s, const Error& e);
  void Enter(Saga& s, SagaState state, const std::string& detail = "");
  // What a vehicle reads of where the saga stands (the outcome once decided).
  static std::string Standing(const Saga& s);
  void MaybeCrash(const std::string& step) const;
  // The stops of `r` at `from` that msg moves or loses, changed in r.
  std::vector<ReservationBook::Displaced> ApplyChanges(schemas::Reservation& r,
                                                       const std::string& from,
                                                       const schemas::SagaChanged& msg) const;
  Steady::time_point Now() const {
    return options_.steady_now ? options_.steady_now() : Steady::now();
  }
  std::map<std::string, std::vector<schemas::SagaItem>> ItemsByCompany(const Saga& s) const;

  std::string company_;
  ReservationBook& book_;
  runtime::Store& store_;
  const core::Clock& clock_;
  SagaOptions options_;
  Hooks hooks_;

  mutable std::mutex mu_;  // guards the maps, not the sagas: each is touched on its lane only
  std::unordered_map<std::string, std::shared_ptr<Saga>> sagas_;  // unfinished, by saga id
  // What get/list show of an unfinished saga, by reservation id, and (vehicle, request id).
  std::unordered_map<std::string, schemas::Reservation> views_;
  std::map<std::pair<std::string, std::string>, std::string> by_request_;
};

}  // namespace tripmesh::company
