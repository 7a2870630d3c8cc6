// A reservation one agent sells alone, with nothing of what is sold in it:
// what a requester's confirm or cancel, or the agent's own expiry or no-show
// sweep, does to it, given where it stands. Each profile's book holds, books
// and releases its own goods; these rules, the same for both, decide which
// of those it does and what it refuses. A saga's reservation answers the
// same words (engine::Saga): a requester cannot tell which kind it holds.
#pragma once

#include <optional>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::engine {

enum class SaleStep {
  kAsItStands,  // nothing to change: answer the reservation as it is
  kBook,        // book what the hold holds
  kRelease,     // give back what it holds or booked, and end it as asked
  kRefuse,      // answer SaleDecision::refusal
};

// Where a reservation stands: its status, and until when a hold lasts.
struct SaleNow {
  schemas::ReservationStatus status = schemas::ReservationStatus::kHeld;
  std::optional<Time> expires_at;
};

// Held past its hold time at `now` (its expiry may not have run yet).
bool HoldLapsed(const SaleNow& sale, Time now);

struct SaleDecision {
  SaleStep step = SaleStep::kRefuse;
  Error refusal;  // for kRefuse
};

// Confirming reservation `id`, which stands as `sale`, at time `now`.
SaleDecision DecideConfirm(const std::string& id, const SaleNow& sale, Time now);

// Ending reservation `id` as `outcome` (cancelled, no_show, or expired,
// which only a lapsed hold can be). Ended so already: as it stands.
SaleDecision DecideEnd(const std::string& id, const SaleNow& sale,
                       schemas::ReservationStatus outcome, Time now);

// Why reservation `id`, standing as `now`, cannot be confirmed: its hold
// expired (reserve again), or it is past confirming (conflict).
Error RefusedConfirm(const std::string& id, schemas::ReservationStatus now);

}  // namespace tripmesh::engine
