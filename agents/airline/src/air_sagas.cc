#include "air_sagas.h"

#include "tripmesh/air/seat_book.h"
#include "tripmesh/engine/sale.h"
#include "tripmesh/runtime/log.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::airline {
namespace {

using engine::ReservationIdOf;
using engine::SagaIdOf;
using schemas::AirReservation;
using schemas::AirSagaAck;
using schemas::ReservationStatus;
using schemas::SagaPhase;

// A settled itinerary leaves memory: the store has it, and memory stays
// flat however many are sold. The home airline's own part runs in process.
engine::SagaOptions Settling(engine::SagaOptions o, const std::string& self) {
  o.keep_settled = false;
  o.self = self;
  return o;
}

engine::PartAnswer AnswerOf(const AirSagaAck& ack) {
  bool held = ack.ok && ack.phase == SagaPhase::kRequest;
  return {.ok = ack.ok,
          .code = ack.code,
          .detail = ack.detail,
          .held = held ? schemas::Encode(ack) : "",
          .expires_at = ack.expires_at};
}

}  // namespace

AirSagas::AirSagas(std::string self, SeatSales& sales, engine::Services& services,
                   TimetableSource timetable, AirSagaOptions options)
    : self_(std::move(self)),
      sales_(sales),
      services_(services),
      timetable_(std::move(timetable)),
      options_(std::move(options)),
      saga_(
          services.store, services.clock, Settling(options_.saga, self_),
          engine::Saga::Hooks{
              .send = [this](const engine::SagaRecord& r, const std::string& p,
                             SagaPhase phase) { Send(r, p, phase); },
              .reply = [this](const engine::SagaRecord& r,
                              const engine::ReplyTo& to) { Answer(r, to); },
              .reply_error = [this](const Error& e,
                                    const engine::ReplyTo& to) { AnswerError(e, to); },
              .post = [this](const std::string& key,
                             std::function<void()> task) { services_.post(key, std::move(task)); },
              .changed = {},
              .own =
                  [this](const engine::SagaRecord& r, SagaPhase phase,
                         engine::JoinedWrite* joined) {
                    return AnswerOf(RunLocal(r, phase, joined));
                  },
              .persist = {}}) {}

Status AirSagas::Load() { return saga_.Load(); }

Status AirSagas::Reserve(const air::Timetable& timetable, const std::string& passenger,
                         const schemas::AirReserveRequest& request, const engine::ReplyTo& reply) {
  Time now = services_.clock.Now();
  std::string id = NewReservationId();
  AirReservation draft{.reservation_id = id,
                       .request_id = request.request_id,
                       .passenger = passenger,
                       .status = ReservationStatus::kHeld,
                       .created_at = now,
                       .expires_at = std::nullopt,
                       .passengers = request.passengers,
                       .price = 0,
                       .currency = "BRL",
                       .legs = {}};
  std::map<std::string, schemas::AirSagaRequest> parts;  // by airline
  for (const auto& want : request.legs) {
    auto leg = air::DraftLeg(timetable, want, now);
    if (!leg) return tl::unexpected<Error>(leg.error());
    parts[leg->airline].legs.push_back(want);
    draft.legs.push_back(std::move(*leg));
  }
  draft.price = air::TotalPrice(draft);
  engine::SagaRecord r;
  r.saga_id = SagaIdOf(id);
  r.requester = passenger;
  r.request_id = request.request_id;
  r.hold_only = request.hold_only;
  r.created_at = now;
  r.body = schemas::Encode(draft);
  for (auto& [airline, part] : parts) {
    part.saga_id = r.saga_id;
    part.reservation_id = id;
    part.passenger = passenger;
    part.passengers = request.passengers;
    part.hold_ttl_s = request.hold_only ? options_.hold_ttl_s : options_.commit_hold_ttl_s;
    r.parts[airline] = {schemas::Encode(part), ""};
  }
  services_.count("sagas.started", 1);
  saga_.Start(std::move(r), reply);
  return {};
}

std::optional<engine::SagaRecord> AirSagas::Recall(const std::string& reservation_id) const {
  auto r = saga_.Recall(SagaIdOf(reservation_id));
  if (!r) {
    runtime::Log(runtime::LogLevel::kError, "cannot read itinerary {}: {}", reservation_id,
                 r.error().message);
    return std::nullopt;
  }
  return *r;
}

bool AirSagas::Coordinates(const std::string& reservation_id) const {
  return Recall(reservation_id).has_value();
}

