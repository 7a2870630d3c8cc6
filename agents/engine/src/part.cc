#include "tripmesh/engine/part.h"

namespace tripmesh::engine {
namespace {

using schemas::SagaPhase;

PartDecision Refuse(Errc code, std::string detail) {
  return {.step = PartStep::kRefuse, .refusal = Error{code, std::move(detail)}};
}

PartDecision Step(PartStep step) { return {.step = step, .refusal = {}}; }

// Another coordinator's message: a commit finds no saga of its own, a request
// or compensation is not its to make.
PartDecision NotYours(SagaPhase phase, const std::string& saga_id, const std::string& from) {
  if (phase == SagaPhase::kCommit)
    return Refuse(Errc::kNotFound, "no saga " + saga_id + " from " + from);
  return Refuse(Errc::kForbidden, "saga " + saga_id + " belongs to another coordinator");
}

// saga.changed goes from a participant to its coordinator, never the other way.
PartDecision NotAPartsPhase() {
  return Refuse(Errc::kInvalidRequest, "a participant takes request, commit or compensate");
}

PartDecision OnRequest(const std::string& saga_id, const PartNow& p) {
  switch (p.state) {
    case PartState::kHeld:
    case PartState::kCommitted:
      return Step(PartStep::kAnswerHolding);
    case PartState::kRefused:
    case PartState::kAborted:
      if (p.code) return Refuse(*p.code, p.detail);
      break;
    case PartState::kCompensated:
    case PartState::kExpired:
      break;
  }
  return Refuse(Errc::kConflict, "saga " + saga_id + " was " + std::string(PartStateName(p.state)) +
                                     " before this request");
}

PartDecision OnCommit(const std::string& saga_id, const PartNow& p, Time now) {
  switch (p.state) {
    case PartState::kCommitted:
      return Step(PartStep::kAcknowledge);  // said twice
    case PartState::kHeld:
      return Step(p.hold_until && *p.hold_until <= now ? PartStep::kRehold : PartStep::kCommit);
    case PartState::kExpired:
      // The coordinator decided in time; only its message was late.
      return Step(PartStep::kRehold);
    case PartState::kRefused:
    case PartState::kAborted:
    case PartState::kCompensated:
      break;
  }
  return Refuse(Errc::kConflict, "saga " + saga_id + " is " + std::string(PartStateName(p.state)));
}

PartDecision OnCompensate(const PartNow& p) {
  switch (p.state) {
    case PartState::kHeld:
    case PartState::kCommitted:
      return Step(PartStep::kRelease);
    case PartState::kExpired:
      // Else a commit sent before this compensation, arriving after it,
      // would book again what the coordinator gave up.
      return Step(PartStep::kEndLapsed);
    case PartState::kRefused:
    case PartState::kAborted:
    case PartState::kCompensated:
      break;
  }
  return Step(PartStep::kAcknowledge);
}

}  // namespace

std::string_view PartStateName(PartState s) {
  switch (s) {
    case PartState::kHeld:
      return "held";
    case PartState::kCommitted:
      return "committed";
    case PartState::kRefused:
      return "refused";
    case PartState::kAborted:
      return "aborted";
    case PartState::kCompensated:
      return "compensated";
    case PartState::kExpired:
      return "expired";
  }
  return "aborted";
}

std::optional<PartState> ParsePartState(std::string_view name) {
  for (auto s : {PartState::kHeld, PartState::kCommitted, PartState::kRefused, PartState::kAborted,
                 PartState::kCompensated, PartState::kExpired}) {
    if (PartStateName(s) == name) return s;
  }
  return std::nullopt;
}

PartDecision DecidePart(SagaPhase phase, const std::string& saga_id, const std::string& from,
                        const std::optional<PartNow>& part, Time now) {
  if (!part) {
    switch (phase) {
      case SagaPhase::kRequest:
        return Step(PartStep::kHold);
      case SagaPhase::kCommit:
        return NotYours(phase, saga_id, from);
      case SagaPhase::kCompensate:
        return Step(PartStep::kRememberAbort);
      case SagaPhase::kChanged:
        break;
    }
    return NotAPartsPhase();
  }
  if (part->coordinator != from && part->coordinator != kAnyCoordinator) {
    return NotYours(phase, saga_id, from);
  }
  switch (phase) {
    case SagaPhase::kRequest:
      return OnRequest(saga_id, *part);
    case SagaPhase::kCommit:
      return OnCommit(saga_id, *part, now);
    case SagaPhase::kCompensate:
      return OnCompensate(*part);
    case SagaPhase::kChanged:
      break;
  }
  return NotAPartsPhase();
}

}  // namespace tripmesh::engine
