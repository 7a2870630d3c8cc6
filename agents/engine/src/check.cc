#include "tripmesh/engine/check.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <tuple>

namespace tripmesh::engine {
namespace {

using Mark = std::pair<SagaStep, std::optional<schemas::ReservationStatus>>;
using Marks = std::map<std::string, Mark>;

Result<Marks> ReadMarks(runtime::Store& store) {
  Marks marks;
  auto st = ReadSagas(store, [&](const SagaRecord& r) { marks[r.saga_id] = {r.step, r.outcome}; });
  if (!st) return tl::unexpected<Error>(st.error());
  return marks;
}

template <typename T>
Result<T> Named(const std::string& name, Result<T> r) {
  if (!r) return Fail(r.error().code, name + ": " + r.error().message);
  return r;
}

}  // namespace

Result<std::map<std::string, CheckedStore>> ReadRunningStores(
    const std::map<std::string, std::string>& stores, const ReadRows& rows) {
  runtime::StoreOptions options;
  options.synchronous_full = false;  // read only
  std::map<std::string, std::unique_ptr<runtime::Store>> open;
  std::map<std::string, Marks> before;
  for (const auto& [name, where] : stores) {
    auto store = Named(name, runtime::Store::Open(where, options));
    if (!store) return tl::unexpected<Error>(store.error());
    auto marks = Named(name, ReadMarks(**store));
    if (!marks) return tl::unexpected<Error>(marks.error());
    before[name] = std::move(*marks);
    open[name] = std::move(*store);
  }
  std::map<std::string, CheckedStore> out;
  for (auto& [opened, store] : open) {
    const std::string& name = opened;  // a lambda may not capture a structured binding
    auto& checked = out[name];
    auto st = store->Read([&](runtime::Tx& tx) -> Status {
      if (auto own = rows(name, tx); !own) return own;
      return ReadSagas(tx, [&](SagaRecord r) { checked.sagas.push_back(std::move(r)); });
    });
    if (!st) return Fail(st.error().code, name + ": " + st.error().message);
  }
  // A saga settled the same way before and after every store was read had
  // settled its parts before any of them was read.
  for (auto& [name, store] : open) {
    auto after = Named(name, ReadMarks(*store));
    if (!after) return tl::unexpected<Error>(after.error());
    auto& checked = out[name];
    const auto& began = before[name];
    for (const auto& saga : checked.sagas) {
      auto was = began.find(saga.saga_id);
      auto is = after->find(saga.saga_id);
      bool still = was != began.end() && is != after->end() && was->second == is->second;
      if (saga.step != SagaStep::kDone || !still) checked.unsettled.insert(saga.saga_id);
    }
  }
  return out;
}

std::vector<std::pair<std::size_t, std::size_t>> Overlapping(const std::vector<Claim>& claims) {
  std::vector<std::size_t> order(claims.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(claims[a].resource, claims[a].start, claims[a].end) <
           std::tie(claims[b].resource, claims[b].start, claims[b].end);
  });
  std::vector<std::pair<std::size_t, std::size_t>> out;
  // The claim that reaches furthest so far on this resource: a later claim
  // that starts before it ends overlaps it, even past a shorter one between.
  std::optional<std::size_t> reach;
  for (std::size_t i : order) {
    const Claim& c = claims[i];
    if (reach && claims[*reach].resource == c.resource && c.start < claims[*reach].end) {
      out.emplace_back(*reach, i);
    }
    if (!reach || claims[*reach].resource != c.resource || c.end > claims[*reach].end) reach = i;
  }
  return out;
}

}  // namespace tripmesh::engine
