#include "saga_coordinator.h"

#include <signal.h>

#include <algorithm>
#include <cmath>

#include "tripmesh/engine/saga.h"
#include "tripmesh/runtime/log.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {
namespace {

using schemas::SagaPhase;

constexpr auto kMaxBackoff = std::chrono::milliseconds(8000);

}  // namespace

SagaCoordinator::SagaCoordinator(std::string company, ReservationBook& book, runtime::Store& store,
                                 const core::Clock& clock, SagaOptions options, Hooks hooks)
    : company_(std::move(company)),
      book_(book),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      hooks_(std::move(hooks)) {}

Status SagaCoordinator::Load() {
  std::vector<std::shared_ptr<Saga>> loaded;
  auto st = store_.Write([&](runtime::Tx& tx) -> Status {
    if (auto s = records::CreateTables(tx); !s) return s;
    return records::SelectSagas(
        tx, std::string(SagaStateName(SagaState::kDone)), [&](const records::SagaRow& row) {
          auto r = schemas::Decode<schemas::Reservation>(row.body);
          if (!r) {
            runtime::Log(runtime::LogLevel::kError, "saga {} has an unreadable body: {}",
                         row.saga_id, r.error().message);
            return;
          }
          auto s = std::make_shared<Saga>();
          s->saga_id = row.saga_id;
          s->state = ParseSagaState(row.state).value_or(SagaState::kAborting);
          if (row.outcome) s->outcome = schemas::ParseReservationStatus(*row.outcome);
          s->hold_only = row.hold_only;
          s->request_id = row.request_id;
          s->reservation = std::move(*r);
          for (const auto& i : s->reservation.items) s->acks[i.company] = std::nullopt;
          // Which participants acked died with the previous run, so such a saga
          // is undone; from now on its request acks are stale.
          if (s->state == SagaState::kRequesting) s->state = SagaState::kAborting;
          loaded.push_back(std::move(s));
        });
  });
  if (!st) return st;
  std::lock_guard lock(mu_);
  for (auto& s : loaded) {
    views_[s->reservation.reservation_id] = s->reservation;
    sagas_[s->saga_id] = std::move(s);
  }
  return {};
}

void SagaCoordinator::Resume() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : sagas_) ids.push_back(id);
  }
  for (const auto& id : ids) {
    Run(id, [this](Saga& s) {
      if (s.state == SagaState::kAborting) {
        DecideCompensate(s, schemas::ReservationStatus::kFailed,
                         Error{Errc::kTimeout, "the coordinator restarted before every ack", ""});
      } else if (s.state == SagaState::kCommitting) {
        SendPhase(s, SagaPhase::kCommit, false);
      } else if (s.state == SagaState::kCompensating) {
        SendPhase(s, SagaPhase::kCompensate, false);
      }
    });
  }
}

