#include "company_core.h"

#include <map>
#include <type_traits>
#include <variant>

#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {

Result<std::unique_ptr<CompanyCore>> CompanyCore::Load(CoreOptions options,
                                                       const core::World& world,
                                                       runtime::Store& store,
                                                       const core::Clock& clock, Peers* peers,
                                                       CoreHooks hooks) {
  std::unique_ptr<CompanyCore> c(new CompanyCore(std::move(options), clock, std::move(hooks)));
  const std::string& id = c->options_.id;
  auto network = Network::Load(id, world, store);
  if (!network) return tl::unexpected<Error>(network.error());
  c->network_ = std::move(*network);
  const WorldView& view = c->network_->view();
  c->book_ = std::make_unique<ReservationBook>(id, view, store, clock);
  if (auto st = c->book_->Load(); !st) return tl::unexpected<Error>(st.error());
  c->book_->set_no_show_grace(c->options_.no_show_grace_s);
  c->book_->SetChangeListener([c = c.get()](const schemas::Reservation& r) {
    if (c->hooks_.reservation_changed) c->hooks_.reservation_changed(r);
  });
  c->participant_ = std::make_unique<SagaParticipant>(id, view, *c->book_, store, clock);
  if (auto st = c->participant_->Load(); !st) return tl::unexpected<Error>(st.error());
  c->participant_->SetListener(c->hooks_.saga_event);
  SagaCoordinator::Hooks saga;
  saga.publish = c->hooks_.publish;
  saga.post = c->hooks_.post;
  saga.changed = c->hooks_.saga_event;
  saga.participate = [c = c.get()](const LocalSagaMessage& msg, SagaParticipant::Also* also) {
    return c->Participate(msg, also);
  };
  c->coordinator_ = std::make_unique<SagaCoordinator>(id, *c->book_, store, clock, c->options_.saga,
                                                      std::move(saga));
  if (auto st = c->coordinator_->Load(); !st) return tl::unexpected<Error>(st.error());
  c->handlers_ = std::make_unique<Handlers>(id, view, *c->book_, clock, c->options_.hold_ttl_s,
                                            c->options_.plan_ttl_s, peers, c->coordinator_.get());
  c->book_->SetOutageListener(
      [c = c.get()](const schemas::Reservation& r, const ReservationBook::Displaced& d) {
        if (c->hooks_.stop_changed) c->hooks_.stop_changed(r, d);
      });
  Admin::Hooks admin{
      .also =
          [c = c.get()](runtime::Tx& tx, std::vector<ReservationBook::Displaced>& displaced) {
            return c->participant_->FollowOutage(tx, displaced);
          },
      .relay = [c = c.get()] { c->SendChanges(); },
      .catalogue_changed =
          [c = c.get()](const std::string& station) {
            if (c->hooks_.catalogue_changed) c->hooks_.catalogue_changed(station);
          }};
  c->admin_ = std::make_unique<Admin>(id, *c->network_, *c->book_, clock, std::move(admin));
  return c;
}

schemas::SagaAck CompanyCore::Participate(const LocalSagaMessage& msg,
                                          SagaParticipant::Also* also) {
  const std::string& self = options_.id;
  schemas::SagaAck ack = std::visit(
      [&](const auto& m) -> schemas::SagaAck {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, schemas::SagaRequest>) {
          return participant_->OnRequest(self, m, also);
        } else if constexpr (std::is_same_v<M, schemas::SagaCommit>) {
          return participant_->OnCommit(self, m, also);
        } else {
          return participant_->OnCompensate(self, m, also);
        }
      },
      msg);
  if (hooks_.acked) hooks_.acked(ack);
  return ack;
}

