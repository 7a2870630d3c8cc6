// The coordinator side of a saga (PROTOCOL.md "Saga") with nothing of what is
// sold in it: each participant's request and what it held are the profile's
// own encodings, carried and stored as they are. The profile sends the
// phases and answers the requester through its hooks; this class decides.
//
// States: requesting -> held (hold_only) -> committing -> done(confirmed), or
// any of those -> compensating -> done(failed | expired | cancelled); a
// confirmed saga is cancelled by compensating again. Every state is in the
// store before the next message goes out; commit and compensate are resent
// (with backoff) until each participant acknowledges them, across restarts;
// a saga caught requesting by a restart is compensated.
//
// Thread safety: public methods from any thread; one saga's steps run on its
// lane (the `post` hook), one at a time.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tripmesh/core/clock.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/messages.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::engine {

// The topic kind a saga message of `phase` travels on.
topics::SagaKind SagaKindOf(schemas::SagaPhase phase);

enum class SagaStep { kRequesting, kAborting, kHeld, kCommitting, kCompensating, kDone };
std::string_view SagaStepName(SagaStep s);

std::optional<SagaStep> ParseSagaStep(std::string_view name);

// A reservation's saga is named after it, so either id finds the other.
inline std::string SagaIdOf(const std::string& reservation_id) { return "s" + reservation_id; }
inline std::string ReservationIdOf(const std::string& saga_id) {
  return saga_id.empty() ? saga_id : saga_id.substr(1);
}

// One participant's answer to one phase.
struct PartAnswer {
  bool ok = false;
  std::optional<Errc> code;  // when !ok
  std::string detail;
  std::string held;                // request phase, ok: what it holds, in the profile's encoding
  std::optional<Time> expires_at;  // request phase, ok: when its hold runs out
};

struct SagaRecord {
  struct Part {
    std::string request;  // the profile's request to this participant
    std::string held;     // its answer once it held
  };
  std::string saga_id, requester, request_id;
  SagaStep step = SagaStep::kRequesting;
  // The final status once decided: confirmed, failed, expired or cancelled.
  std::optional<schemas::ReservationStatus> outcome;
  bool hold_only = false;
  Time created_at = 0;
  std::optional<Time> expires_at;  // the earliest of the participants' holds
  std::optional<Error> error;      // why it failed
  std::string body;                // the profile's own record of what is sold
  std::map<std::string, Part> parts;

  // As the requester sees it: held until an outcome is fixed, then the outcome.
  schemas::ReservationStatus Status() const;
};

// A write that joins the transaction of another change, so both are one
// commit: the saga's state beside this agent's own part of it.
struct JoinedWrite {
  std::function<Status(runtime::Tx&)> write;
  bool done = false;  // `write` ran in a transaction that committed
};

struct SagaOptions {
  std::chrono::milliseconds request_timeout{5000};  // the participants' request acks
  std::chrono::milliseconds reply_timeout{10000};   // longest a requester waits for commit acks
  std::string crash_at;  // fault injection: SIGKILL self after this step (tests only)
  // The time timeouts and resends are measured on (unset: the steady clock).
  std::function<std::chrono::steady_clock::time_point()> steady_now;
  std::string self;  // this agent's name among the participants (see Hooks::own)
  // false: a settled saga leaves memory, and Load skips it; the profile keeps
  // its own record of it (Revive brings one back to end it).
  bool keep_settled = true;
};

// Every saga a store's agent coordinates, as stored (for checkers: reads only).
[[nodiscard]] Status ReadSagas(runtime::Store& store, const std::function<void(SagaRecord)>& each);
[[nodiscard]] Status ReadSagas(runtime::Tx& tx, const std::function<void(SagaRecord)>& each);

class Saga {
 public:
  struct Hooks {
    // Sends `phase` of the saga to `participant` (itself included: the
    // profile runs its own part and calls OnAck).
    std::function<void(const SagaRecord&, const std::string& participant, schemas::SagaPhase)> send;
    // Answers a waiting requester with the saga as it stands, or with an error.
    std::function<void(const SagaRecord&, const ReplyTo&)> reply;
    std::function<void(const Error&, const ReplyTo&)> reply_error;
    std::function<void(const std::string& key, std::function<void()>)> post;
    std::function<void(const SagaRecord&)> changed;  // after each durable change; may be unset
    // This agent's own part (participant `self`), run in process: with
    // `joined`, the saga's state is written in the same commit as the part's
    // change. Unset: `send` reaches it like any participant.
    std::function<PartAnswer(const SagaRecord&, schemas::SagaPhase, JoinedWrite* joined)> own;
    // Writes the saga's state (`state`) and what the profile keeps beside it
    // in one commit. Unset: the state alone.
    std::function<Status(const SagaRecord&, const std::function<Status(runtime::Tx&)>& state)>
        persist;
  };

  Saga(runtime::Store& store, const core::Clock& clock, SagaOptions options, Hooks hooks);

  // Sagas a profile kept elsewhere before, handed over once (`adopt` fills
  // them, and removes them where they were, in the load's transaction).
  using Adopt = std::function<Status(runtime::Tx&, std::vector<SagaRecord>&)>;
  // Creates the tables and loads every saga; unfinished ones resume on Resume().
  [[nodiscard]] Status Load(const Adopt& adopt = {});
  void Resume();

