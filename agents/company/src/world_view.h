// The world a company plans and books on: one immutable snapshot at a time,
// swapped whole when its catalogue changes. A reader holds the snapshot it
// took for the whole of one operation, so a change never alters a plan or a
// booking in flight.
// Thread safety: Now() and Swap() from any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "tripmesh/core/world.h"

namespace tripmesh::company {

class WorldView {
 public:
  explicit WorldView(std::shared_ptr<const core::World> world) : now_(std::move(world)) {}
  // A view of a world its caller keeps alive (tests).
  static std::shared_ptr<const core::World> Unowned(const core::World& world) {
    return {std::shared_ptr<const core::World>(), &world};
  }

  // The snapshot now, with every change heard before this call in it.
  std::shared_ptr<const core::World> Now() const {
    if (catch_up_) catch_up_();
    std::lock_guard lock(mu_);
    return now_;
  }
  // The snapshot now, without folding anything in (for the writer that does).
  std::shared_ptr<const core::World> Current() const {
    std::lock_guard lock(mu_);
    return now_;
  }
  // Called at each Now(): folds changes heard since the last snapshot in (a
  // peer's catalogue from the wire), so that a request sees every change that
  // arrived before it. Set once, before any reader.
  void SetCatchUp(std::function<void()> catch_up) { catch_up_ = std::move(catch_up); }
  void Swap(std::shared_ptr<const core::World> next) {
    std::lock_guard lock(mu_);
    now_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const core::World> now_;
  std::function<void()> catch_up_;
};

}  // namespace tripmesh::company
