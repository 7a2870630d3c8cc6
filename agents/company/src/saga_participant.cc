#include "saga_participant.h"

#include <fmt/format.h>

#include "tripmesh/base/ids.h"
#include "tripmesh/core/planner.h"
#include "tripmesh/runtime/log.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::company {
namespace {

using schemas::SagaAck;
using schemas::SagaPhase;

}  // namespace

SagaParticipant::SagaParticipant(std::string company, const WorldView& world, ReservationBook& book,
                                 runtime::Store& store, const core::Clock& clock)
    : company_(std::move(company)), world_(world), book_(book), store_(store), clock_(clock) {}

// A part as stored: its holds and refusal are those of the ack it sent. A
// state this code does not know (a newer version's) is taken as aborted:
// requests for it are refused and it holds nothing.
SagaParticipant::Part SagaParticipant::PartOf(const records::PartRow& row) {
  Part p{.saga_id = row.saga_id,
         .coordinator = row.coordinator,
         .reservation_id = row.reservation_id,
         .vehicle = row.vehicle,
         .state = ParsePartState(row.state).value_or(PartState::kAborted),
         .expires_at = row.expires_at};
  if (auto ack = schemas::Decode<SagaAck>(row.ack)) {
    for (const auto& h : ack->holds) {
      p.slots.push_back({h.station, h.point, h.start_at, h.end_at});
      p.prices.push_back(h.price);
    }
    p.code = ack->code;
    p.detail = ack->detail;
  }
  return p;
}

Status SagaParticipant::Load() {
  std::vector<Part> loaded;
  auto st = store_.Write([&](runtime::Tx& tx) -> Status {
    if (auto s = records::CreateTables(tx); !s) return s;
    return records::SelectParts(
        tx, std::string(PartStateName(PartState::kHeld)),
        [&](const records::PartRow& row) { loaded.push_back(PartOf(row)); });
  });
  if (!st) return st;
  for (const auto& p : loaded) Keep(p);
  return {};
}

// Held parts live in memory (they expire on their own); settled ones are read
// from the store when a repeated message asks, so memory stays flat however
// many sagas have passed.
Result<std::optional<SagaParticipant::Part>> SagaParticipant::Find(
    const std::string& saga_id) const {
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(saga_id);
    if (it != held_.end()) return it->second;
  }
  std::optional<Part> found;
  auto st = store_.Read([&](runtime::Tx& tx) {
    return records::SelectPart(tx, saga_id,
                               [&](const records::PartRow& row) { found = PartOf(row); });
  });
  if (!st) return tl::unexpected<Error>(st.error());
  return found;
}

Status SagaParticipant::FollowOutage(runtime::Tx& tx,
                                     std::vector<ReservationBook::Displaced>& displaced) {
  if (auto st = FollowParts(tx, displaced); !st) return st;
  // One saga.changed per saga, kept until its coordinator takes it.
  std::map<std::string, records::OutboxRow> rows;
  std::map<std::string, schemas::SagaChanged> msgs;
  for (const auto& d : displaced) {
    if (d.coordinator.empty()) continue;  // a local reservation's stop
    auto& msg = msgs[d.owner];
    if (msg.saga_id.empty()) {
      msg.saga_id = d.owner;
      msg.change_id = "c-" + RandomHex();
      msg.reason = d.reason;
      rows[d.owner] = {
          .change_id = msg.change_id, .saga_id = d.owner, .coordinator = d.coordinator};
    }
    msg.changes.push_back({.reservation_id = d.reservation_id,
                           .vehicle = d.vehicle,
                           .station = d.station,
                           .from_point = d.from_point,
                           .to_point = d.to_point,
                           .start_at = d.start_at,
                           .end_at = d.end_at});
  }
  for (auto& [saga_id, row] : rows) {
    row.payload = schemas::Encode(msgs[saga_id]);
    if (auto st = records::InsertOutbox(tx, row); !st) return st;
  }
  return {};
}

std::vector<records::OutboxRow> SagaParticipant::Outbox() const {
  std::vector<records::OutboxRow> out;
  auto st = store_.Read([&](runtime::Tx& tx) {
    return records::SelectOutbox(tx, [&](const records::OutboxRow& row) { out.push_back(row); });
  });
  if (!st)
    runtime::Log(runtime::LogLevel::kWarn, "cannot read the saga outbox: {}", st.error().message);
  return out;
}

