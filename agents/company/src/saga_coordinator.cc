#include "saga_coordinator.h"

#include <fmt/format.h>

#include <cstdlib>
#include <iterator>
#include <utility>

#include "records.h"
#include "tripmesh/engine/sale.h"
#include "tripmesh/runtime/log.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {
namespace {

using engine::ReservationIdOf;
using engine::SagaIdOf;
using engine::SagaRecord;
using engine::SagaStep;
using schemas::ReservationStatus;
using schemas::SagaPhase;

// A company's holds as its part's `held`: "point US price RS" per stop, in
// the order of its stops in the reservation.
std::string HeldOf(const std::vector<schemas::SagaHold>& holds) {
  std::string out;
  for (const auto& h : holds)
    fmt::format_to(std::back_inserter(out), "{}\x1f{}\x1e", h.point, h.price);
  return out;
}

// Each company's holds (it may have chosen other points of the same
// stations) folded into the stops of `r`.
void FoldHeld(schemas::Reservation& r, const std::map<std::string, SagaRecord::Part>& parts) {
  for (const auto& [company, part] : parts) {
    std::string_view rest = part.held;
    for (auto& item : r.items) {
      if (item.company != company) continue;
      auto us = rest.find('\x1f'), rs = rest.find('\x1e');
      if (us == std::string_view::npos || rs == std::string_view::npos || us > rs) break;
      item.point = std::string(rest.substr(0, us));
      item.cost = std::strtod(std::string(rest.substr(us + 1, rs - us - 1)).c_str(), nullptr);
      rest.remove_prefix(rs + 1);
    }
  }
  r.cost = ReservationBook::TotalCost(r.items);
}

engine::PartAnswer AnswerOf(const schemas::SagaAck& ack) {
  engine::PartAnswer a{.ok = ack.ok,
                       .code = ack.code,
                       .detail = ack.detail,
                       .held = {},
                       .expires_at = ack.expires_at};
  if (ack.ok && ack.phase == SagaPhase::kRequest) a.held = HeldOf(ack.holds);
  return a;
}

engine::SagaOptions EngineOptions(const std::string& company, const SagaOptions& o) {
  return {.request_timeout = o.request_timeout,
          .reply_timeout = o.reply_timeout,
          .crash_at = o.crash_at,
          .steady_now = o.steady_now,
          .self = company,
          .keep_settled = false};  // the reservation book keeps settled ones
}

}  // namespace

SagaCoordinator::SagaCoordinator(std::string company, ReservationBook& book, runtime::Store& store,
                                 const core::Clock& clock, SagaOptions options, Hooks hooks)
    : company_(std::move(company)),
      book_(book),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      saga_(store, clock, EngineOptions(company_, options_), EngineHooks()) {}

engine::Saga::Hooks SagaCoordinator::EngineHooks() {
  engine::Saga::Hooks h{
      .send = [this](const SagaRecord& r, const std::string& company,
                     SagaPhase phase) { Send(r, company, phase); },
      .reply = [this](const SagaRecord& r, const ReplyTo& to) { Reply(ReservationOf(r), to); },
      .reply_error = [this](const Error& e, const ReplyTo& to) { ReplyError(e, to); },
      .post = hooks_.post,
      .changed = [this](const SagaRecord& r) { Changed(r); },
      .own = {},
      .persist =
          [this](const SagaRecord& r, const std::function<Status(runtime::Tx&)>& state) {
            return Persist(r, state);
          }};
  if (hooks_.participate) {
    h.own = [this](const SagaRecord& r, SagaPhase phase, engine::JoinedWrite* joined) {
      return AnswerOf(hooks_.participate(MessageFor(r, company_, phase), joined));
    };
  }
  return h;
}

Status SagaCoordinator::Load() {
  return saga_.Load([this](runtime::Tx& tx, std::vector<SagaRecord>& adopted) {
    return records::TakeLegacySagas(tx, [&](const records::LegacySagaRow& row) {
      auto r = schemas::Decode<schemas::Reservation>(row.body);
      if (!r) {
        runtime::Log(runtime::LogLevel::kError, "saga {} has an unreadable body: {}", row.saga_id,
                     r.error().message);
        return;
      }
      SagaRecord rec = RecordFor(*r, row.request_id, row.hold_only);
      rec.step = engine::ParseSagaStep(row.state).value_or(SagaStep::kAborting);
      if (row.outcome) rec.outcome = schemas::ParseReservationStatus(*row.outcome);
      rec.expires_at = r->expires_at;
      rec.error = r->error;
      adopted.push_back(std::move(rec));
    });
  });
}

void SagaCoordinator::Start(schemas::Reservation r, const std::string& request_id, bool hold_only,
                            ReplyTo reply) {
  r.status = ReservationStatus::kHeld;  // as get shows it until the saga settles
  saga_.Start(RecordFor(r, request_id, hold_only), std::move(reply));
}

