// The request ops of PROTOCOL.md for trips at this company's stations. Knows
// nothing of MQTT: a request payload in, an encoded reply out.
// Thread safety: Handle() may be called from any lane.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "peer_client.h"
#include "reservation_book.h"
#include "saga_coordinator.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/core/world.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/topics/topics.h"
#include "world_view.h"

namespace tripmesh::company {

using Reply = engine::Reply;

class Handlers {
 public:
  // `peers` asks other companies for availability; null plans with this company's stations only.
  // `sagas` coordinates reservations with stops at other companies; without
  // it such a reserve answers unavailable.
  Handlers(std::string company, const WorldView& world, ReservationBook& book,
           const core::Clock& clock, Time hold_ttl_s, Time plan_ttl_s, Peers* peers,
           SagaCoordinator* sagas);

  Reply Handle(topics::Op op, const std::string& agent, bool agent_is_company,
               std::string_view payload, const ReplyTo& reply_to);
  // Ends a confirmed reservation whose vehicle missed a stop as no_show.
  void EndNoShow(const std::string& vehicle, const std::string& reservation_id);
  // Drops plans older than the plan time-to-live.
  void ExpirePlans();

 private:
  struct CachedPlan {
    std::string vehicle;
    schemas::Plan plan;
    Time created_at = 0;
    std::string reservation_id;  // once reserved
  };

  Result<std::string> Plan(const std::string& agent, std::string_view payload);
  // An empty result means the reply is deferred to the saga.
  Result<std::string> Reserve(const std::string& agent, std::string_view payload,
                              const ReplyTo& reply_to);
  Result<std::string> OnReservation(topics::Op op, const std::string& agent,
                                    std::string_view payload, const ReplyTo& reply_to);
  Result<std::string> StartSaga(const std::string& agent, const schemas::ReserveRequest& req,
                                const schemas::Plan& plan, const ReplyTo& reply_to);
  Result<std::string> List(const std::string& agent, std::string_view payload);
  // The plan `plan_id` (empty: an inline plan) was reserved as `reservation_id`.
  void RememberReservation(const std::string& plan_id, const std::string& reservation_id);
  // The reservation an earlier reserve made, answered again (once its saga, if it runs, answers).
  Result<std::string> Earlier(const std::string& agent, const std::string& reservation_id,
                              const ReplyTo& reply_to);
  Result<std::string> Checkin(const std::string& agent, std::string_view payload);
  Result<std::string> Availability(std::string_view payload);
  // Plans are kept for a later reserve by plan_id only when `remember`;
  // `not_consulted` (if given) gets the companies that did not answer in time.
  Result<std::vector<schemas::Plan>> MakePlans(const std::string& vehicle, schemas::PlanRequest req,
                                               bool remember,
                                               std::vector<std::string>* not_consulted = nullptr);
  struct PeerAnswers;
  // Other companies' stations that `plans` stop at, by company.
  std::map<std::string, std::vector<std::string>> StationsToAsk(
      const std::vector<schemas::Plan>& plans) const;
  // Asks them all at once for their free intervals until answers.window_end.
  void AskPeers(const core::World& world,
                const std::map<std::string, std::vector<std::string>>& ask, Time depart,
                PeerAnswers& answers) const;
  // Gives each plan an id the vehicle can reserve by, for plan_ttl_s.
  void Remember(const std::string& vehicle, std::vector<schemas::Plan>& plans);
  // A trip that makes sense (two cities, a start at or above min_soc, known
  // connectors, a departure not in the past), with city ids as the map
  // spells them and a departure of a moment ago moved to now.
  [[nodiscard]] Status CheckTrip(schemas::PlanRequest& req) const;
  static constexpr Time kPastDepartureGraceS = 900;

  std::string company_;
  const WorldView& world_;
  ReservationBook& book_;
  const core::Clock& clock_;
  Time hold_ttl_s_, plan_ttl_s_;
  Peers* peers_;
  SagaCoordinator* sagas_;

  static constexpr std::size_t kPlanResultsPerVehicle = 4;
  std::mutex mu_;  // guards the fields below
  std::unordered_map<std::string, CachedPlan> plans_;
  // Each vehicle's latest plan results (their plan ids), oldest first.
  std::unordered_map<std::string, std::deque<std::vector<std::string>>> plan_results_;
};

}  // namespace tripmesh::company
