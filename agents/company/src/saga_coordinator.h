// The charging profile's side of the engine's saga (engine::Saga,
// PROTOCOL.md "Saga"), run by the vehicle's home company for a reservation
// whose stops belong to several companies. The engine decides and keeps the
// saga's state; this class speaks the charging wire: what each company is
// asked to hold, how its holds fold into the reservation, and the
// reservation's record, written in the same commit as the saga's state
// whenever the vehicle's view of it changes (held, confirmed, ended).
//
// Thread safety: the public methods may be called from any thread; the work of
// one saga runs on that saga's lane (the `post` hook), one step at a time.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "reservation_book.h"
#include "saga_participant.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/engine/saga.h"
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
  // Stores made before the engine's tables hand their unfinished sagas over.
  [[nodiscard]] Status Load();
  // Sends what every loaded saga owes; call once the transport is up.
  void Resume() { saga_.Resume(); }

  // Starts the saga of `r` (status and error unset; items at several companies).
  void Start(schemas::Reservation r, const std::string& request_id, bool hold_only, ReplyTo reply);
  void Confirm(const schemas::Reservation& r, const ReplyTo& reply);
  void Cancel(const schemas::Reservation& r, ReplyTo reply);
  // A confirmed reservation whose vehicle missed a stop: compensates every
  // participant and records it as no_show.
  void EndAsNoShow(const schemas::Reservation& r);
  // A reserve that repeats the one that started a saga in memory (its
  // request_id, or the same plan) gets the first's answer (Saga::Rejoin).
  bool Rejoin(const std::string& vehicle, const std::string& reservation_id, const ReplyTo& reply) {
    return saga_.Rejoin(vehicle, engine::SagaIdOf(reservation_id), reply);
  }
  bool RejoinRequest(const std::string& vehicle, const std::string& request_id,
                     const ReplyTo& reply) {
    return saga_.RejoinRequest(vehicle, request_id, reply);
  }
  // The reservation as a vehicle sees it while its saga is in flight.
  std::optional<schemas::Reservation> InFlight(const std::string& reservation_id) const;
  std::optional<schemas::Reservation> InFlightByRequest(const std::string& vehicle,
                                                        const std::string& request_id) const;

  // How many sagas have not reached their final state.
  std::size_t UnfinishedCount() const { return saga_.UnfinishedCount(); }

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
  void Tick() { saga_.Tick(); }

 private:
  engine::Saga::Hooks EngineHooks();
  // The saga of `r` as it starts: each company's request, and `r` as its body.
  engine::SagaRecord RecordFor(const schemas::Reservation& r, const std::string& request_id,
                               bool hold_only) const;
  // The reservation as the vehicle sees it: the record's body with what each
  // company holds folded in, and the saga's status.
  schemas::Reservation ReservationOf(const engine::SagaRecord& r) const;
  // The settled saga of a confirmed reservation, to end it.
  static engine::SagaRecord SettledRecordOf(const schemas::Reservation& r);
  LocalSagaMessage MessageFor(const engine::SagaRecord& r, const std::string& company,
                              schemas::SagaPhase phase) const;
  void Send(const engine::SagaRecord& r, const std::string& company, schemas::SagaPhase phase);
  [[nodiscard]] Status Persist(const engine::SagaRecord& r,
                               const std::function<Status(runtime::Tx&)>& state);
  void Reply(const schemas::Reservation& r, const ReplyTo& to);
  void ReplyError(const Error& e, const ReplyTo& to);
  void Changed(const engine::SagaRecord& r);
  void End(const schemas::Reservation& r, const std::optional<ReplyTo>& reply,
           schemas::ReservationStatus outcome);
  void AnswerFromRecord(const schemas::Reservation& before, const ReplyTo& reply,
                        schemas::ReservationStatus wanted);
  // The stops of `r` at `from` that msg moves or loses, changed in r.
  std::vector<ReservationBook::Displaced> ApplyChanges(schemas::Reservation& r,
                                                       const std::string& from,
                                                       const schemas::SagaChanged& msg) const;

  std::string company_;
  ReservationBook& book_;
  runtime::Store& store_;
  const core::Clock& clock_;
  SagaOptions options_;
  Hooks hooks_;
  engine::Saga saga_;  // last: its hooks call into the members above
};

}  // namespace tripmesh::company