SagaRecord SagaCoordinator::RecordFor(const schemas::Reservation& r, const std::string& request_id,
                                      bool hold_only) const {
  SagaRecord rec;
  rec.saga_id = SagaIdOf(r.reservation_id);
  rec.requester = r.vehicle;
  rec.request_id = request_id;
  rec.hold_only = hold_only;
  rec.created_at = r.created_at;
  std::map<std::string, std::vector<schemas::SagaItem>> by_company;
  for (const auto& i : r.items) {
    by_company[i.company].push_back({i.station, i.point, i.start_at, i.end_at, i.kwh});
  }
  Time ttl = hold_only ? options_.hold_ttl_s : options_.commit_hold_ttl_s;
  for (auto& [company, items] : by_company) {
    rec.parts[company].request = schemas::Encode(
        schemas::SagaRequest{rec.saga_id, r.reservation_id, r.vehicle, std::move(items), ttl});
  }
  rec.body = schemas::Encode(r);
  return rec;
}

LocalSagaMessage SagaCoordinator::MessageFor(const SagaRecord& r, const std::string& company,
                                             SagaPhase phase) const {
  if (phase == SagaPhase::kRequest) {
    auto it = r.parts.find(company);
    if (it != r.parts.end()) {
      if (auto req = schemas::Decode<schemas::SagaRequest>(it->second.request)) return *req;
    }
    runtime::Log(runtime::LogLevel::kError, "saga {} has no request for {}", r.saga_id, company);
    return schemas::SagaRequest{r.saga_id, ReservationIdOf(r.saga_id), r.requester, {}, 0};
  }
  if (phase == SagaPhase::kCommit) return schemas::SagaCommit{r.saga_id};
  return schemas::SagaCompensate{r.saga_id,
                                 std::string(schemas::ReservationStatusName(r.Status()))};
}

void SagaCoordinator::Send(const SagaRecord& r, const std::string& company, SagaPhase phase) {
  std::string payload;
  if (auto it = r.parts.find(company); phase == SagaPhase::kRequest && it != r.parts.end()) {
    payload = it->second.request;  // already in its wire form
  } else {
    payload =
        std::visit([](const auto& m) { return schemas::Encode(m); }, MessageFor(r, company, phase));
  }
  hooks_.publish({.topic = topics::Saga(company, company_, engine::SagaKindOf(phase)),
                  .payload = std::move(payload)});
}

// The saga's body as a reservation. A saga that settles is answered and
// recorded from the same body in one task, so the last one decoded on this
// thread is kept: one decode where there were two.
schemas::Reservation SagaCoordinator::ReservationOf(const SagaRecord& r) const {
  thread_local struct {
    std::string saga_id, body;
    schemas::Reservation decoded;
  } last;
  if (last.saga_id != r.saga_id || last.body != r.body) {
    auto res = schemas::Decode<schemas::Reservation>(r.body);
    if (!res) {
      runtime::Log(runtime::LogLevel::kError, "saga {} has an unreadable body: {}", r.saga_id,
                   res.error().message);
      res = schemas::Reservation{};
      res->reservation_id = ReservationIdOf(r.saga_id);
      res->vehicle = r.requester;
    }
    last.decoded = std::move(*res);
    last.saga_id = r.saga_id;
    last.body = r.body;
  }
  schemas::Reservation res = last.decoded;
  FoldHeld(res, r.parts);
  res.status = r.Status();
  res.error = r.error;
  res.expires_at = r.expires_at;
  return res;
}

SagaRecord SagaCoordinator::SettledRecordOf(const schemas::Reservation& r) {
  SagaRecord rec;
  rec.saga_id = SagaIdOf(r.reservation_id);
  rec.requester = r.vehicle;
  rec.request_id = r.request_id;
  rec.step = SagaStep::kDone;
  rec.outcome = r.status;
  rec.created_at = r.created_at;
  rec.body = schemas::Encode(r);
  for (const auto& i : r.items) rec.parts[i.company];
  return rec;
}

// The vehicle's record changes with the saga's state when what it shows
// does: held, an outcome decided, a confirmation stored.
Status SagaCoordinator::Persist(const SagaRecord& r,
                                const std::function<Status(runtime::Tx&)>& state) {
  bool shown = r.step == SagaStep::kHeld || r.step == SagaStep::kCompensating ||
               (r.step == SagaStep::kDone && r.outcome == ReservationStatus::kConfirmed);
  if (!shown) return store_.Write(state);
  return book_.Record(ReservationOf(r), r.request_id, state);
}

void SagaCoordinator::Changed(const SagaRecord& r) {
  if (!hooks_.changed) return;
  std::string detail;
  if (r.step == SagaStep::kCompensating) {
    detail = r.error ? r.error->message : std::string(schemas::ReservationStatusName(r.Status()));
  }
  hooks_.changed(
      {.reservation_id = ReservationIdOf(r.saga_id),
       .vehicle = r.requester,
       .state = std::string(r.step == SagaStep::kDone ? schemas::ReservationStatusName(r.Status())
                                                      : engine::SagaStepName(r.step)),
       .detail = std::move(detail)});
}

void SagaCoordinator::Reply(const schemas::Reservation& r, const ReplyTo& to) {
  schemas::Reservation copy = r;
  copy.request_id = to.request_id;
  hooks_.publish({to.topic, schemas::Encode(copy), 1, false, "", to.correlation});
}