void SagaCoordinator::Run(const std::string& saga_id, std::function<void(Saga&)> step,
                          std::function<void()> missing) {
  hooks_.post(saga_id, [this, saga_id, step = std::move(step), missing = std::move(missing)] {
    std::shared_ptr<Saga> s;
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

Status SagaCoordinator::WriteSaga(runtime::Tx& tx, const Saga& s) {
  std::optional<std::string> outcome;
  if (s.outcome) outcome = std::string(schemas::ReservationStatusName(*s.outcome));
  return records::UpsertSaga(tx, {.saga_id = s.saga_id,
                                  .reservation_id = s.reservation.reservation_id,
                                  .state = std::string(SagaStateName(s.state)),
                                  .outcome = std::move(outcome),
                                  .hold_only = s.hold_only,
                                  .request_id = s.request_id,
                                  .body = schemas::Encode(s.reservation)});
}

Status SagaCoordinator::Persist(const Saga& s) {
  return store_.Write([&](runtime::Tx& tx) { return WriteSaga(tx, s); });
}

// The saga's state and the vehicle-visible record in one commit.
Status SagaCoordinator::PersistWithRecord(const Saga& s) {
  return book_.Record(s.reservation, s.request_id,
                      [&](runtime::Tx& tx) { return WriteSaga(tx, s); });
}

void SagaCoordinator::OnChanged(const std::string& from, const schemas::SagaChanged& msg,
                                const StopChanged& changed, const std::function<void()>& taken) {
  Run(
      msg.saga_id,
      [this, from, msg, changed, taken](Saga& s) {
        auto applied = ApplyChanges(s.reservation, from, msg);
        if (applied.empty()) {
          taken();  // seen before
          return;
        }
        if (auto st = Persist(s); !st) {
          runtime::Log(runtime::LogLevel::kError, "saga {}: cannot store a moved stop: {}",
                       s.saga_id, st.error().message);
          return;
        }
        {
          std::lock_guard lock(mu_);
          if (auto it = views_.find(s.reservation.reservation_id); it != views_.end()) {
            it->second.items = s.reservation.items;
          }
        }
        taken();
        for (const auto& d : applied) changed(s.reservation, d);
      },
      [this, from, msg, changed, taken] {
        if (msg.changes.empty() || msg.saga_id.size() < 2) {
          taken();
          return;
        }
        auto r = book_.Get(msg.changes.front().vehicle, msg.saga_id.substr(1));
        auto applied = r ? ApplyChanges(*r, from, msg) : std::vector<ReservationBook::Displaced>();
        if (applied.empty()) {
          // Seen before, or no saga of ours; unless the store failed to say.
          if (r || r.error().code == Errc::kNotFound) taken();
          return;
        }
        if (auto st = book_.Record(*r, ""); !st) {
          runtime::Log(runtime::LogLevel::kError, "saga {}: cannot store a moved stop: {}",
                       msg.saga_id, st.error().message);
          return;
        }
        taken();
        for (const auto& d : applied) changed(*r, d);
      });
}

std::vector<ReservationBook::Displaced> SagaCoordinator::ApplyChanges(
    schemas::Reservation& r, const std::string& from, const schemas::SagaChanged& msg) const {
  std::vector<ReservationBook::Displaced> out;
  Time now = clock_.Now();
  for (const auto& c : msg.changes) {
    for (auto& item : r.items) {
      if (item.company != from || item.station != c.station || item.point != c.from_point ||
          item.start_at != c.start_at || item.lost_at) {
        continue;
      }
      if (c.to_point.empty()) {
        item.lost_at = now;
        item.lost_reason = msg.reason.empty() ? "its point went out of service" : msg.reason;
      } else {
        item.point = c.to_point;
      }
      out.push_back({.owner = msg.saga_id,
                     .station = c.station,
                     .from_point = c.from_point,
                     .to_point = c.to_point,
                     .start_at = c.start_at,
                     .end_at = c.end_at,
                     .reservation_id = r.reservation_id,
                     .vehicle = r.vehicle,
                     .coordinator = company_});
    }
  }
  r.cost = ReservationBook::TotalCost(r.items);
  return out;
}

void SagaCoordinator::MaybeCrash(const std::string& step) const {
  if (options_.crash_at == step) {
    runtime::Log(runtime::LogLevel::kWarn, "fault injection: killing myself {}", step);
    ::raise(SIGKILL);
  }
}

std::map<std::string, std::vector<schemas::SagaItem>> SagaCoordinator::ItemsByCompany(
    const Saga& s) const {
  std::map<std::string, std::vector<schemas::SagaItem>> out;
  for (const auto& i : s.reservation.items) {
    out[i.company].push_back({i.station, i.point, i.start_at, i.end_at, i.kwh});
  }
  return out;
}

std::string_view SagaStateName(SagaState s) {
  switch (s) {
    case SagaState::kRequesting:
      return "requesting";
    case SagaState::kAborting:
      return "aborting";
    case SagaState::kHeld:
      return "held";
    case SagaState::kCommitting:
      return "committing";
    case SagaState::kCompensating:
      return "compensating";
    case SagaState::kDone:
      return "done";
  }
  return "done";
}

std::optional<SagaState> ParseSagaState(std::string_view name) {
  for (auto s : {SagaState::kRequesting, SagaState::kAborting, SagaState::kHeld,
                 SagaState::kCommitting, SagaState::kCompensating, SagaState::kDone}) {
    if (SagaStateName(s) == name) return s;
  }
  return std::nullopt;
}

std::string SagaCoordinator::Standing(const Saga& s) {
  return std::string(s.state == SagaState::kCompensating && s.outcome
                         ? schemas::ReservationStatusName(*s.outcome)
                         : SagaStateName(s.state));
}

void SagaCoordinator::Enter(Saga& s, SagaState state, const std::string& detail) {
  s.state = state;
  {
    std::lock_guard lock(mu_);
    if (state == SagaState::kDone) {
      views_.erase(s.reservation.reservation_id);
      if (!s.request_id.empty()) by_request_.erase({s.reservation.vehicle, s.request_id});
    } else {
      views_[s.reservation.reservation_id] = s.reservation;
    }
  }
  if (hooks_.changed) {
    hooks_.changed({.reservation_id = s.reservation.reservation_id,
                    .vehicle = s.reservation.vehicle,
                    .state = std::string(state == SagaState::kDone
                                             ? schemas::ReservationStatusName(s.reservation.status)
                                             : SagaStateName(state)),
                    .detail = detail});
  }
}

LocalSagaMessage SagaCoordinator::MessageFor(const Saga& s, SagaPhase phase,
                                             const std::vector<schemas::SagaItem>& items) const {
  if (phase == SagaPhase::kRequest) {
    return schemas::SagaRequest{s.saga_id, s.reservation.reservation_id, s.reservation.vehicle,
                                items,
                                s.hold_only ? options_.hold_ttl_s : options_.commit_hold_ttl_s};
  }
  if (phase == SagaPhase::kCommit) return schemas::SagaCommit{s.saga_id};
  return schemas::SagaCompensate{s.saga_id,
                                 std::string(schemas::ReservationStatusName(
                                     s.outcome.value_or(schemas::ReservationStatus::kFailed)))};
}

void SagaCoordinator::SendPhase(Saga& s, SagaPhase phase, bool only_unacked,
                                const std::string& skip) {
  auto by_company = ItemsByCompany(s);
  std::optional<LocalSagaMessage> local;
  for (auto& [company, ack] : s.acks) {
    if ((only_unacked && ack.has_value()) || company == skip) continue;
    LocalSagaMessage msg = MessageFor(s, phase, by_company[company]);
    if (company == company_ && hooks_.participate) {
      local = std::move(msg);
      continue;
    }
    std::string payload = std::visit([](const auto& m) { return schemas::Encode(m); }, msg);
    hooks_.publish({.topic = topics::Saga(company, company_, engine::SagaKindOf(phase)),
                    .payload = std::move(payload)});
  }
  // After the peers' messages are out, so the home company's own work overlaps theirs.
  if (local) {
    hooks_.post(s.saga_id, [this, msg = std::move(*local)] {
      OnAck(company_, hooks_.participate(msg, nullptr));
    });
  }
  auto now = Now();
  if (phase == SagaPhase::kRequest) {
    s.deadline = now + options_.request_timeout;
  } else {
    s.next_send = now + s.backoff;
    s.backoff = std::min(s.backoff * 2, kMaxBackoff);
  }
}

Status SagaCoordinator::PersistAndSend(Saga& s, SagaPhase phase) {
  if (!hooks_.participate || !s.acks.count(company_)) {
    if (auto st = Persist(s); !st) return st;
    AfterPersist(s, phase);
    SendPhase(s, phase, false);
    return {};
  }
  SagaParticipant::Also also{[&](runtime::Tx& tx) { return WriteSaga(tx, s); }, false};
  auto mine = ItemsByCompany(s)[company_];
  schemas::SagaAck ack = hooks_.participate(MessageFor(s, phase, mine), &also);
  if (!also.done) {
    // The part changed nothing (a repeat) or failed: the state goes alone.
    if (auto st = Persist(s); !st) return st;
  }
  AfterPersist(s, phase);
  if (ack.ok || phase != SagaPhase::kRequest) {
    SendPhase(s, phase, false, company_);
  } else {
    // A refused hold fails the saga at once: the peers need not hold anything.
    s.deadline = Now() + options_.request_timeout;
  }
  OnAck(company_, ack);
  return {};
}

void SagaCoordinator::AfterPersist(Saga& s, SagaPhase phase) {
  if (phase == SagaPhase::kCommit) MaybeCrash("after_decision");
  Enter(s, s.state);
}

void SagaCoordinator::Start(schemas::Reservation r, const std::string& request_id, bool hold_only,
                            ReplyTo reply) {
  auto s = std::make_shared<Saga>();
  s->saga_id = SagaIdOf(r.reservation_id);
  s->request_id = request_id;
  s->hold_only = hold_only;
  s->reservation = std::move(r);
  s->reservation.status =
      schemas::ReservationStatus::kHeld;  // as get shows it until the saga settles
  s->state = SagaState::kRequesting;
  for (const auto& i : s->reservation.items) s->acks[i.company] = std::nullopt;
  s->reply_deadline = Now() + options_.reply_timeout;
  // A tick may reach the saga's lane before its first step does: it must not
  // find a deadline that has already passed.
  s->deadline = Now() + options_.request_timeout;
  s->waiting.push_back(std::move(reply));
  {
    std::lock_guard lock(mu_);
    sagas_[s->saga_id] = s;
    views_[s->reservation.reservation_id] = s->reservation;
    if (!request_id.empty()) {
      by_request_[{s->reservation.vehicle, request_id}] = s->reservation.reservation_id;
    }
  }
  Run(s->saga_id, [this](Saga& saga) {
    if (auto st = PersistAndSend(saga, SagaPhase::kRequest); !st) {
      ReplyError(saga, st.error());
      std::lock_guard lock(mu_);
      sagas_.erase(saga.saga_id);
      views_.erase(saga.reservation.reservation_id);
      return;
    }
    MaybeCrash("after_requests");
  });
}

void SagaCoordinator::Confirm(const schemas::Reservation& r, const ReplyTo& reply) {
  Run(
      SagaIdOf(r.reservation_id),
      [this, reply](Saga& s) {
        s.waiting.push_back(reply);
        if (s.state == SagaState::kCommitting) return;  // answered when the commits are acked
        if (s.state != SagaState::kHeld) {
          ReplyError(s, Error{Errc::kConflict,
                              "reservation " + s.reservation.reservation_id + " is " + Standing(s),
                              "reservation_id"});
          return;
        }
        if (s.reservation.expires_at && *s.reservation.expires_at <= clock_.Now()) {
          ReplyError(s, Error{Errc::kExpired,
                              "the hold of reservation " + s.reservation.reservation_id +
                                  " expired at " + FormatTime(*s.reservation.expires_at),
                              "reservation_id"});
          DecideCompensate(s, schemas::ReservationStatus::kExpired, std::nullopt);
          return;
        }
        s.reply_deadline = Now() + options_.reply_timeout;
        DecideCommit(s);
      },
      [this, r, reply] { AnswerFromRecord(r, reply, schemas::ReservationStatus::kConfirmed); });
}

void SagaCoordinator::Cancel(const schemas::Reservation& r, ReplyTo reply) {
  End(r, std::move(reply), schemas::ReservationStatus::kCancelled);
}

void SagaCoordinator::EndAsNoShow(const schemas::Reservation& r) {
  End(r, std::nullopt, schemas::ReservationStatus::kNoShow);
}

void SagaCoordinator::End(const schemas::Reservation& r, std::optional<ReplyTo> reply,
                          schemas::ReservationStatus outcome) {
  std::string id = SagaIdOf(r.reservation_id);
  bool in_flight = false;
  {
    std::lock_guard lock(mu_);
    in_flight = sagas_.count(id) > 0;
    if (!in_flight && r.status == schemas::ReservationStatus::kConfirmed) {
      // A settled saga comes back to life to compensate every participant.
      auto s = std::make_shared<Saga>();
      s->saga_id = id;
      s->reservation = r;
      s->state = SagaState::kDone;
      for (const auto& i : r.items) s->acks[i.company] = std::nullopt;
      sagas_[id] = std::move(s);
      in_flight = true;
    }
  }
  if (!in_flight) {
    if (reply) AnswerFromRecord(r, *reply, outcome);
    return;
  }
  Run(
      id,
      [this, reply, outcome](Saga& s) {
        if (reply) s.waiting.push_back(*reply);
        if (s.state == SagaState::kHeld || s.state == SagaState::kDone) {
          DecideCompensate(s, outcome, std::nullopt);
        } else if (s.state == SagaState::kCompensating && s.outcome == outcome) {
          Reply(s, s.reservation);
        } else {
          ReplyError(s, Error{Errc::kConflict,
                              "reservation " + s.reservation.reservation_id + " is " + Standing(s) +
                                  "; try again when it settles",
                              "reservation_id"});
        }
      },
      [this, r, reply, outcome] {
        // The saga settled while this waited for its lane: a confirmed
        // reservation is ended from its record now, anything else answers.
        auto now = book_.Get(r.vehicle, r.reservation_id);
        if (now && now->status == schemas::ReservationStatus::kConfirmed) {
          End(*now, reply, outcome);
        } else if (reply) {
          AnswerFromRecord(r, *reply, outcome);
        }
      });
}

void SagaCoordinator::AnswerFromRecord(const schemas::Reservation& before, const ReplyTo& reply,
                                       schemas::ReservationStatus wanted) {
  auto now = book_.Get(before.vehicle, before.reservation_id);
  Saga tmp;
  tmp.waiting.push_back(reply);
  if (now && now->status == wanted) {
    Reply(tmp, *now);
  } else if (now) {
    ReplyError(tmp, Error{Errc::kConflict,
                          "reservation " + now->reservation_id + " is " +
                              std::string(schemas::ReservationStatusName(now->status)),
                          "reservation_id"});
  } else {
    ReplyError(tmp, now.error());
  }
}

std::size_t SagaCoordinator::UnfinishedCount() const {
  std::lock_guard lock(mu_);
  return sagas_.size();
}

std::optional<schemas::Reservation> SagaCoordinator::InFlight(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = views_.find(id);
  if (it == views_.end()) return std::nullopt;
  return it->second;
}

std::optional<schemas::Reservation> SagaCoordinator::InFlightByRequest(
    const std::string& vehicle, const std::string& request_id) const {
  if (request_id.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = by_request_.find({vehicle, request_id});
  if (it == by_request_.end()) return std::nullopt;
  auto v = views_.find(it->second);
  if (v == views_.end()) return std::nullopt;
  return v->second;
}

void SagaCoordinator::OnAck(const std::string& from, const schemas::SagaAck& ack) {
  Run(ack.saga_id, [this, from, ack](Saga& s) {
    auto it = s.acks.find(from);
    if (it == s.acks.end()) return;  // not a participant of this saga
    bool current = (ack.phase == SagaPhase::kRequest && s.state == SagaState::kRequesting) ||
                   (ack.phase == SagaPhase::kCommit && s.state == SagaState::kCommitting) ||
                   (ack.phase == SagaPhase::kCompensate && s.state == SagaState::kCompensating);
    if (!current || it->second.has_value()) return;  // stale or repeated
    // A participant that could not write its compensation (its store out of
    // reach) still holds the points: it is asked again, not counted as done.
    if (ack.phase == SagaPhase::kCompensate && !ack.ok && ack.code == Errc::kInternal) return;
    it->second = ack.ok;
    if (ack.phase == SagaPhase::kRequest) {
      if (!ack.ok) {
        DecideCompensate(
            s, schemas::ReservationStatus::kFailed,
            Error{ack.code.value_or(Errc::kUnavailable), from + ": " + ack.detail, ""});
        return;
      }
      // The participant may have chosen other points of the same stations.
      std::size_t k = 0;
      for (auto& item : s.reservation.items) {
        if (item.company != from || k >= ack.holds.size()) continue;
        item.point = ack.holds[k].point;
        item.cost = ack.holds[k].price;
        ++k;
      }
      if (ack.expires_at &&
          (!s.reservation.expires_at || *ack.expires_at < *s.reservation.expires_at))
        s.reservation.expires_at = ack.expires_at;
      MaybeCrash("after_first_ack");
      if (std::any_of(s.acks.begin(), s.acks.end(), [](const auto& a) { return !a.second; }))
        return;
      s.reservation.cost = ReservationBook::TotalCost(s.reservation.items);
      if (s.hold_only) {
        s.reservation.status = schemas::ReservationStatus::kHeld;
        for (auto& a : s.acks) a.second.reset();
        s.state = SagaState::kHeld;
        if (auto st = Persist(s); !st) {
          DecideCompensate(s, schemas::ReservationStatus::kFailed, st.error());
          return;
        }
        if (auto st = book_.Record(s.reservation, s.request_id); !st) return;
        Enter(s, SagaState::kHeld);
        Reply(s, s.reservation);
      } else {
        DecideCommit(s);
      }
    } else if (ack.phase == SagaPhase::kCommit) {
      if (!ack.ok) {
        DecideCompensate(s, schemas::ReservationStatus::kFailed,
                         Error{ack.code.value_or(Errc::kExpired), from + ": " + ack.detail, ""});
        return;
      }
      if (std::all_of(s.acks.begin(), s.acks.end(), [](const auto& a) { return a.second; })) {
        s.reservation.status = schemas::ReservationStatus::kConfirmed;
        s.reservation.expires_at.reset();
        Finish(s);
      }
    } else if (std::all_of(s.acks.begin(), s.acks.end(),
                           [](const auto& a) { return a.second.has_value(); })) {
      Finish(s);
    }
  });
}

void SagaCoordinator::DecideCommit(Saga& s) {
  s.state = SagaState::kCommitting;
  for (auto& a : s.acks) a.second.reset();
  s.backoff = std::chrono::milliseconds(500);
  if (auto st = PersistAndSend(s, SagaPhase::kCommit); !st) {
    DecideCompensate(s, schemas::ReservationStatus::kFailed, st.error());
    return;
  }
  MaybeCrash("after_commits");
}

void SagaCoordinator::DecideCompensate(Saga& s, schemas::ReservationStatus outcome,
                                       std::optional<Error> error) {
  s.state = SagaState::kCompensating;
  s.outcome = outcome;
  for (auto& a : s.acks) a.second.reset();
  s.backoff = std::chrono::milliseconds(500);
  s.reservation.status = outcome;
  if (error) error = ForRequester(*error);
  s.reservation.error = error;
  if (outcome != schemas::ReservationStatus::kExpired) s.reservation.expires_at.reset();
  // Durable before any compensate goes out; on failure the tick retries.
  if (auto st = PersistWithRecord(s); !st) return;
  Enter(s, SagaState::kCompensating,
        error ? error->message : std::string(schemas::ReservationStatusName(outcome)));
  // The outcome is final now: the vehicle need not wait for the releases.
  Reply(s, s.reservation);
  SendPhase(s, SagaPhase::kCompensate, false);
}

void SagaCoordinator::Finish(Saga& s) {
  SagaState prior = s.state;
  if (prior == SagaState::kCommitting) {
    // The outcome is fixed: the decision and every participant's booking are
    // on disk, and a restart before the final record resends the commits,
    // whose repeated acks end the saga the same way. So the vehicle need not
    // wait for that record; `get` shows the confirmation meanwhile.
    {
      std::lock_guard lock(mu_);
      views_[s.reservation.reservation_id] = s.reservation;
    }
    Reply(s, s.reservation);
  }
  s.state = SagaState::kDone;
  if (auto st = prior == SagaState::kCommitting ? PersistWithRecord(s) : Persist(s); !st) {
    s.state = prior;  // the tick tries again
    return;
  }
  Enter(s, SagaState::kDone);
  Reply(s, s.reservation);
  std::lock_guard lock(mu_);
  sagas_.erase(s.saga_id);
}

void SagaCoordinator::Reply(Saga& s, const schemas::Reservation& r) {
  for (auto& to : s.waiting) {
    schemas::Reservation copy = r;
    copy.request_id = to.request_id;
    hooks_.publish({to.topic, schemas::Encode(copy), 1, false, "", to.correlation});
  }
  s.waiting.clear();
}

void SagaCoordinator::ReplyError(Saga& s, const Error& original) {
  Error e = ForRequester(original);
  for (auto& to : s.waiting) {
    hooks_.publish({to.topic, schemas::Encode(schemas::ErrorReply{to.request_id, e}), 1, false, "",
                    to.correlation});
  }
  s.waiting.clear();
}

void SagaCoordinator::Tick() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : sagas_) ids.push_back(id);
  }
  for (const auto& id : ids) {
    Run(id, [this](Saga& s) {
      auto now = Now();
      if (s.state == SagaState::kRequesting && now >= s.deadline) {
        std::string silent;
        for (const auto& [c, a] : s.acks) {
          if (!a) silent += (silent.empty() ? "" : ", ") + c;
        }
        DecideCompensate(s, schemas::ReservationStatus::kFailed,
                         Error{Errc::kTimeout,
                               "no answer from " + silent + " within " +
                                   std::to_string(options_.request_timeout.count()) + " ms",
                               ""});
      } else if (s.state == SagaState::kHeld && s.reservation.expires_at &&
                 *s.reservation.expires_at <= clock_.Now()) {
        DecideCompensate(s, schemas::ReservationStatus::kExpired, std::nullopt);
      } else if (s.state == SagaState::kCommitting || s.state == SagaState::kCompensating) {
        bool all_acked = std::all_of(s.acks.begin(), s.acks.end(), [&](const auto& a) {
          return a.second.has_value() && (*a.second || s.state == SagaState::kCompensating);
        });
        if (all_acked) {
          Finish(s);  // its final record failed to write
          return;
        }
        if (s.state == SagaState::kCommitting && !s.waiting.empty() && now >= s.reply_deadline) {
          ReplyError(s, Error{Errc::kTimeout,
                              "reservation " + s.reservation.reservation_id +
                                  " is still being committed; ask again with get",
                              ""});
        }
        if (now >= s.next_send) {
          SendPhase(s,
                    s.state == SagaState::kCommitting ? SagaPhase::kCommit : SagaPhase::kCompensate,
                    true);
        }
      }
    });
  }
}

}  // namespace tripmesh::company