engine::Reply AirSagas::Confirm(const std::string& passenger, const schemas::ReservationRef& ref,
                                const engine::ReplyTo& reply) {
  saga_.Confirm(passenger, SagaIdOf(ref.reservation_id), reply, [this, passenger, ref, reply] {
    AnswerSettled(passenger, ref.reservation_id, ReservationStatus::kConfirmed, reply);
  });
  return {"", std::nullopt, true};
}

engine::Reply AirSagas::Cancel(const std::string& passenger, const schemas::ReservationRef& ref,
                               const engine::ReplyTo& reply) {
  End(passenger, ref.reservation_id, reply, IfSettled::kRevive);
  return {"", std::nullopt, true};
}

// A confirmed itinerary that left memory comes back to be undone.
void AirSagas::End(const std::string& passenger, const std::string& reservation_id,
                   const engine::ReplyTo& reply, IfSettled if_settled) {
  saga_.End(passenger, SagaIdOf(reservation_id), ReservationStatus::kCancelled, reply,
            [this, passenger, reservation_id, reply, if_settled] {
              auto r = Recall(reservation_id);
              bool undoable = r && r->requester == passenger &&
                              r->step == engine::SagaStep::kDone &&
                              r->Status() == ReservationStatus::kConfirmed;
              if (undoable && if_settled == IfSettled::kRevive) {
                saga_.Revive(std::move(*r));
                End(passenger, reservation_id, reply, IfSettled::kAnswer);
                return;
              }
              AnswerSettled(passenger, reservation_id, ReservationStatus::kCancelled, reply);
            });
}

// For a settled itinerary not in memory: itself when it stands as `wanted`,
// else conflict (not_found for none of the passenger's).
void AirSagas::AnswerSettled(const std::string& passenger, const std::string& reservation_id,
                             ReservationStatus wanted, const engine::ReplyTo& reply) {
  auto r = Recall(reservation_id);
  if (!r || r->requester != passenger) {
    AnswerError(Error{Errc::kNotFound, "no such reservation of " + passenger, ""}, reply);
  } else if (r->Status() == wanted) {
    Answer(*r, reply);
  } else if (wanted == ReservationStatus::kConfirmed) {
    AnswerError(engine::RefusedConfirm(reservation_id, r->Status()), reply);
  } else {
    AnswerError(
        Error{Errc::kConflict,
              "the reservation is " + std::string(schemas::ReservationStatusName(r->Status())),
              "reservation_id"},
        reply);
  }
}

std::optional<AirReservation> AirSagas::Get(const std::string& passenger,
                                            const std::string& reservation_id) const {
  auto r = Recall(reservation_id);
  if (!r || r->requester != passenger) return std::nullopt;
  return View(*r);
}

std::optional<AirReservation> AirSagas::ByRequest(const std::string& passenger,
                                                  const std::string& request_id) const {
  auto r = saga_.RecallByRequest(passenger, request_id);
  if (!r || !*r) return std::nullopt;
  return View(**r);
}

std::vector<AirReservation> AirSagas::Of(const std::string& passenger) const {
  std::vector<AirReservation> out;
  auto all = saga_.RecallOf(passenger);
  if (!all) {
    runtime::Log(runtime::LogLevel::kError, "cannot read {}'s itineraries: {}", passenger,
                 all.error().message);
    return out;
  }
  for (const auto& r : *all) out.push_back(View(r));
  return out;
}

AirReservation AirSagas::View(const engine::SagaRecord& r) {
  auto draft = schemas::Decode<AirReservation>(r.body);
  AirReservation v = draft ? std::move(*draft) : AirReservation{};
  v.status = r.Status();
  v.expires_at = v.status == ReservationStatus::kHeld ? r.expires_at : std::nullopt;
  for (const auto& [airline, part] : r.parts) {
    auto ack = part.held.empty() ? Result<AirSagaAck>(Fail(Errc::kNotFound, ""))
                                 : schemas::Decode<AirSagaAck>(part.held);
    if (!ack) continue;
    for (const auto& held : ack->legs) {
      for (auto& leg : v.legs) {
        if (leg.leg_id != held.leg_id) continue;
        leg.seats = held.seats;
        leg.price = held.price;
        leg.cabin = held.cabin;
      }
    }
  }
  v.price = air::TotalPrice(v);
  return v;
}