void CompanyCore::SendChanges() {
  for (const auto& row : participant_->Outbox()) {
    if (row.coordinator != options_.id) {
      // On the saga's lane, so never before the ack of the request whose
      // holds it moves: that lane may still be about to send it, and the
      // coordinator takes an ack's holds over what it knew, so a change
      // heard before the ack would be undone by it.
      hooks_.post(row.saga_id, [this, row] {
        hooks_.publish(
            {.topic = topics::Saga(row.coordinator, options_.id, topics::SagaKind::kChanged),
             .payload = row.payload});
      });
      continue;
    }
    auto msg = schemas::Decode<schemas::SagaChanged>(row.payload);
    if (!msg) continue;
    coordinator_->OnChanged(options_.id, *msg, StopListener(),
                            [this, id = row.change_id] { participant_->Delivered(id); });
  }
}

SagaCoordinator::StopChanged CompanyCore::StopListener() {
  return [this](const schemas::Reservation& r, const ReservationBook::Displaced& d) {
    if (hooks_.stop_changed) hooks_.stop_changed(r, d);
  };
}

Status CompanyCore::OnSagaMessage(const std::string& from, topics::SagaKind kind,
                                  std::string_view payload) {
  using topics::SagaKind;
  if (kind == SagaKind::kChanged) {
    auto changed = schemas::Decode<schemas::SagaChanged>(payload);
    if (!changed) return tl::unexpected<Error>(changed.error());
    schemas::SagaAck taken{.saga_id = changed->saga_id,
                           .phase = schemas::SagaPhase::kChanged,
                           .ok = true,
                           .change_id = changed->change_id};
    coordinator_->OnChanged(from, *changed, StopListener(), [this, from, taken] {
      hooks_.publish({.topic = topics::Saga(from, options_.id, SagaKind::kAck),
                      .payload = schemas::Encode(taken)});
    });
    return {};
  }
  if (kind == SagaKind::kAck) {
    auto ack = schemas::Decode<schemas::SagaAck>(payload);
    if (!ack) return tl::unexpected<Error>(ack.error());
    if (ack->phase == schemas::SagaPhase::kChanged) {
      // The participant's outbox: a store write, so on the saga's lane.
      hooks_.post(ack->saga_id, [this, id = ack->change_id] { participant_->Delivered(id); });
    } else {
      coordinator_->OnAck(from, *ack);
    }
    return {};
  }
  std::string saga_id;
  std::function<schemas::SagaAck()> handle;
  if (kind == SagaKind::kRequest) {
    auto req = schemas::Decode<schemas::SagaRequest>(payload);
    if (!req) return tl::unexpected<Error>(req.error());
    saga_id = req->saga_id;
    handle = [this, from, req = *req] { return participant_->OnRequest(from, req); };
  } else if (kind == SagaKind::kCommit) {
    auto c = schemas::Decode<schemas::SagaCommit>(payload);
    if (!c) return tl::unexpected<Error>(c.error());
    saga_id = c->saga_id;
    handle = [this, from, c = *c] { return participant_->OnCommit(from, c); };
  } else {
    auto c = schemas::Decode<schemas::SagaCompensate>(payload);
    if (!c) return tl::unexpected<Error>(c.error());
    saga_id = c->saga_id;
    handle = [this, from, c = *c] { return participant_->OnCompensate(from, c); };
  }
  hooks_.post(saga_id, [this, from, handle = std::move(handle)] {
    schemas::SagaAck ack = handle();
    if (hooks_.acked) hooks_.acked(ack);
    hooks_.publish({.topic = topics::Saga(from, options_.id, SagaKind::kAck),
                    .payload = schemas::Encode(ack)});
  });
  return {};
}

void CompanyCore::Tick() {
  book_->ExpireHolds();
  // On the vehicle's lane, so a late check-in and the no-show never cross.
  for (const auto& due : book_->DueNoShows(clock_.Now())) {
    hooks_.post(due.first, [this, due] { handlers_->EndNoShow(due.first, due.second); });
  }
  for (const auto& saga : participant_->DueHolds()) {
    hooks_.post(saga, [this, saga] { participant_->Expire(saga); });
  }
  coordinator_->Tick();
  // Until each coordinator takes them (a lost message, a crash before sending).
  if (++ticks_ % kResendChangesEveryTicks == 0) SendChanges();
}

}  // namespace tripmesh::company
