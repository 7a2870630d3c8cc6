#include "handlers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "tripmesh/base/ids.h"
#include "tripmesh/core/ledger.h"
#include "tripmesh/core/planner.h"
#include "tripmesh/core/suggest.h"
#include "tripmesh/engine/sale.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::company {
namespace {

constexpr auto kPeerTimeout = std::chrono::milliseconds(2000);

std::string NewPlanId(const std::string& company) { return "p-" + company + "-" + RandomHex(); }

template <typename T>
tl::unexpected<Error> Forward(const Result<T>& r) {
  return tl::unexpected<Error>(r.error());
}

}  // namespace

Handlers::Handlers(std::string company, const WorldView& world, ReservationBook& book,
                   const core::Clock& clock, Time hold_ttl_s, Time plan_ttl_s, Peers* peers,
                   SagaCoordinator* sagas)
    : company_(std::move(company)),
      world_(world),
      book_(book),
      clock_(clock),
      hold_ttl_s_(hold_ttl_s),
      plan_ttl_s_(plan_ttl_s),
      peers_(peers),
      sagas_(sagas) {}

Reply Handlers::Handle(topics::Op op, const std::string& agent, bool agent_is_company,
                       std::string_view payload, const ReplyTo& reply_to) {
  Result<std::string> out;
  if (payload.size() > schemas::kMaxPayloadBytes) {
    out = Fail(Errc::kInvalidRequest,
               fmt::format("payload of {} bytes is over the limit of {}", payload.size(),
                           schemas::kMaxPayloadBytes),
               "payload");
  } else if (op == topics::Op::kAvailability && !agent_is_company) {
    out = Fail(Errc::kForbidden, "availability is answered for companies only");
  } else {
    switch (op) {
      case topics::Op::kPlan:
        out = Plan(agent, payload);
        break;
      case topics::Op::kReserve:
        out = Reserve(agent, payload, reply_to);
        break;
      case topics::Op::kConfirm:
      case topics::Op::kCancel:
      case topics::Op::kGet:
        out = OnReservation(op, agent, payload, reply_to);
        break;
      case topics::Op::kList:
        out = List(agent, payload);
        break;
      case topics::Op::kCheckin:
        out = Checkin(agent, payload);
        break;
      case topics::Op::kAvailability:
        out = Availability(payload);
        break;
    }
  }
  if (out) {
    bool deferred = out->empty();
    return {std::move(*out), std::nullopt, deferred};
  }
  std::string request_id =
      payload.size() <= schemas::kMaxPayloadBytes ? schemas::PeekRequestId(payload) : "";
  Error e = ForRequester(out.error());
  return {schemas::Encode(schemas::ErrorReply{request_id, e}), e.code};
}