void AirSagas::Answer(const engine::SagaRecord& r, const engine::ReplyTo& to) {
  if (r.Status() == ReservationStatus::kFailed) {
    AnswerError(r.error.value_or(Error{Errc::kUnavailable, "the itinerary could not be held", ""}),
                to);
    return;
  }
  AirReservation v = View(r);
  v.request_id = to.request_id;
  services_.send({.topic = to.topic,
                  .payload = schemas::Encode(v),
                  .qos = 1,
                  .retain = false,
                  .response_topic = "",
                  .correlation_data = to.correlation});
}

void AirSagas::AnswerError(const Error& e, const engine::ReplyTo& to) {
  services_.send({.topic = to.topic,
                  .payload = schemas::Encode(schemas::ErrorReply{to.request_id, e}),
                  .qos = 1,
                  .retain = false,
                  .response_topic = "",
                  .correlation_data = to.correlation});
}

void AirSagas::Send(const engine::SagaRecord& r, const std::string& participant, SagaPhase phase) {
  std::string payload;
  if (phase == SagaPhase::kRequest) {
    payload = r.parts.at(participant).request;
  } else if (phase == SagaPhase::kCommit) {
    payload = schemas::Encode(schemas::SagaCommit{r.saga_id});
  } else {
    payload = schemas::Encode(
        schemas::SagaCompensate{r.saga_id, std::string(schemas::ReservationStatusName(
                                               r.outcome.value_or(ReservationStatus::kFailed)))});
  }
  services_.send({.topic = topics::Saga(participant, self_, engine::SagaKindOf(phase)),
                  .payload = std::move(payload)});
}

AirSagaAck AirSagas::RunLocal(const engine::SagaRecord& r, SagaPhase phase,
                              engine::JoinedWrite* joined) {
  if (phase == SagaPhase::kCompensate) return sales_.ReleasePart(self_, r.saga_id, joined);
  auto timetable = timetable_();
  if (timetable && phase == SagaPhase::kCommit) {
    return sales_.CommitPart(**timetable, self_, r.saga_id, joined);
  }
  auto request = schemas::Decode<schemas::AirSagaRequest>(r.parts.at(self_).request);
  if (!request || !timetable) {
    return {.saga_id = r.saga_id,
            .phase = phase,
            .ok = false,
            .code = Errc::kInternal,
            .detail = "the airline cannot read its own part",
            .expires_at = std::nullopt,
            .legs = {}};
  }
  return sales_.HoldPart(**timetable, self_, *request, joined);
}

void AirSagas::Acked(const std::string& from, const AirSagaAck& ack) {
  saga_.OnAck(from, ack.saga_id, ack.phase, AnswerOf(ack));
}

Status AirSagas::OnMessage(const std::string& from, topics::SagaKind kind,
                           std::string_view payload) {
  auto answer = [this, from](const AirSagaAck& ack) {
    services_.send({.topic = topics::Saga(from, self_, topics::SagaKind::kAck),
                    .payload = schemas::Encode(ack)});
  };
  switch (kind) {
    case topics::SagaKind::kAck: {
      auto ack = schemas::Decode<AirSagaAck>(payload);
      if (!ack) return tl::unexpected<Error>(ack.error());
      Acked(from, *ack);
      return {};
    }
    case topics::SagaKind::kRequest: {
      auto request = schemas::Decode<schemas::AirSagaRequest>(payload);
      if (!request) return tl::unexpected<Error>(request.error());
      std::string key = request->saga_id;  // before the task takes the request
      services_.post(key, [this, answer, from, request = std::move(*request)] {
        auto timetable = timetable_();
        if (timetable) answer(sales_.HoldPart(**timetable, from, request));
      });
      return {};
    }
    case topics::SagaKind::kCommit: {
      auto commit = schemas::Decode<schemas::SagaCommit>(payload);
      if (!commit) return tl::unexpected<Error>(commit.error());
      services_.post(commit->saga_id, [this, answer, from, id = commit->saga_id] {
        auto timetable = timetable_();
        if (timetable) answer(sales_.CommitPart(**timetable, from, id));
      });
      return {};
    }
    case topics::SagaKind::kCompensate: {
      auto release = schemas::Decode<schemas::SagaCompensate>(payload);
      if (!release) return tl::unexpected<Error>(release.error());
      services_.post(release->saga_id, [this, answer, from, id = release->saga_id] {
        answer(sales_.ReleasePart(from, id));
      });
      return {};
    }
    default:
      return Fail(Errc::kUnknownOp,
                  "airlines send no " + std::string(topics::SagaKindName(kind)) + " messages");
  }
}

}  // namespace tripmesh::airline
