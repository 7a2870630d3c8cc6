#include "tripmesh/engine/saga.h"

#include <signal.h>

#include <algorithm>

#include "saga_records.h"
#include "tripmesh/engine/sale.h"
#include "tripmesh/runtime/log.h"

namespace tripmesh::engine {
namespace {

using schemas::ReservationStatus;
using schemas::SagaPhase;

constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::milliseconds(8000);

// A store's own words stay in the log; the requester reads what to do.
Error ForRequester(const Error& e) {
  if (!e.internal_words) return e;
  runtime::Log(runtime::LogLevel::kWarn, "store error kept from a requester: {}", e.message);
  return {Errc::kInternal, "the store failed (the details are in the log); try again shortly",
          e.field};
}

// Where a saga stands as its requester reads it: its outcome once it has
// one, else its step.
std::string Standing(const SagaRecord& r) {
  if (r.outcome) return std::string(schemas::ReservationStatusName(*r.outcome));
  return std::string(SagaStepName(r.step));
}

// The outcome is fixed (its compensation may still be under way).
bool Settled(SagaStep at) { return at == SagaStep::kDone || at == SagaStep::kCompensating; }

}  // namespace

topics::SagaKind SagaKindOf(SagaPhase phase) {
  switch (phase) {
    case SagaPhase::kRequest:
      return topics::SagaKind::kRequest;
    case SagaPhase::kCommit:
      return topics::SagaKind::kCommit;
    case SagaPhase::kCompensate:
      return topics::SagaKind::kCompensate;
    case SagaPhase::kChanged:
      return topics::SagaKind::kChanged;
  }
  return topics::SagaKind::kRequest;
}

std::string_view SagaStepName(SagaStep s) {
  switch (s) {
    case SagaStep::kRequesting:
      return "requesting";
    case SagaStep::kAborting:
      return "aborting";
    case SagaStep::kHeld:
      return "held";
    case SagaStep::kCommitting:
      return "committing";
    case SagaStep::kCompensating:
      return "compensating";
    case SagaStep::kDone:
      break;
  }
  return "done";
}

std::optional<SagaStep> ParseSagaStep(std::string_view name) {
  for (auto s : {SagaStep::kRequesting, SagaStep::kAborting, SagaStep::kHeld, SagaStep::kCommitting,
                 SagaStep::kCompensating, SagaStep::kDone}) {
    if (SagaStepName(s) == name) return s;
  }
  return std::nullopt;
}

schemas::ReservationStatus SagaRecord::Status() const {
  return outcome.value_or(ReservationStatus::kHeld);
}

Saga::Saga(runtime::Store& store, const core::Clock& clock, SagaOptions options, Hooks hooks)
    : store_(store), clock_(clock), options_(std::move(options)), hooks_(std::move(hooks)) {}

Status Saga::Load(const Adopt& adopt) {
  std::vector<SagaRecord> loaded;
  auto st = store_.Write([&](runtime::Tx& tx) -> Status {
    if (auto s = saga_records::CreateTables(tx); !s) return s;
    std::vector<SagaRecord> adopted;
    if (adopt) {
      if (auto s = adopt(tx, adopted); !s) return s;
    }
    for (const auto& r : adopted) {
      if (auto s = saga_records::Save(tx, r); !s) return s;
    }
    return saga_records::SelectAll(
        tx, [&](SagaRecord r) { loaded.push_back(std::move(r)); }, !options_.keep_settled);
  });
  if (!st) return st;
  std::lock_guard lock(mu_);
  for (auto& r : loaded) {
    auto s = std::make_shared<Live>();
    // Which participants acked died with the previous run: it is undone.
    if (r.step == SagaStep::kRequesting) r.step = SagaStep::kAborting;
    for (const auto& [p, part] : r.parts) s->acks[p] = std::nullopt;
    if (!r.request_id.empty()) by_request_[{r.requester, r.request_id}] = r.saga_id;
    Show(r);
    s->record = std::move(r);
    s->parts_stored = true;
    sagas_[s->record.saga_id] = std::move(s);
  }
  return {};
}

void Saga::Show(const SagaRecord& r) {
  views_[r.saga_id] = r;
  if (r.step == SagaStep::kDone) {
    unfinished_.erase(r.saga_id);
  } else {
    unfinished_.insert(r.saga_id);
  }
}

std::vector<std::string> Saga::Unfinished() const {
  std::lock_guard lock(mu_);
  return {unfinished_.begin(), unfinished_.end()};
}

void Saga::Resume() {
  std::vector<std::string> ids = Unfinished();
  for (const auto& id : ids) {
    Run(id, [this](Live& s) {
      switch (s.record.step) {
        case SagaStep::kAborting:
          DecideCompensate(s, ReservationStatus::kFailed,
                           Error{Errc::kTimeout, "the coordinator restarted before every ack", ""});
          break;
        case SagaStep::kCommitting:
          SendPhase(s, SagaPhase::kCommit, Recipients::kAll);
          break;
        case SagaStep::kCompensating:
          SendPhase(s, SagaPhase::kCompensate, Recipients::kAll);
          break;
        default:
          break;
      }
    });
  }
}

void Saga::Run(const std::string& saga_id, std::function<void(Live&)> step,
               std::function<void()> missing) {
  hooks_.post(saga_id, [this, saga_id, step = std::move(step), missing = std::move(missing)] {
    std::shared_ptr<Live> s;
    {
      std::lock_guard lock(mu_);
      auto it = sagas_.find(saga_id);
      if (it != sagas_.end()) s = it->second;
    }
    if (s) {
      step(*s);
    } else if (missing) {
      missing();
    }
  });
}

Status Saga::Persist(Live& s) {
  auto state = [&](runtime::Tx& tx) { return saga_records::Save(tx, s.record, !s.parts_stored); };
  auto st = hooks_.persist ? hooks_.persist(s.record, state) : store_.Write(state);
  if (st) s.parts_stored = true;
  return st;
}

bool Saga::Mine(const Live& s) const {
  return hooks_.own && !options_.self.empty() && s.acks.count(options_.self) > 0;
}

Status Saga::PersistAndSend(Live& s, SagaPhase phase) {
  if (!Mine(s)) {
    if (auto st = Persist(s); !st) return st;
    if (phase == SagaPhase::kCommit) MaybeCrash("after_decision");
    Enter(s, s.record.step);
    SendPhase(s, phase, Recipients::kAll);
    return {};
  }
  bool with_parts = !s.parts_stored;
  JoinedWrite joined{[&](runtime::Tx& tx) { return saga_records::Save(tx, s.record, with_parts); },
                     false};
  PartAnswer mine = hooks_.own(s.record, phase, &joined);
  if (joined.done) {
    s.parts_stored = true;
  } else if (auto st = Persist(s); !st) {
    return st;  // the part changed nothing (a repeat) or failed: the state goes alone
  }
  if (phase == SagaPhase::kCommit) MaybeCrash("after_decision");
  Enter(s, s.record.step);
  if (mine.ok || phase != SagaPhase::kRequest) {
    SendPhase(s, phase, Recipients::kOthers);
  } else {
    // A refused hold fails the saga at once: the others need not hold anything.
    s.deadline = Now() + options_.request_timeout;
  }
  OnAck(options_.self, s.record.saga_id, phase, std::move(mine));
  return {};
}

void Saga::PostOwn(const Live& s, SagaPhase phase) {
  hooks_.post(s.record.saga_id, [this, phase, r = s.record] {
    OnAck(options_.self, r.saga_id, phase, hooks_.own(r, phase, nullptr));
  });
}

void Saga::MaybeCrash(std::string_view step) const {
  if (options_.crash_at != step) return;
  runtime::Log(runtime::LogLevel::kWarn, "fault injection: killing myself {}", step);
  ::raise(SIGKILL);
}

// The durable state is `step` now: the views show it.
void Saga::Enter(Live& s, SagaStep step) {
  s.record.step = step;
  {
    std::lock_guard lock(mu_);
    Show(s.record);
  }
  if (hooks_.changed) hooks_.changed(s.record);
}

void Saga::SendPhase(Live& s, SagaPhase phase, Recipients to) {
  bool own = false;
  for (const auto& [participant, ack] : s.acks) {
    if (to == Recipients::kUnacked && ack.has_value()) continue;
    if (Mine(s) && participant == options_.self) {
      own = to != Recipients::kOthers;
      continue;
    }
    hooks_.send(s.record, participant, phase);
  }
  // After the others' messages are out, so this agent's own work overlaps theirs.
  if (own) PostOwn(s, phase);
  auto now = Now();
  if (phase == SagaPhase::kRequest) {
    s.deadline = now + options_.request_timeout;
  } else {
    s.next_send = now + s.backoff;
    s.backoff = std::min(s.backoff * 2, kMaxBackoff);
  }
}

void Saga::Start(SagaRecord r, ReplyTo reply) {
  auto s = std::make_shared<Live>();
  r.step = SagaStep::kRequesting;
  for (const auto& [p, part] : r.parts) s->acks[p] = std::nullopt;
  s->record = std::move(r);
  s->reply_deadline = Now() + options_.reply_timeout;
  // A tick may reach the lane before the first step: its deadline is ahead.
  s->deadline = Now() + options_.request_timeout;
  s->waiting.push_back(std::move(reply));
  std::string id = s->record.saga_id;
  {
    std::lock_guard lock(mu_);
    sagas_[id] = s;
    Show(s->record);
    if (!s->record.request_id.empty())
      by_request_[{s->record.requester, s->record.request_id}] = id;
  }
  Run(id, [this](Live& saga) {
    if (auto st = PersistAndSend(saga, SagaPhase::kRequest); !st) {
      AnswerError(saga, st.error());
      std::lock_guard lock(mu_);
      Forget(saga.record);
      return;
    }
    MaybeCrash("after_requests");
  });
}

void Saga::RunOwn(const std::string& requester, const std::string& saga_id,
                  const std::optional<ReplyTo>& reply, std::function<void(Live&)> step,
                  std::function<void()> unknown) {
  auto not_found = [this, requester, reply] {
    if (reply) {
      hooks_.reply_error(Error{Errc::kNotFound, "no such reservation of " + requester, ""}, *reply);
    }
  };
  Run(
      saga_id,
      [requester, reply, step = std::move(step), not_found](Live& s) {
        if (s.record.requester != requester) {
          not_found();
          return;
        }
        if (reply) s.waiting.push_back(*reply);
        step(s);
      },
      unknown ? std::move(unknown) : std::function<void()>(not_found));
}

bool Saga::Rejoin(const std::string& requester, const std::string& saga_id, const ReplyTo& reply) {
  {
    std::lock_guard lock(mu_);
    auto it = views_.find(saga_id);
    if (it == views_.end() || it->second.requester != requester) return false;
  }
  Run(
      saga_id,
      [this, reply](Live& s) {
        SagaStep at = s.record.step;
        if (at == SagaStep::kHeld || Settled(at)) {
          hooks_.reply(s.record, reply);
        } else {
          s.waiting.push_back(reply);  // still moving: answered with the first
        }
      },
      [this, saga_id, reply] {  // it settled and left memory meanwhile
        auto settled = Recall(saga_id);
        if (settled && *settled) {
          hooks_.reply(**settled, reply);
        } else {
          hooks_.reply_error(
              Error{Errc::kUnavailable,
                    "the reservation cannot be read now; send the same request again", ""},
              reply);
        }
      });
  return true;
}

bool Saga::RejoinRequest(const std::string& requester, const std::string& request_id,
                         const ReplyTo& reply) {
  auto id = IdOfRequest(requester, request_id);
  return id && Rejoin(requester, *id, reply);
}

void Saga::Confirm(const std::string& requester, const std::string& saga_id, const ReplyTo& reply,
                   std::function<void()> unknown) {
  RunOwn(
      requester, saga_id, reply,
      [this](Live& s) {
        if (s.record.step == SagaStep::kCommitting) return;  // answered once committed
        if (s.record.step == SagaStep::kDone && s.record.outcome == ReservationStatus::kConfirmed) {
          Answer(s);
          return;
        }
        if (s.record.step != SagaStep::kHeld && s.record.outcome) {
          AnswerError(s, RefusedConfirm(ReservationIdOf(s.record.saga_id), *s.record.outcome));
          return;
        }
        if (s.record.step != SagaStep::kHeld) {
          AnswerError(s, Error{Errc::kConflict, "the reservation is " + Standing(s.record),
                               "reservation_id"});
          return;
        }
        if (s.record.expires_at && *s.record.expires_at <= clock_.Now()) {
          AnswerError(s, Error{Errc::kExpired,
                               "the hold expired at " + FormatTime(*s.record.expires_at) +
                                   ": reserve again",
                               "reservation_id"});
          DecideCompensate(s, ReservationStatus::kExpired, std::nullopt);
          return;
        }
        s.reply_deadline = Now() + options_.reply_timeout;
        DecideCommit(s);
      },
      std::move(unknown));
}

void Saga::End(const std::string& requester, const std::string& saga_id, ReservationStatus outcome,
               const std::optional<ReplyTo>& reply, std::function<void()> unknown) {
  auto step = [this, outcome](Live& s) {
    SagaStep at = s.record.step;
    bool confirmed = at == SagaStep::kDone && s.record.outcome == ReservationStatus::kConfirmed;
    bool settled = Settled(at);
    if (at == SagaStep::kHeld || confirmed) {
      DecideCompensate(s, outcome, std::nullopt);
    } else if (settled && s.record.outcome == outcome) {
      Answer(s);  // already ending so
    } else if (settled) {
      AnswerError(s, Error{Errc::kConflict,
                           "the reservation is " +
                               std::string(schemas::ReservationStatusName(s.record.Status())),
                           "reservation_id"});
    } else {
      AnswerError(s, Error{Errc::kConflict,
                           "the reservation is " + std::string(SagaStepName(at)) +
                               "; try again when it settles",
                           "reservation_id"});
    }
  };
  RunOwn(requester, saga_id, reply, std::move(step), std::move(unknown));
}

void Saga::Revive(SagaRecord settled) {
  auto s = std::make_shared<Live>();
  settled.step = SagaStep::kDone;
  for (const auto& [p, part] : settled.parts) s->acks[p] = std::nullopt;
  s->record = std::move(settled);
  s->parts_stored = true;
  std::lock_guard lock(mu_);
  sagas_.try_emplace(s->record.saga_id, std::move(s));
}

void Saga::Amend(const std::string& saga_id, std::function<bool(SagaRecord&)> change,
                 std::function<void(const SagaRecord&, bool changed)> then,
                 std::function<void()> unknown) {
  auto step = [this, change = std::move(change), then = std::move(then)](Live& s) {
    SagaRecord before = s.record;
    if (!change(s.record)) {
      then(s.record, false);
      return;
    }
    s.parts_stored = false;  // `change` may have changed them too
    if (auto st = Persist(s); !st) {
      s.record = std::move(before);  // the next attempt finds it unchanged
      runtime::Log(runtime::LogLevel::kError, "saga {}: cannot store a change: {}",
                   s.record.saga_id, st.error().message);
      return;
    }
    {
      std::lock_guard lock(mu_);
      if (views_.count(s.record.saga_id)) views_[s.record.saga_id] = s.record;
    }
    then(s.record, true);
  };
  Run(saga_id, std::move(step), std::move(unknown));
}

void Saga::OnAck(const std::string& from, const std::string& saga_id, SagaPhase phase,
                 PartAnswer answer) {
  Run(saga_id, [this, from, phase, answer = std::move(answer)](Live& s) {
    auto it = s.acks.find(from);
    if (it == s.acks.end()) return;  // not a participant of this saga
    SagaStep step = s.record.step;
    bool current = (phase == SagaPhase::kRequest && step == SagaStep::kRequesting) ||
                   (phase == SagaPhase::kCommit && step == SagaStep::kCommitting) ||
                   (phase == SagaPhase::kCompensate && step == SagaStep::kCompensating);
    if (!current || it->second.has_value()) return;  // stale or repeated
    // A participant that could not write its release is asked again.
    if (phase == SagaPhase::kCompensate && !answer.ok && answer.code == Errc::kInternal) return;
    it->second = answer.ok;
    if (phase == SagaPhase::kRequest) {
      OnRequestAck(s, from, answer);
    } else if (phase == SagaPhase::kCommit) {
      if (!answer.ok) {
        DecideCompensate(
            s, ReservationStatus::kFailed,
            Error{answer.code.value_or(Errc::kExpired), from + ": " + answer.detail, ""});
      } else if (std::all_of(s.acks.begin(), s.acks.end(),
                             [](const auto& a) { return a.second.value_or(false); })) {
        s.record.outcome = ReservationStatus::kConfirmed;
        s.record.expires_at.reset();
        Finish(s);
      }
    } else if (std::all_of(s.acks.begin(), s.acks.end(),
                           [](const auto& a) { return a.second.has_value(); })) {
      Finish(s);
    }
  });
}

void Saga::OnRequestAck(Live& s, const std::string& from, const PartAnswer& answer) {
  if (!answer.ok) {
    DecideCompensate(
        s, ReservationStatus::kFailed,
        Error{answer.code.value_or(Errc::kUnavailable), from + ": " + answer.detail, ""});
    return;
  }
  s.record.parts[from].held = answer.held;
  s.parts_stored = false;
  if (answer.expires_at && (!s.record.expires_at || *answer.expires_at < *s.record.expires_at))
    s.record.expires_at = answer.expires_at;
  MaybeCrash("after_first_ack");
  if (std::any_of(s.acks.begin(), s.acks.end(), [](const auto& a) { return !a.second; })) return;
  if (!s.record.hold_only) {
    DecideCommit(s);
    return;
  }
  for (auto& a : s.acks) a.second.reset();
  s.record.step = SagaStep::kHeld;
  if (auto st = Persist(s); !st) {
    DecideCompensate(s, ReservationStatus::kFailed, st.error());
    return;
  }
  Enter(s, SagaStep::kHeld);
  Answer(s);
}

void Saga::DecideCommit(Live& s) {
  s.record.step = SagaStep::kCommitting;
  for (auto& a : s.acks) a.second.reset();
  s.backoff = kFirstBackoff;
  if (auto st = PersistAndSend(s, SagaPhase::kCommit); !st) {
    DecideCompensate(s, ReservationStatus::kFailed, st.error());
    return;
  }
  MaybeCrash("after_commits");
}

void Saga::DecideCompensate(Live& s, ReservationStatus outcome, std::optional<Error> error) {
  s.record.step = SagaStep::kCompensating;
  s.record.outcome = outcome;
  if (error) s.record.error = ForRequester(*error);
  if (outcome != ReservationStatus::kExpired) s.record.expires_at.reset();
  for (auto& a : s.acks) a.second.reset();
  s.backoff = kFirstBackoff;
  // Durable before any compensate goes out; on failure the tick retries.
  if (auto st = Persist(s); !st) {
    runtime::Log(runtime::LogLevel::kError, "saga {}: cannot store its compensation: {}",
                 s.record.saga_id, st.error().message);
    return;
  }
  Enter(s, SagaStep::kCompensating);
  // The outcome is final: the requester need not wait for the releases.
  Answer(s);
  SendPhase(s, SagaPhase::kCompensate, Recipients::kAll);
}

void Saga::Finish(Live& s) {
  SagaStep prior = s.record.step;
  if (prior == SagaStep::kCommitting) {
    // The outcome is fixed: the decision and every participant's part are
    // stored, and a restart before the final record resends the commits,
    // whose repeated acks end the saga the same way. So the requester need
    // not wait for that record; the views show the outcome meanwhile.
    {
      std::lock_guard lock(mu_);
      Show(s.record);
    }
    Answer(s);
  }
  s.record.step = SagaStep::kDone;
  if (auto st = Persist(s); !st) {
    s.record.step = prior;  // the tick tries again
    return;
  }
  Enter(s, SagaStep::kDone);
  Answer(s);
  if (options_.keep_settled) return;
  std::lock_guard lock(mu_);
  Forget(s.record);
}

void Saga::Forget(const SagaRecord& r) {
  if (!r.request_id.empty()) by_request_.erase({r.requester, r.request_id});
  views_.erase(r.saga_id);
  unfinished_.erase(r.saga_id);
  sagas_.erase(r.saga_id);  // last: `r` may live in it
}

void Saga::Answer(Live& s) {
  for (const auto& to : s.waiting) hooks_.reply(s.record, to);
  s.waiting.clear();
}

void Saga::AnswerError(Live& s, const Error& e) {
  for (const auto& to : s.waiting) hooks_.reply_error(ForRequester(e), to);
  s.waiting.clear();
}

void Saga::Tick() {
  for (const auto& id : Unfinished()) Run(id, [this](Live& s) { TickOne(s); });
}

void Saga::TickOne(Live& s) {
  auto now = Now();
  SagaStep step = s.record.step;
  if ((step == SagaStep::kRequesting && now >= s.deadline) || step == SagaStep::kAborting) {
    std::string silent;
    for (const auto& [p, a] : s.acks) {
      if (!a) silent += (silent.empty() ? "" : ", ") + p;
    }
    DecideCompensate(s, ReservationStatus::kFailed,
                     Error{Errc::kTimeout,
                           "no answer from " + silent + " within " +
                               std::to_string(options_.request_timeout.count()) + " ms",
                           ""});
  } else if (step == SagaStep::kHeld && s.record.expires_at &&
             *s.record.expires_at <= clock_.Now()) {
    DecideCompensate(s, ReservationStatus::kExpired, std::nullopt);
  } else if (step == SagaStep::kCommitting || step == SagaStep::kCompensating) {
    bool all = std::all_of(s.acks.begin(), s.acks.end(), [&](const auto& a) {
      return a.second.has_value() && (*a.second || step == SagaStep::kCompensating);
    });
    if (all) {
      Finish(s);  // its final record failed to write
      return;
    }
    if (step == SagaStep::kCommitting && !s.waiting.empty() && now >= s.reply_deadline) {
      // The saga's id is the engine's; the requester knows its reservation's.
      AnswerError(s, Error{Errc::kTimeout,
                           "the reservation is still being committed; ask again with get", ""});
    }
    if (now >= s.next_send) {
      SendPhase(s, step == SagaStep::kCommitting ? SagaPhase::kCommit : SagaPhase::kCompensate,
                Recipients::kUnacked);
    }
  }
}

std::optional<SagaRecord> Saga::Find(const std::string& saga_id) const {
  std::lock_guard lock(mu_);
  auto it = views_.find(saga_id);
  if (it == views_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Saga::IdOfRequest(const std::string& requester,
                                             const std::string& request_id) const {
  if (request_id.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = by_request_.find({requester, request_id});
  if (it == by_request_.end()) return std::nullopt;
  return it->second;
}

std::optional<SagaRecord> Saga::ByRequest(const std::string& requester,
                                          const std::string& request_id) const {
  auto id = IdOfRequest(requester, request_id);
  return id ? Find(*id) : std::nullopt;
}

std::vector<SagaRecord> Saga::Of(const std::string& requester) const {
  std::vector<SagaRecord> mine;
  std::lock_guard lock(mu_);
  for (const auto& [id, r] : views_) {
    if (r.requester == requester) mine.push_back(r);
  }
  return mine;
}

bool Saga::Knows(const std::string& saga_id) const {
  std::lock_guard lock(mu_);
  return sagas_.count(saga_id) > 0;
}

std::size_t Saga::UnfinishedCount() const {
  std::lock_guard lock(mu_);
  return unfinished_.size();
}

Result<std::optional<SagaRecord>> Saga::Recall(const std::string& saga_id) const {
  if (auto kept = Find(saga_id)) return kept;
  std::optional<SagaRecord> stored;
  auto st = store_.Read([&](runtime::Tx& tx) {
    return saga_records::SelectOne(tx, saga_id, [&](SagaRecord r) { stored = std::move(r); });
  });
  if (!st) return tl::unexpected<Error>(st.error());
  if (auto kept = Find(saga_id)) return kept;  // it came back meanwhile: memory is the newer
  return stored;
}

Result<std::optional<SagaRecord>> Saga::RecallByRequest(const std::string& requester,
                                                        const std::string& request_id) const {
  if (request_id.empty()) return std::nullopt;
  if (auto kept = ByRequest(requester, request_id)) return kept;
  std::optional<SagaRecord> stored;
  auto st = store_.Read([&](runtime::Tx& tx) {
    return saga_records::SelectOf(tx, requester, request_id,
                                  [&](SagaRecord r) { stored = std::move(r); });
  });
  if (!st) return tl::unexpected<Error>(st.error());
  if (stored) {
    if (auto kept = Find(stored->saga_id)) return kept;
  }
  return stored;
}

Result<std::vector<SagaRecord>> Saga::RecallOf(const std::string& requester) const {
  std::vector<SagaRecord> stored;
  auto st = store_.Read([&](runtime::Tx& tx) {
    return saga_records::SelectOf(tx, requester, std::nullopt,
                                  [&](SagaRecord r) { stored.push_back(std::move(r)); });
  });
  if (!st) return tl::unexpected<Error>(st.error());
  // Memory is the newer: a saga answered before its final record shows so.
  std::map<std::string, SagaRecord> kept;
  for (auto& r : Of(requester)) kept.emplace(r.saga_id, std::move(r));
  for (auto& r : stored) {
    if (auto it = kept.find(r.saga_id); it != kept.end()) {
      r = std::move(it->second);
      kept.erase(it);
    }
  }
  // Started after the read began: not stored yet.
  for (auto& [id, r] : kept) stored.push_back(std::move(r));
  return stored;
}

Status ReadSagas(runtime::Store& store, const std::function<void(SagaRecord)>& each) {
  return store.Read([&](runtime::Tx& tx) { return ReadSagas(tx, each); });
}

Status ReadSagas(runtime::Tx& tx, const std::function<void(SagaRecord)>& each) {
  return saga_records::SelectAll(tx, each);
}

}  // namespace tripmesh::engine
