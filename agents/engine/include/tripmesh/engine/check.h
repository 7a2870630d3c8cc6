// What every profile's checker shares: how the stores of running agents are
// read so that a saga deciding in the middle is not judged, and how claims
// on one resource are found to overlap. A profile says what its rows are
// and what counts as a finding.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/runtime/store.h"

namespace tripmesh::engine {

// One store as a checker sees it.
struct CheckedStore {
  std::vector<SagaRecord> sagas;  // every saga its agent coordinates
  // Sagas not done, or that moved while the stores were read: their parts
  // may have been read on either side of a decision, so they are not judged.
  std::set<std::string> unsettled;

  bool Settled(const std::string& saga_id) const { return !unsettled.count(saga_id); }
};

// Reads every store (name -> SQLite file or PostgreSQL URI), which running
// agents may be writing: where each store's sagas stand, then each store's
// own rows (`rows`, in one transaction with its sagas), then where the
// sagas stand again. Errors name the store.
using ReadRows = std::function<Status(const std::string& name, runtime::Tx&)>;
[[nodiscard]] Result<std::map<std::string, CheckedStore>> ReadRunningStores(
    const std::map<std::string, std::string>& stores, const ReadRows& rows);

// One owner's claim on one resource over [start, end): a seat on a leg, a
// charging point for a while.
struct Claim {
  std::string resource, owner;
  Time start = 0, end = 1;
};

// Every claim that overlaps an earlier claim on its resource, as indices
// into `claims`: {earlier, later}.
std::vector<std::pair<std::size_t, std::size_t>> Overlapping(const std::vector<Claim>& claims);

}  // namespace tripmesh::engine