void SagaParticipant::Delivered(const std::string& change_id) {
  auto st = store_.Write([&](runtime::Tx& tx) { return records::DeleteOutbox(tx, change_id); });
  if (!st) {
    runtime::Log(runtime::LogLevel::kWarn, "cannot clear {} from the saga outbox: {}", change_id,
                 st.error().message);
  }
}

Status SagaParticipant::FollowParts(runtime::Tx& tx,
                                    std::vector<ReservationBook::Displaced>& displaced) {
  for (auto& d : displaced) {
    if (!d.reservation_id.empty()) continue;  // a local reservation's
    std::optional<Part> part;
    auto st =
        records::SelectPart(tx, d.owner, [&](const records::PartRow& row) { part = PartOf(row); });
    if (!st) return st;
    if (!part) continue;
    d.reservation_id = part->reservation_id;
    d.vehicle = part->vehicle;
    d.coordinator = part->coordinator;
    // A lost slot leaves the part: a later commit books the others.
    for (std::size_t i = part->slots.size(); i-- > 0;) {
      auto& slot = part->slots[i];
      if (slot.station != d.station || slot.point != d.from_point || slot.start_at != d.start_at)
        continue;
      if (!d.to_point.empty()) {
        slot.point = d.to_point;
      } else {
        part->slots.erase(part->slots.begin() + static_cast<std::ptrdiff_t>(i));
        if (i < part->prices.size())
          part->prices.erase(part->prices.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    if (auto w = WritePart(tx, *part); !w) return w;
    std::lock_guard lock(mu_);
    if (auto it = held_.find(part->saga_id); it != held_.end()) {
      it->second.slots = part->slots;
      it->second.prices = part->prices;
    }
  }
  return {};
}

void SagaParticipant::Keep(const Part& p) {
  std::lock_guard lock(mu_);
  bool held = p.state == PartState::kHeld;
  if (held) {
    held_[p.saga_id] = p;
  } else {
    held_.erase(p.saga_id);
  }
  expiries_.Set(p.saga_id, held ? p.expires_at : std::nullopt);
}

Status SagaParticipant::WritePart(runtime::Tx& tx, const Part& p, const Also* also) const {
  std::string ack = schemas::Encode(
      p.code ? Refuse(p.saga_id, SagaPhase::kRequest, *p.code, p.detail) : RequestAck(p));
  if (also && also->write) {
    if (auto st = also->write(tx); !st) return st;
  }
  return records::UpsertPart(tx, {.saga_id = p.saga_id,
                                  .coordinator = p.coordinator,
                                  .reservation_id = p.reservation_id,
                                  .vehicle = p.vehicle,
                                  .state = std::string(PartStateName(p.state)),
                                  .expires_at = p.expires_at,
                                  .ack = std::move(ack)});
}

SagaAck SagaParticipant::RequestAck(const Part& p) const {
  SagaAck a;
  a.saga_id = p.saga_id;
  a.phase = SagaPhase::kRequest;
  a.ok = true;
  for (std::size_t i = 0; i < p.slots.size(); ++i) {
    const auto& s = p.slots[i];
    a.holds.push_back({fmt::format("{}-{}", p.saga_id, i), s.station, s.point, s.start_at, s.end_at,
                       p.prices[i]});
  }
  a.expires_at = p.expires_at;
  return a;
}

SagaAck SagaParticipant::Refuse(const std::string& saga_id, SagaPhase phase, Errc code,
                                std::string detail) const {
  SagaAck a;
  a.saga_id = saga_id;
  a.phase = phase;
  a.ok = false;
  a.code = code;
  a.detail = std::move(detail);
  return a;
}

void SagaParticipant::Changed(const Part& p) {
  if (listener_) {
    std::string detail = "saga " + p.saga_id + " of " + p.coordinator;
    if (!p.detail.empty()) detail += ": " + p.detail;
    listener_({.reservation_id = p.reservation_id.empty() ? p.saga_id : p.reservation_id,
               .vehicle = p.vehicle,
               .state = "participant." + std::string(PartStateName(p.state)),
               .detail = detail});
  }
}

class SagaParticipant::Keeper {
 public:
  using Part = SagaParticipant::Part;
  using Request = schemas::SagaRequest;
  using Ack = SagaAck;

  explicit Keeper(SagaParticipant& p) : p_(p) {}

  Result<std::optional<Part>> Find(const std::string& saga_id) { return p_.Find(saga_id); }

  static engine::PartNow StateOf(const Part& part) {
    return {.state = part.state,
            .coordinator = part.coordinator,
            .hold_until = part.expires_at,
            .code = part.code,
            .detail = part.detail};
  }

  Ack Holding(const engine::PartMessage&, const Part& part) { return p_.RequestAck(part); }

  Ack Hold(const engine::PartMessage& m, const Request& req) {
    Part p{.saga_id = m.saga_id,
           .coordinator = m.from,
           .reservation_id = req.reservation_id,
           .vehicle = req.vehicle,
           .state = PartState::kHeld};
    p.expires_at = p_.clock_.Now() + std::min(req.hold_ttl_s, kMaxHoldTtlS);
    std::vector<ReservationBook::Slot> wanted;
    for (const auto& i : req.items) wanted.push_back({i.station, i.point, i.start_at, i.end_at});
    auto placed = p_.book_.PlaceSlots(
        m.saga_id, wanted, p.expires_at, false,
        [&](runtime::Tx& tx, const std::vector<ReservationBook::Slot>& slots) -> Status {
          p.slots = slots;
          if (auto priced = Price(req, slots, p.prices); !priced) return priced;
          return p_.WritePart(tx, p, m.joined);
        });
    if (placed) {
      p.slots = *placed;
    } else {
      // Nothing stored: a retry may succeed.
      if (placed.error().code == Errc::kInternal) return Refuse(m, placed.error());
      // Refused for good: the same answer to a repeat, after a restart too.
      p.state = PartState::kRefused;
      p.expires_at.reset();
      p.code = placed.error().code;
      p.detail = ForRequester(placed.error()).message;
      auto st = p_.store_.Write([&](runtime::Tx& tx) { return p_.WritePart(tx, p, m.joined); });
      if (!st) return Refuse(m, st.error());
    }
    p_.Settled(p, m.joined);
    return p.code ? p_.Refuse(p.saga_id, SagaPhase::kRequest, *p.code, p.detail) : p_.RequestAck(p);
  }

  Ack Book(const engine::PartMessage& m, const Part& found, bool lapsed) {
    Part p = found;
    if (lapsed && p.state == PartState::kHeld) {
      p_.Expire(p.saga_id);  // its points go back before they are taken again
      auto now = p_.Find(m.saga_id);
      if (!now || !*now) return Refuse(m, Error{Errc::kInternal, "the company's store failed"});
      p = **now;
      lapsed = p.state != PartState::kHeld;
    }
    p.expires_at.reset();
    if (lapsed) {
      if (!p_.Rehold(p, m.joined)) {
        return p_.Refuse(m.saga_id, SagaPhase::kCommit, Errc::kExpired,
                         "the hold of saga " + m.saga_id + " expired and its points were taken");
      }
    } else {
      p.state = PartState::kCommitted;
      auto st = p_.book_.BookSlots(p.saga_id, p.slots,
                                   [&](runtime::Tx& tx) { return p_.WritePart(tx, p, m.joined); });
      if (!st) return Refuse(m, st.error());
    }
    p_.Settled(p, m.joined);
    return Done(m);
  }

  Ack Release(const engine::PartMessage& m, const Part& found, bool lapsed) {
    Part p = found;
    p.state = PartState::kCompensated;
    p.expires_at.reset();
    p.detail = m.reason;
    // A lapsed hold's points went back when it expired.
    auto st = lapsed
                  ? p_.store_.Write([&](runtime::Tx& tx) { return p_.WritePart(tx, p, m.joined); })
                  : p_.book_.ReleaseSlots(p.saga_id, p.slots, [&](runtime::Tx& tx) {
                      return p_.WritePart(tx, p, m.joined);
                    });
    if (!st) return Refuse(m, st.error());
    p_.Settled(p, m.joined);
    return Done(m);
  }

  Ack RememberAbort(const engine::PartMessage& m) {
    Part p{.saga_id = m.saga_id,
           .coordinator = m.from,
           .state = PartState::kAborted,
           .code = Errc::kConflict,
           .detail = "aborted before its request arrived: " + m.reason};
    auto st = p_.store_.Write([&](runtime::Tx& tx) { return p_.WritePart(tx, p, m.joined); });
    if (!st) return Refuse(m, st.error());
    p_.Settled(p, m.joined);
    return Done(m);
  }

  static Ack Done(const engine::PartMessage& m) {
    return {.saga_id = m.saga_id, .phase = m.phase, .ok = true};
  }

  Ack Refuse(const engine::PartMessage& m, const Error& e) {
    return p_.Refuse(m.saga_id, m.phase, e.code, ForRequester(e).message);
  }

 private:
  // The price of each slot. Under the stations' locks: a station is removed
  // from the catalogue only after its points are blocked.
  Status Price(const Request& req, const std::vector<ReservationBook::Slot>& slots,
               std::vector<double>& prices) const {
    prices.clear();
    auto world = p_.world_.Now();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      const schemas::Station* st = world->FindStation(slots[i].station);
      if (!st)
        return Fail(Errc::kNotFound, "no station " + slots[i].station + " at " + p_.company_);
      for (const auto& pt : st->points) {
        if (pt.id != slots[i].point) continue;
        prices.push_back(core::PriceOf(*st, pt, req.items[i].kwh,
                                       slots[i].end_at - slots[i].start_at, slots[i].start_at));
      }
    }
    return {};
  }

  SagaParticipant& p_;
};

SagaAck SagaParticipant::Run(const engine::PartMessage& m, const schemas::SagaRequest* request) {
  Keeper keeper(*this);
  return engine::RunPart(keeper, m, request, clock_.Now());
}

SagaAck SagaParticipant::OnRequest(const std::string& coordinator, const schemas::SagaRequest& req,
                                   Also* also) {
  return Run({.phase = SagaPhase::kRequest,
              .saga_id = req.saga_id,
              .from = coordinator,
              .reason = "",
              .joined = also},
             &req);
}

SagaAck SagaParticipant::OnCommit(const std::string& coordinator, const schemas::SagaCommit& msg,
                                  Also* also) {
  return Run({.phase = SagaPhase::kCommit,
              .saga_id = msg.saga_id,
              .from = coordinator,
              .reason = "",
              .joined = also},
             nullptr);
}

SagaAck SagaParticipant::OnCompensate(const std::string& coordinator,
                                      const schemas::SagaCompensate& msg, Also* also) {
  return Run({.phase = SagaPhase::kCompensate,
              .saga_id = msg.saga_id,
              .from = coordinator,
              .reason = msg.reason,
              .joined = also},
             nullptr);
}

bool SagaParticipant::Rehold(Part& p, const Also* also) {
  p.state = PartState::kCommitted;
  p.expires_at.reset();
  auto placed = book_.PlaceSlots(p.saga_id, p.slots, std::nullopt, true,
                                 [&](runtime::Tx& tx, const std::vector<ReservationBook::Slot>&) {
                                   return WritePart(tx, p, also);
                                 });
  return placed.has_value();
}

void SagaParticipant::Settled(const Part& p, Also* also) {
  if (also) also->done = true;
  Keep(p);
  Changed(p);
}

std::vector<std::string> SagaParticipant::DueHolds() const {
  std::lock_guard lock(mu_);
  return expiries_.Due(clock_.Now());
}

void SagaParticipant::Expire(const std::string& saga_id) {
  auto found = Find(saga_id);
  if (!found || !*found || (*found)->state != PartState::kHeld || !(*found)->expires_at ||
      *(*found)->expires_at > clock_.Now()) {
    return;
  }
  Part p = **found;
  p.state = PartState::kExpired;
  auto st =
      book_.ReleaseSlots(p.saga_id, p.slots, [&](runtime::Tx& tx) { return WritePart(tx, p); });
  if (!st) return;
  Settled(p, nullptr);
}

}  // namespace tripmesh::company
