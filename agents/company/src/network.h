// A company's own network as its store holds it, the other companies' as
// their retained messages say, and the world snapshot it plans and books on.
// data/ seeds a new store once; afterwards the store is the truth, and each
// admin change is written, then swapped in.
// Thread safety: every method from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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

  // ---- the other companies, as their retained messages say ----
  // A peer's info, or station `id` (none: its retained message was cleared).
  // Cheap, for the network thread: the world takes them in at the next
  // view().Now().
  void OnPeerInfo(schemas::CompanyInfo info);
  void OnPeerStation(const std::string& company, const std::string& id,
                     std::optional<schemas::Station> station);
  // How many peer stations were left out of the world because it could not
  // take them (a city not on this company's map, an id another company has).
  std::uint64_t refused_peer_stations() const { return refused_.load(); }

 private:
  Network(std::string company, runtime::Store& store, std::shared_ptr<const core::World> world)
      : company_(std::move(company)), store_(store), view_(std::move(world)) {
    view_.SetCatchUp([this] { CatchUp(); });
  }
  struct PeerChanges {
    std::optional<schemas::CompanyInfo> info;
    std::map<std::string, std::optional<schemas::Station>> stations;  // none: removed
  };
  void CatchUp();
  // What the world can take of a peer's station, given the world `w`.
  bool Fits(const core::World& w, const std::string& company, const schemas::Station& s) const;

  std::string company_;
  runtime::Store& store_;
  WorldView view_;
  std::mutex write_mu_;  // one writer of the world at a time: Commit or CatchUp

  std::mutex pending_mu_;  // guards pending_
  std::map<std::string, PeerChanges> pending_;
  std::atomic<std::uint64_t> heard_{0};    // peer changes heard
  std::atomic<std::uint64_t> applied_{0};  // ... of which the world has every one up to this
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace tripmesh::company
