// A participant's part of a saga, run the same way for every profile: find
// the part, let DecidePart say what the message does to it, and have the
// profile's keeper do that to its goods (hold, book, give back) and answer in
// its own ack. The keeper knows what it sells and how it stores it; it never
// decides what a message may do.
#pragma once

#include <concepts>
#include <optional>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"
#include "tripmesh/engine/part.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::engine {

// One saga message for this participant's part.
struct PartMessage {
  schemas::SagaPhase phase = schemas::SagaPhase::kRequest;
  std::string saga_id;
  std::string from;    // the coordinator that sent it
  std::string reason;  // a compensation's, if it gave one
  // The coordinator's own part: its saga state joins the commit of the
  // part's change (the keeper sets `done`).
  JoinedWrite* joined = nullptr;
};

// What a profile does with its goods for a part. `Part` is the part as the
// keeper has it, `Request` what a coordinator asks it to hold, `Ack` its answer.
template <class K>
concept PartKeeper = requires(K& k, const typename K::Part& part,
                              const typename K::Request& request, const PartMessage& m,
                              const Error& e, bool lapsed) {
  // The part of a saga, if there is one (an error: the store failed).
  { k.Find(m.saga_id) } -> std::same_as<Result<std::optional<typename K::Part>>>;
  { k.StateOf(part) } -> std::same_as<PartNow>;
  // Hold what `request` asks for, or refuse it.
  { k.Hold(m, request) } -> std::same_as<typename K::Ack>;
  // A repeated request: what the part holds, as answered first.
  { k.Holding(m, part) } -> std::same_as<typename K::Ack>;
  // Book what the part holds; `lapsed`: its hold ran out, so only if it is still free.
  { k.Book(m, part, lapsed) } -> std::same_as<typename K::Ack>;
  // Give back what the part holds or booked; `lapsed`: nothing is held any
  // more, the part only ends so that a late commit is refused.
  { k.Release(m, part, lapsed) } -> std::same_as<typename K::Ack>;
  // A compensation before its request: refuse that request when it comes.
  { k.RememberAbort(m) } -> std::same_as<typename K::Ack>;
  { k.Done(m) } -> std::same_as<typename K::Ack>;
  { k.Refuse(m, e) } -> std::same_as<typename K::Ack>;
};

// Runs message `m` on `keeper`'s part at time `now`; `request` is the
// request phase's body. Calls for one saga must not run concurrently.
template <PartKeeper K>
typename K::Ack RunPart(K& keeper, const PartMessage& m, const typename K::Request* request,
                        Time now) {
  auto part = keeper.Find(m.saga_id);
  if (!part) return keeper.Refuse(m, part.error());
  std::optional<PartNow> state;
  if (*part) state = keeper.StateOf(**part);
  auto decision = DecidePart(m.phase, m.saga_id, m.from, state, now);
  switch (decision.step) {
    case PartStep::kHold:
      if (!request) break;
      return keeper.Hold(m, *request);
    case PartStep::kAnswerHolding:
      return keeper.Holding(m, **part);
    case PartStep::kCommit:
    case PartStep::kRehold:
      return keeper.Book(m, **part, decision.step == PartStep::kRehold);
    case PartStep::kRelease:
    case PartStep::kEndLapsed:
      return keeper.Release(m, **part, decision.step == PartStep::kEndLapsed);
    case PartStep::kRememberAbort:
      return keeper.RememberAbort(m);
    case PartStep::kAcknowledge:
      return keeper.Done(m);
    case PartStep::kRefuse:
      return keeper.Refuse(m, decision.refusal);
  }
  return keeper.Refuse(m, Error{Errc::kInvalidRequest, "a saga request without its body"});
}

}  // namespace tripmesh::engine
