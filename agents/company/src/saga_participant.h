// The participant side of the saga (PROTOCOL.md "Saga"): holds all of a
// request's items or none, turns them into bookings on commit, releases them
// on compensate, and releases an expired hold on its own. Each saga's state is
// durable before its ack is returned, so a repeated message gets the same answer.
//
// Thread safety: calls for one saga must not run concurrently (the agent runs
// them on the saga's lane); calls for different sagas may.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "reservation_book.h"
#include "tripmesh/base/expiry_index.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/core/world.h"
#include "tripmesh/engine/part.h"
#include "tripmesh/engine/participant.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::company {

using engine::ParsePartState;
using engine::PartState;
using engine::PartStateName;

// A durable step of a saga, as the coordinator or a participant took it.
struct SagaEvent {
  std::string reservation_id;  // the saga id while a participant does not know it
  std::string vehicle;
  std::string state;   // the coordinator's state or outcome, or "participant.<state>"
  std::string detail;  // why, or which saga of which coordinator
};

class SagaParticipant {
 public:
  // Called after every durable state change.
  using Listener = std::function<void(const SagaEvent&)>;

  SagaParticipant(std::string company, const WorldView& world, ReservationBook& book,
                  runtime::Store& store, const core::Clock& clock);

  [[nodiscard]] Status Load();
  void SetListener(Listener l) { listener_ = std::move(l); }

  // The home company's coordinator writing its saga state in the same commit
  // as its own part's change: one durable commit instead of two.
  using Also = engine::JoinedWrite;

  // With `also`, it joins the transaction of this part's change, if there is one.
  schemas::SagaAck OnRequest(const std::string& coordinator, const schemas::SagaRequest& req,
                             Also* also = nullptr);
  schemas::SagaAck OnCommit(const std::string& coordinator, const schemas::SagaCommit& msg,
                            Also* also = nullptr);
  schemas::SagaAck OnCompensate(const std::string& coordinator, const schemas::SagaCompensate& msg,
                                Also* also = nullptr);

  // A point went out of service: the parts among the displaced owners take
  // the points their slots moved to (in tx), and the displaced get their
  // reservation, vehicle and coordinator. A slot nothing could take leaves the part.
  // Each saga's coordinator gets a saga.changed of its stops here, kept in
  // the outbox (in tx) until the coordinator takes it.
  [[nodiscard]] Status FollowOutage(runtime::Tx& tx,
                                    std::vector<ReservationBook::Displaced>& displaced);
  // The saga.changed messages not yet taken by their coordinators.
  std::vector<records::OutboxRow> Outbox() const;
  // The coordinator took `change_id`: it is not sent again.
  void Delivered(const std::string& change_id);

  // Sagas whose hold has expired; Expire() releases one of them.
  std::vector<std::string> DueHolds() const;
  void Expire(const std::string& saga_id);

  static constexpr Time kMaxHoldTtlS = 3600;

 private:
  struct Part {
    std::string saga_id, coordinator, reservation_id, vehicle;
    PartState state = PartState::kHeld;
    std::vector<ReservationBook::Slot> slots;
    std::vector<double> prices;
    std::optional<Time> expires_at;
    std::optional<Errc> code;  // why a request was refused
    std::string detail;
  };

  // Its points held, booked and given back for engine::RunPart (in the .cc).
  class Keeper;
  friend class Keeper;

  static Part PartOf(const records::PartRow& row);
  [[nodiscard]] Status FollowParts(runtime::Tx& tx,
                                   std::vector<ReservationBook::Displaced>& displaced);
  [[nodiscard]] Result<std::optional<Part>> Find(const std::string& saga_id) const;
  schemas::SagaAck Run(const engine::PartMessage& m, const schemas::SagaRequest* request);
  void Keep(const Part& p);
  Status WritePart(runtime::Tx& tx, const Part& p, const Also* also = nullptr) const;
  schemas::SagaAck RequestAck(const Part& p) const;
  schemas::SagaAck Refuse(const std::string& saga_id, schemas::SagaPhase phase, Errc code,
                          std::string detail) const;
  // Holds the part's slots again after its hold expired (a late commit).
  bool Rehold(Part& p, const Also* also);
  // After `p` changed durably: kept in memory if held, and told.
  void Settled(const Part& p, Also* also);
  void Changed(const Part& p);

  std::string company_;
  const WorldView& world_;
  ReservationBook& book_;
  runtime::Store& store_;
  const core::Clock& clock_;
  Listener listener_;

  mutable std::mutex mu_;                       // guards the fields below
  std::unordered_map<std::string, Part> held_;  // parts in state "held"
  ExpiryIndex expiries_;                        // of the parts in held_
};

}  // namespace tripmesh::company
