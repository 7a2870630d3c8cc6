// A reservation one agent sells alone, with nothing of what is sold in it:
// what a requester's confirm or cancel, or the agent's own expiry or no-show
// sweep, does to it, given where it stands. Each profile's book holds, books
// and releases its own goods; these rules, the same for both, decide which
// of those it does and what it refuses, and RunConfirm and RunEnd run a step
// the same way for both. A saga's reservation answers the same words
// (engine::Saga): a requester cannot tell which kind it holds.
#pragma once

#include <concepts>
#include <optional>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"
#include "tripmesh/core/clock.h"
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

// What a profile's sales desk does on its own goods for RunConfirm and
// RunEnd; it never decides which. `Sale` is a reservation as the desk has it.
template <class K>
concept SaleKeeper = requires(K& k, const typename K::Sale& sale, const std::string& who,
                              schemas::ReservationStatus outcome) {
  // The requester's reservation (not_found for another's), kept from
  // changing under anyone else until the keeper is gone.
  { k.Take(who, who) } -> std::same_as<Result<typename K::Sale>>;
  { K::Now(sale) } -> std::same_as<SaleNow>;
  // Book what the hold holds, durably; the reservation as it then stands.
  { k.Book(sale) } -> std::same_as<Result<typename K::Sale>>;
  // Give back what it holds or booked and end it as `outcome`, durably.
  { k.End(sale, outcome) } -> std::same_as<Result<typename K::Sale>>;
};

// A confirm of reservation `id` by `requester`: taken, decided at the
// clock's time once taken, and booked by the keeper when DecideConfirm says so.
template <SaleKeeper K>
Result<typename K::Sale> RunConfirm(K& keeper, const std::string& requester, const std::string& id,
                                    const core::Clock& clock) {
  auto sale = keeper.Take(requester, id);
  if (!sale) return sale;
  auto decided = DecideConfirm(id, K::Now(*sale), clock.Now());
  if (decided.step == SaleStep::kAsItStands) return sale;
  if (decided.step != SaleStep::kBook) return tl::unexpected<Error>(decided.refusal);
  return keeper.Book(*sale);
}

// Ending reservation `id` of `requester` as `outcome` (a cancel, a no-show,
// an expiry), the same way.
template <SaleKeeper K>
Result<typename K::Sale> RunEnd(K& keeper, const std::string& requester, const std::string& id,
                                schemas::ReservationStatus outcome, const core::Clock& clock) {
  auto sale = keeper.Take(requester, id);
  if (!sale) return sale;
  auto decided = DecideEnd(id, K::Now(*sale), outcome, clock.Now());
  if (decided.step == SaleStep::kAsItStands) return sale;
  if (decided.step != SaleStep::kRelease) return tl::unexpected<Error>(decided.refusal);
  return keeper.End(*sale, outcome);
}

}  // namespace tripmesh::engine
