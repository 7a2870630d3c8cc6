// A company's own network as its store holds it, and the world snapshot it
// plans and books on. data/ seeds a new store once; afterwards the store is
// the truth, and each admin change is written, then swapped in.
// Thread safety: view() and Own() from any thread; Commit() from one at a
// time (the admin lane).
#pragma once

#include <memory>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/core/world.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/messages.h"
#include "world_view.h"

namespace tripmesh::company {

class Network {
 public:
  // The world of `seed` with this company's catalogue as the store has it;
  // a store that has none is given seed's. kNotFound when neither has one.
  [[nodiscard]] static Result<std::unique_ptr<Network>> Load(const std::string& company,
                                                             const core::World& seed,
                                                             runtime::Store& store);

  const WorldView& view() const { return view_; }
  // This company's catalogue now.
  schemas::Catalogue Own() const;
  // Makes `next` the catalogue: the world must build with it. Writes its info
  // and station `station_id` (deleted when `next` has none) in one
  // transaction, then swaps in the new world.
  [[nodiscard]] Status Commit(schemas::Catalogue next, const std::string& station_id);

 private:
  Network(std::string company, runtime::Store& store, std::shared_ptr<const core::World> world)
      : company_(std::move(company)), store_(store), view_(std::move(world)) {}

  std::string company_;
  runtime::Store& store_;
  WorldView view_;
};

}  // namespace tripmesh::company