void SagaCoordinator::ReplyError(const Error& original, const ReplyTo& to) {
  Error e = ForRequester(original);
  hooks_.publish({to.topic, schemas::Encode(schemas::ErrorReply{to.request_id, e}), 1, false, "",
                  to.correlation});
}

void SagaCoordinator::OnAck(const std::string& from, const schemas::SagaAck& ack) {
  saga_.OnAck(from, ack.saga_id, ack.phase, AnswerOf(ack));
}

void SagaCoordinator::Confirm(const schemas::Reservation& r, const ReplyTo& reply) {
  saga_.Confirm(r.vehicle, SagaIdOf(r.reservation_id), reply,
                [this, r, reply] { AnswerFromRecord(r, reply, ReservationStatus::kConfirmed); });
}

void SagaCoordinator::Cancel(const schemas::Reservation& r, ReplyTo reply) {
  End(r, std::move(reply), ReservationStatus::kCancelled);
}

void SagaCoordinator::EndAsNoShow(const schemas::Reservation& r) {
  End(r, std::nullopt, ReservationStatus::kNoShow);
}

void SagaCoordinator::End(const schemas::Reservation& r, const std::optional<ReplyTo>& reply,
                          ReservationStatus outcome) {
  std::string id = SagaIdOf(r.reservation_id);
  // A settled saga comes back to life to compensate every participant.
  if (r.status == ReservationStatus::kConfirmed && !saga_.Knows(id))
    saga_.Revive(SettledRecordOf(r));
  saga_.End(r.vehicle, id, outcome, reply, [this, r, reply, outcome] {
    // The saga settled while this waited for its lane: a confirmed
    // reservation is ended from its record now, anything else answers.
    auto now = book_.Get(r.vehicle, r.reservation_id);
    if (now && now->status == ReservationStatus::kConfirmed) {
      End(*now, reply, outcome);
    } else if (reply) {
      AnswerFromRecord(r, *reply, outcome);
    }
  });
}

void SagaCoordinator::AnswerFromRecord(const schemas::Reservation& before, const ReplyTo& reply,
                                       schemas::ReservationStatus wanted) {
  auto now = book_.Get(before.vehicle, before.reservation_id);
  if (now && now->status == wanted) {
    Reply(*now, reply);
  } else if (now && wanted == ReservationStatus::kConfirmed) {
    ReplyError(engine::RefusedConfirm(now->reservation_id, now->status), reply);
  } else if (now) {
    ReplyError(Error{Errc::kConflict,
                     "reservation " + now->reservation_id + " is " +
                         std::string(schemas::ReservationStatusName(now->status)),
                     "reservation_id"},
               reply);
  } else {
    ReplyError(now.error(), reply);
  }
}

std::optional<schemas::Reservation> SagaCoordinator::InFlight(const std::string& id) const {
  auto r = saga_.Find(SagaIdOf(id));
  if (!r) return std::nullopt;
  return ReservationOf(*r);
}

std::optional<schemas::Reservation> SagaCoordinator::InFlightByRequest(
    const std::string& vehicle, const std::string& request_id) const {
  auto r = saga_.ByRequest(vehicle, request_id);
  if (!r) return std::nullopt;
  return ReservationOf(*r);
}

void SagaCoordinator::OnChanged(const std::string& from, const schemas::SagaChanged& msg,
                                const StopChanged& changed, const std::function<void()>& taken) {
  auto applied = std::make_shared<std::vector<ReservationBook::Displaced>>();
  auto change = [this, from, msg, applied](SagaRecord& rec) {
    auto r = schemas::Decode<schemas::Reservation>(rec.body);
    if (!r) return false;
    FoldHeld(*r, rec.parts);
    *applied = ApplyChanges(*r, from, msg);
    if (applied->empty()) return false;
    rec.body = schemas::Encode(*r);
    for (auto& [company, part] : rec.parts) part.held.clear();  // folded into the body
    return true;
  };
  auto then = [this, applied, changed, taken](const SagaRecord& rec, bool moved) {
    taken();  // stored, or seen before
    if (!moved) return;
    auto r = ReservationOf(rec);
    for (const auto& d : *applied) changed(r, d);
  };
  auto unknown = [this, from, msg, changed, taken] {
    if (msg.changes.empty() || msg.saga_id.size() < 2) {
      taken();
      return;
    }
    auto r = book_.Get(msg.changes.front().vehicle, ReservationIdOf(msg.saga_id));
    auto applied = r ? ApplyChanges(*r, from, msg) : std::vector<ReservationBook::Displaced>();
    if (applied.empty()) {
      // Seen before, or no saga of ours; unless the store failed to say.
      if (r || r.error().code == Errc::kNotFound) taken();
      return;
    }
    if (auto st = book_.Record(*r, ""); !st) {
      runtime::Log(runtime::LogLevel::kError, "saga {}: cannot store a moved stop: {}", msg.saga_id,
                   st.error().message);
      return;
    }
    taken();
    for (const auto& d : applied) changed(*r, d);
  };
  saga_.Amend(msg.saga_id, std::move(change), std::move(then), std::move(unknown));
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

}  // namespace tripmesh::company
