// The participant side of a saga (PROTOCOL.md "Saga") with nothing of what is
// sold in it: where one participant's part of a saga stands, and what a
// coordinator's request, commit or compensation makes of it. Each profile
// holds, books and releases its own goods; these rules, the same for both,
// decide which of those it does and what it refuses. A part answers only the
// coordinator that asked for it; a repeated message gets the same answer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::engine {

// The state of a participant's part in one saga, stored by name.
enum class PartState { kHeld, kCommitted, kRefused, kAborted, kCompensated, kExpired };
std::string_view PartStateName(PartState s);
std::optional<PartState> ParsePartState(std::string_view name);

// The coordinator of a part stored before parts named theirs: any may act on it.
inline constexpr std::string_view kAnyCoordinator = "*";

// A part as the participant has it.
struct PartNow {
  PartState state = PartState::kHeld;
  std::string coordinator;
  // Until when a held part's hold lasts (none: until the coordinator decides);
  // a commit after it books the same again only if it is still free.
  std::optional<Time> hold_until;
  // A refused or aborted part's answer to its request, given again.
  std::optional<Errc> code;
  std::string detail;
};

enum class PartStep {
  kHold,           // a first request: hold what it asks for, or refuse and remember why
  kAnswerHolding,  // a repeated request: what the part holds, as before
  kCommit,         // book what the part holds
  kRehold,         // a commit after the hold lapsed: book the same again if it is still free
  kRelease,        // give back what the part holds or booked
  // A compensation after the hold lapsed: nothing to give back, but the part
  // is compensated from now on, so a late commit is refused.
  kEndLapsed,
  kRememberAbort,  // a compensation before its request: refuse that request when it comes
  kAcknowledge,    // nothing to change: answer ok
  kRefuse,         // answer PartDecision::refusal
};

struct PartDecision {
  PartStep step = PartStep::kRefuse;
  Error refusal;  // for kRefuse
};

// What a message of `phase` for `saga_id` from coordinator `from` does to the
// part (none: the participant has no part of that saga) at time `now`.
PartDecision DecidePart(schemas::SagaPhase phase, const std::string& saga_id,
                        const std::string& from, const std::optional<PartNow>& part, Time now);

}  // namespace tripmesh::engine