  // Starts `r` (step requesting, parts with their requests); answers `reply`
  // once it is held, confirmed or failed.
  void Start(SagaRecord r, ReplyTo reply);
  // A request that repeats the one that started saga `saga_id` of
  // `requester` (its request_id, or a reserve of the same plan) gets the
  // answer the first gets: while the saga moves (requesting, committing) it
  // waits on it; once held or decided it hears the saga as it stands. False,
  // and nothing sent, when no such saga is in memory.
  bool Rejoin(const std::string& requester, const std::string& saga_id, const ReplyTo& reply);
  // As Rejoin, for the saga that `request_id` of `requester` started.
  bool RejoinRequest(const std::string& requester, const std::string& request_id,
                     const ReplyTo& reply);
  // A held saga of `requester`: commit. not_found for another's; conflict
  // while it moves. `unknown` (unset: not_found) answers for a saga not kept.
  void Confirm(const std::string& requester, const std::string& saga_id, const ReplyTo& reply,
               std::function<void()> unknown = {});
  // A held or confirmed saga of `requester` ends as `outcome` (cancelled,
  // no_show): every participant compensates. One already ending so answers.
  void End(const std::string& requester, const std::string& saga_id,
           schemas::ReservationStatus outcome, const std::optional<ReplyTo>& reply,
           std::function<void()> unknown = {});
  void Cancel(const std::string& requester, const std::string& saga_id, const ReplyTo& reply) {
    End(requester, saga_id, schemas::ReservationStatus::kCancelled, reply);
  }
  // A settled saga that left memory, brought back so that End can undo it.
  // Nothing when the saga is kept.
  void Revive(SagaRecord settled);
  // Changes the saga's record: when `change` says it changed anything, the
  // record is stored first; then `then` runs. `unknown` runs for a saga not kept.
  void Amend(const std::string& saga_id, std::function<bool(SagaRecord&)> change,
             std::function<void(const SagaRecord&, bool changed)> then,
             std::function<void()> unknown);
  void OnAck(const std::string& from, const std::string& saga_id, schemas::SagaPhase phase,
             PartAnswer answer);
  // Timeouts, expiries and resends: call periodically.
  void Tick();

  std::optional<SagaRecord> Find(const std::string& saga_id) const;
  std::optional<SagaRecord> ByRequest(const std::string& requester,
                                      const std::string& request_id) const;
  std::vector<SagaRecord> Of(const std::string& requester) const;
  std::size_t UnfinishedCount() const;
  bool Knows(const std::string& saga_id) const;  // kept in memory

  // As Find, ByRequest and Of, with the settled sagas that left memory
  // (keep_settled false) read from the store: memory is the newer.
  [[nodiscard]] Result<std::optional<SagaRecord>> Recall(const std::string& saga_id) const;
  [[nodiscard]] Result<std::optional<SagaRecord>> RecallByRequest(
      const std::string& requester, const std::string& request_id) const;
  [[nodiscard]] Result<std::vector<SagaRecord>> RecallOf(const std::string& requester) const;

 private:
  using Steady = std::chrono::steady_clock;
  struct Live {
    SagaRecord record;
    std::map<std::string, std::optional<bool>> acks;  // of the current phase
    Steady::time_point deadline{}, next_send{}, reply_deadline{};
    std::chrono::milliseconds backoff{500};
    std::vector<ReplyTo> waiting;
    bool parts_stored = false;  // the parts' rows hold what `record` has
  };

  // Runs `step` on the saga's lane, or `missing` when it is not known.
  void Run(const std::string& saga_id, std::function<void(Live&)> step,
           std::function<void()> missing = {});
  // As Run, for a request of `requester` about its saga: not_found for
  // another's or none; else `reply` waits on the saga and `step` runs.
  void RunOwn(const std::string& requester, const std::string& saga_id,
              const std::optional<ReplyTo>& reply, std::function<void(Live&)> step,
              std::function<void()> unknown);
  // The saga in memory that `request_id` of `requester` started.
  std::optional<std::string> IdOfRequest(const std::string& requester,
                                         const std::string& request_id) const;
  [[nodiscard]] Status Persist(Live& s);
  // Stores the saga's state, then sends `phase`; this agent's own part runs
  // in the same commit as the state when it takes part.
  [[nodiscard]] Status PersistAndSend(Live& s, schemas::SagaPhase phase);
  bool Mine(const Live& s) const;
  // Runs this agent's own part of `phase` later on the saga's lane.
  void PostOwn(const Live& s, schemas::SagaPhase phase);
  // Shows `r` to the other threads (mu_ held).
  void Show(const SagaRecord& r);
  std::vector<std::string> Unfinished() const;
  void Enter(Live& s, SagaStep step);
  // Who a phase goes to: every participant, those yet to ack it, or every
  // participant but this agent's own part (which ran already).
  enum class Recipients { kAll, kUnacked, kOthers };
  void SendPhase(Live& s, schemas::SagaPhase phase, Recipients to);
  void OnRequestAck(Live& s, const std::string& from, const PartAnswer& answer);
  void DecideCommit(Live& s);
  void DecideCompensate(Live& s, schemas::ReservationStatus outcome, std::optional<Error> error);
  void Finish(Live& s);
  void Forget(const SagaRecord& r);  // mu_ held
  void Answer(Live& s);
  void AnswerError(Live& s, const Error& e);
  void TickOne(Live& s);
  void MaybeCrash(std::string_view step) const;
  Steady::time_point Now() const {
    return options_.steady_now ? options_.steady_now() : Steady::now();
  }

  runtime::Store& store_;
  const core::Clock& clock_;
  SagaOptions options_;
  Hooks hooks_;

  mutable std::mutex mu_;  // guards the maps; a Live is touched on its lane only
  std::unordered_map<std::string, std::shared_ptr<Live>> sagas_;  // every saga, by id
  // Each saga's record as last stored: what the other threads read.
  std::unordered_map<std::string, SagaRecord> views_;
  std::set<std::string> unfinished_;  // ids of views_ not done: what ticks visit
  std::map<std::pair<std::string, std::string>, std::string> by_request_;
};

}  // namespace tripmesh::engine