Status Handlers::CheckTrip(schemas::PlanRequest& req) const {
  for (auto* city : {&req.from, &req.to}) {
    for (char& c : *city) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (req.from == req.to) {
    return Fail(Errc::kInvalidRequest, "from and to are the same city (" + req.from + ")", "to");
  }
  const auto& v = req.vehicle;
  if (v.soc < v.min_soc) {
    return Fail(Errc::kInvalidRequest,
                fmt::format("soc {:.2f} is below min_soc {:.2f}, the least every arrival must "
                            "keep: lower min_soc for this trip",
                            v.soc, v.min_soc),
                "vehicle.soc");
  }
  auto world = world_.Now();
  std::vector<std::string> known;
  for (const auto& [connector, bound] : world->connector_bounds()) known.push_back(connector);
  for (std::size_t i = 0; i < v.connectors.size(); ++i) {
    if (world->connector_bounds().count(v.connectors[i]) == 0) {
      return Fail(Errc::kInvalidRequest,
                  "unknown connector " + v.connectors[i] + core::DidYouMean(v.connectors[i], known),
                  fmt::format("vehicle.connectors[{}]", i));
    }
  }
  Time now = clock_.Now();
  if (req.depart_at && *req.depart_at < now) {
    if (*req.depart_at < now - kPastDepartureGraceS) {
      return Fail(Errc::kInvalidRequest,
                  "depart_at " + FormatTime(*req.depart_at) + " is in the past (now " +
                      FormatTime(now) + "): leave it out to depart now",
                  "depart_at");
    }
    req.depart_at = now;  // a moment ago: plan from now
  }
  return {};
}

// What the other companies said of their stations' free intervals; keyed by
// the world's own objects, since a plan asks about points hundreds of times.
struct Handlers::PeerAnswers {
  std::unordered_map<const schemas::Point*, std::vector<schemas::FreeInterval>> free;
  std::unordered_set<const schemas::Station*> known;  // stations with an answer
  std::vector<std::string> silent;                    // companies that did not answer in time
  Time window_end = 0;

  // Whether `stop` (at another company) is free at its planned time.
  bool FreeAsPlanned(const core::World& world, const schemas::Stop& stop) const {
    const schemas::Station* station = world.FindStation(stop.station);
    if (!station) return false;
    for (const auto& point : station->points) {
      if (point.id != stop.point) continue;
      auto it = free.find(&point);
      return it != free.end() &&
             core::EarliestStartIn(it->second, stop.start_at, stop.end_at - stop.start_at,
                                   window_end) == stop.start_at;
    }
    return false;
  }
};

std::map<std::string, std::vector<std::string>> Handlers::StationsToAsk(
    const std::vector<schemas::Plan>& plans) const {
  std::map<std::string, std::vector<std::string>> ask;
  for (const auto& p : plans) {
    for (const auto& s : p.stops) {
      if (s.company == company_) continue;
      auto& list = ask[s.company];
      if (std::find(list.begin(), list.end(), s.station) == list.end()) list.push_back(s.station);
    }
  }
  return ask;
}

void Handlers::AskPeers(const core::World& world,
                        const std::map<std::string, std::vector<std::string>>& ask, Time depart,
                        PeerAnswers& answers) const {
  auto results = peers_->Availability(ask, depart, answers.window_end, kPeerTimeout);
  for (const auto& [company, stations] : ask) {
    if (results.count(company) == 0) answers.silent.push_back(company);
  }
  for (const auto& [company, result] : results) {
    for (const auto& pf : result.points) {
      const schemas::Station* station = world.FindStation(pf.station);
      if (!station || station->company != company) continue;  // not that company's to answer
      auto point = std::find_if(station->points.begin(), station->points.end(),
                                [&](const auto& p) { return p.id == pf.point; });
      if (point == station->points.end()) continue;
      answers.known.insert(station);
      answers.free[&*point] = pf.free;
    }
  }
}

Result<std::vector<schemas::Plan>> Handlers::MakePlans(const std::string& vehicle,
                                                       schemas::PlanRequest req, bool remember,
                                                       std::vector<std::string>* not_consulted) {
  if (auto st = CheckTrip(req); !st) return tl::unexpected<Error>(st.error());
  // Round 1 plans over every company's stations, with this company's ledger
  // and the other companies' stations assumed free. Then it asks the companies
  // whose stations round 1 used for their real free intervals, all at once.
  // When every such stop of round 1 is free as planned, round 1 stands: it was
  // planned on a superset of what round 2 could use, with the same times.
  // Otherwise round 2 plans again with the answered stations and this
  // company's only.
  Time depart = req.depart_at.value_or(clock_.Now());
  // One snapshot for both rounds: the answers point into its stations.
  auto world = world_.Now();
  PeerAnswers answers{.window_end = depart};
  bool round_two = false;
  auto ledgers = book_.LedgersOf(world);
  core::PlanContext ctx;
  ctx.station_allowed = [&](const schemas::Station& s) {
    return s.company == company_ || (!round_two && peers_) || answers.known.count(&s) > 0;
  };
  ctx.earliest_start = [&](const schemas::Station& s, const schemas::Point& p, Time from, Time d) {
    if (s.company == company_) return ledgers->EarliestStart(s, p, from, d);
    auto it = answers.free.find(&p);
    return it == answers.free.end()
               ? from
               : core::EarliestStartIn(it->second, from, d, answers.window_end);
  };
  auto plans = core::PlanTrip(*world, req, depart, ctx);
  if (!plans) return plans;
  auto ask = StationsToAsk(*plans);
  if (!ask.empty()) {
    for (const auto& p : *plans) answers.window_end = std::max(answers.window_end, p.arrive_at);
    answers.window_end = std::min(answers.window_end + 12 * kHourS, depart + 7 * kDayS - 1);
    AskPeers(*world, ask, depart, answers);
    bool stands = std::all_of(plans->begin(), plans->end(), [&](const schemas::Plan& p) {
      return std::all_of(p.stops.begin(), p.stops.end(), [&](const schemas::Stop& stop) {
        return stop.company == company_ || answers.FreeAsPlanned(*world, stop);
      });
    });
    if (!stands) {
      round_two = true;
      plans = core::PlanTrip(*world, req, depart, ctx);
      if (!plans && !answers.silent.empty()) {
        return Fail(plans.error().code,
                    plans.error().message + "; " +
                        fmt::format("{}", fmt::join(answers.silent, ", ")) +
                        " did not answer in time, so " +
                        (answers.silent.size() == 1 ? "its" : "their") + " stations were left out",
                    plans.error().field);
      }
      if (!plans) return plans;
    }
    if (not_consulted) *not_consulted = answers.silent;
  }
  if (remember) Remember(vehicle, *plans);
  return plans;
}

void Handlers::Remember(const std::string& vehicle, std::vector<schemas::Plan>& plans) {
  if (plans.empty()) return;
  Time now = clock_.Now();
  std::lock_guard lock(mu_);
  auto& results = plan_results_[vehicle];
  results.emplace_back();
  for (auto& p : plans) {
    p.plan_id = NewPlanId(company_);
    plans_[p.plan_id] = {.vehicle = vehicle, .plan = p, .created_at = now};
    results.back().push_back(p.plan_id);
  }
  // Only a vehicle's latest results can be reserved, so a chatty vehicle
  // cannot grow the agent's memory.
  while (results.size() > kPlanResultsPerVehicle) {
    for (const auto& id : results.front()) plans_.erase(id);
    results.pop_front();
  }
}

Result<std::string> Handlers::Plan(const std::string& agent, std::string_view payload) {
  auto req = schemas::Decode<schemas::PlanRequest>(payload);
  if (!req) return Forward(req);
  schemas::PlanResult out{.request_id = req->request_id};
  auto plans = MakePlans(agent, *req, true, &out.not_consulted);
  if (!plans) return Forward(plans);
  out.plans = std::move(*plans);
  return schemas::Encode(out);
}

Result<std::string> Handlers::Reserve(const std::string& agent, std::string_view payload,
                                      const ReplyTo& reply_to) {
  auto req = schemas::Decode<schemas::ReserveRequest>(payload);
  if (!req) return Forward(req);
  // The same request again while its saga runs (a client's resend): answered
  // with the first. Memory before the book: a saga leaves memory only once
  // the book has it, so one that settles meanwhile is found there.
  if (sagas_ && sagas_->RejoinRequest(agent, req->request_id, reply_to)) return std::string();
  auto earlier = book_.FindByRequest(agent, req->request_id);
  if (!earlier) return Forward(earlier);
  if (*earlier) {
    (*earlier)->request_id = req->request_id;
    return schemas::Encode(**earlier);
  }
  schemas::Plan plan;
  if (req->plan) {
    auto plans = MakePlans(agent, *req->plan, false);
    if (!plans) return Forward(plans);
    plan = plans->front();
  } else {
    std::string reserved;
    {
      std::lock_guard lock(mu_);
      auto it = plans_.find(req->plan_id);
      if (it == plans_.end() || it->second.vehicle != agent) {
        return Fail(Errc::kNotFound, "no plan " + req->plan_id + " for " + agent + "; plan again",
                    "plan_id");
      }
      reserved = it->second.reservation_id;
      if (reserved.empty() && it->second.created_at + plan_ttl_s_ <= clock_.Now()) {
        return Fail(Errc::kExpired, "plan " + req->plan_id + " is too old; plan again", "plan_id");
      }
      plan = it->second.plan;
    }
    // A plan is reserved once: again, it answers with what the first time made.
    if (!reserved.empty()) return Earlier(agent, reserved, reply_to);
  }
  bool remote = std::any_of(plan.stops.begin(), plan.stops.end(),
                            [&](const auto& s) { return s.company != company_; });
  if (remote) return StartSaga(agent, *req, plan, reply_to);
  auto r = book_.Reserve(agent, req->request_id, plan, req->hold_only ? hold_ttl_s_ : 0);
  if (!r) return Forward(r);
  RememberReservation(req->plan_id, r->reservation_id);
  r->request_id = req->request_id;
  return schemas::Encode(*r);
}

Result<std::string> Handlers::Earlier(const std::string& agent, const std::string& reservation_id,
                                      const ReplyTo& reply_to) {
  if (sagas_ && sagas_->Rejoin(agent, reservation_id, reply_to)) return std::string();
  auto first = book_.Get(agent, reservation_id);
  if (!first) return Forward(first);
  first->request_id = reply_to.request_id;
  return schemas::Encode(*first);
}

void Handlers::RememberReservation(const std::string& plan_id, const std::string& reservation_id) {
  if (plan_id.empty()) return;
  std::lock_guard lock(mu_);
  if (auto it = plans_.find(plan_id); it != plans_.end())
    it->second.reservation_id = reservation_id;
}

Result<std::string> Handlers::StartSaga(const std::string& agent,
                                        const schemas::ReserveRequest& req,
                                        const schemas::Plan& plan, const ReplyTo& reply_to) {
  if (!sagas_) {
    return Fail(Errc::kUnavailable, "this agent does not reserve stops at other companies");
  }
  auto r = ReservationBook::FromPlan(company_, agent, plan, clock_.Now());
  if (!r) return Forward(r);
  RememberReservation(req.plan_id, r->reservation_id);
  sagas_->Start(std::move(*r), req.request_id, req.hold_only, reply_to);
  return std::string();
}

Result<std::string> Handlers::OnReservation(topics::Op op, const std::string& agent,
                                            std::string_view payload, const ReplyTo& reply_to) {
  auto req = schemas::Decode<schemas::ReservationRef>(payload);
  if (!req) return Forward(req);
  std::optional<schemas::Reservation> saga;
  if (sagas_) {
    saga = sagas_->InFlight(req->reservation_id);
    if (saga && saga->vehicle != agent) saga.reset();
  }
  if (!saga) {
    auto recorded = book_.Get(agent, req->reservation_id);
    if (recorded && book_.IsCrossCompany(*recorded)) saga = *recorded;
  }
  Result<schemas::Reservation> r;
  if (saga && op == topics::Op::kConfirm) {
    if (saga->status == schemas::ReservationStatus::kConfirmed) {
      r = *saga;
    } else if (saga->status == schemas::ReservationStatus::kExpired) {
      return tl::unexpected<Error>(engine::RefusedConfirm(req->reservation_id, saga->status));
    } else {
      sagas_->Confirm(*saga, reply_to);
      return std::string();
    }
  } else if (saga && op == topics::Op::kCancel) {
    sagas_->Cancel(*saga, reply_to);
    return std::string();
  } else if (saga) {
    r = *saga;
  } else {
    r = op == topics::Op::kConfirm  ? book_.Confirm(agent, req->reservation_id)
        : op == topics::Op::kCancel ? book_.Cancel(agent, req->reservation_id)
                                    : book_.Get(agent, req->reservation_id);
  }
  if (!r) return Forward(r);
  r->request_id = req->request_id;
  return schemas::Encode(*r);
}

Result<std::string> Handlers::Checkin(const std::string& agent, std::string_view payload) {
  auto req = schemas::Decode<schemas::CheckinRequest>(payload);
  if (!req) return Forward(req);
  if (sagas_) {
    if (auto saga = sagas_->InFlight(req->reservation_id); saga && saga->vehicle == agent) {
      return Fail(Errc::kConflict,
                  "reservation " + req->reservation_id + " is " +
                      std::string(schemas::ReservationStatusName(saga->status)) +
                      " and still settling; check in once it is confirmed",
                  "reservation_id");
    }
  }
  auto r = book_.CheckIn(agent, req->reservation_id, req->station);
  if (!r) return Forward(r);
  r->request_id = req->request_id;
  return schemas::Encode(*r);
}

void Handlers::EndNoShow(const std::string& vehicle, const std::string& id) {
  auto r = book_.Get(vehicle, id);
  if (!r || r->status != schemas::ReservationStatus::kConfirmed) return;
  if (book_.IsCrossCompany(*r)) {
    if (sagas_) sagas_->EndAsNoShow(*r);
  } else {
    (void)book_.EndAsNoShow(vehicle, id);
  }
}

Result<std::string> Handlers::List(const std::string& agent, std::string_view payload) {
  auto req = schemas::Decode<schemas::ListRequest>(payload);
  if (!req) return Forward(req);
  if (req->for_request_id.empty()) {
    auto all = book_.List(agent);
    if (!all) return Forward(all);
    return schemas::Encode(schemas::ReservationList{req->request_id, agent, std::move(*all)});
  }
  schemas::ReservationList out{req->request_id, agent, {}};
  // Memory before the book, as for a repeated reserve.
  if (auto in_flight =
          sagas_ ? sagas_->InFlightByRequest(agent, req->for_request_id) : std::nullopt) {
    out.reservations.push_back(std::move(*in_flight));
    return schemas::Encode(out);
  }
  auto found = book_.FindByRequest(agent, req->for_request_id);
  if (!found) return Forward(found);
  if (*found) out.reservations.push_back(std::move(**found));
  return schemas::Encode(out);
}

Result<std::string> Handlers::Availability(std::string_view payload) {
  auto req = schemas::Decode<schemas::AvailabilityRequest>(payload);
  if (!req) return Forward(req);
  schemas::AvailabilityResult out{req->request_id, company_, req->from, req->to, {}};
  auto world = world_.Now();
  for (const auto& id : req->stations) {
    const schemas::Station* s = world->FindStation(id);
    if (!s || s->company != company_) {
      return Fail(Errc::kNotFound, "no station " + id + " at " + company_, "stations");
    }
    for (const auto& p : s->points) {
      out.points.push_back({s->id, p.id, book_.FreeIntervals(s->id, p.id, req->from, req->to)});
    }
  }
  return schemas::Encode(out);
}

void Handlers::ExpirePlans() {
  Time now = clock_.Now();
  std::lock_guard lock(mu_);
  std::erase_if(plans_, [&](const auto& kv) { return kv.second.created_at + plan_ttl_s_ <= now; });
  for (auto it = plan_results_.begin(); it != plan_results_.end();) {
    auto& results = it->second;
    while (!results.empty() && !plans_.count(results.front().front())) results.pop_front();
    it = results.empty() ? plan_results_.erase(it) : std::next(it);
  }
}

}  // namespace tripmesh::company
