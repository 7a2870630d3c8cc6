#include "simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include "company_core.h"
#include "records.h"
#include "sim_kernel.h"
#include "testing.h"
#include "tripmesh/base/ids.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/runtime/log.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::dst {
namespace {

constexpr std::array<const char*, 3> kCompanies = {"voltpoint", "eflux", "ecocharge"};

struct Trip {
  const char* home;
  const char* from;
  const char* to;
  double soc;
};
// Trips over one, two and three companies, departing close together so that
// vehicles contend for the same points.
constexpr std::array<Trip, 6> kTrips = {{
    {"voltpoint", "salvador-ba", "fortaleza-ce", 1.0},
    {"eflux", "fortaleza-ce", "salvador-ba", 1.0},
    {"ecocharge", "recife-pe", "salvador-ba", 0.9},
    {"voltpoint", "salvador-ba", "jequie-ba", 0.3},
    {"ecocharge", "recife-pe", "caruaru-pe", 0.1},
    {"voltpoint", "salvador-ba", "recife-pe", 0.8},
}};

// A live company: its store and its logic.
struct Node : SimNode {
  std::unique_ptr<runtime::Store> store;
  std::unique_ptr<company::CompanyCore> core;
};

struct Vehicle : SimClient {
  Trip trip{};
  Time depart_at = 0;
};

class Simulation final : public SimKernel {
 public:
  explicit Simulation(const SimConfig& c)
      : SimKernel(c, "vehicles"), world_(testing::DefaultWorld()) {
    for (const char* id : kCompanies) {
      nodes_[id].id = id;
      AddNode(nodes_[id]);
    }
  }

 private:
  // ---- companies ----
  bool Start(SimNode& node) override {
    Node& n = Of(node);
    n.store = OpenStore(n.id);
    if (!n.store) return false;
    company::CoreOptions o{
        .id = n.id, .hold_ttl_s = 300, .plan_ttl_s = 1800, .no_show_grace_s = 900};
    o.saga.request_timeout = std::chrono::milliseconds(5000);
    o.saga.reply_timeout = std::chrono::milliseconds(10000);
    o.saga.hold_ttl_s = 300;
    o.saga.commit_hold_ttl_s = 60;
    o.saga.steady_now = [this] {
      return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_));
    };
    company::CoreHooks h;
    Node* at = &n;
    h.publish = [this, at](runtime::OutboundMessage m) { Publish(at->id, std::move(m)); };
    h.saga_event = [this, at](const company::SagaEvent& e) {
      Trace("{} saga {}: {} {}", at->id, e.reservation_id, e.state, e.detail.substr(0, 80));
    };
    h.post = [at](const std::string& key, std::function<void()> task) {
      at->tasks.emplace_back(key, std::move(task));
    };
    auto core = company::CompanyCore::Load(std::move(o), world_, *n.store, clock_, &peers_, h);
    if (!core) {
      Fail("load of " + n.id + ": " + core.error().message);
      return false;
    }
    n.core = std::move(*core);
    return true;
  }

  void Online(SimNode& n) override { Of(n).core->coordinator().Resume(); }

  void Stop(SimNode& node) override {
    Node& n = Of(node);
    n.core.reset();
    n.store.reset();
  }

  void Tick(SimNode& n) override { Of(n).core->Tick(); }

  Status OnSaga(SimNode& n, const std::string& from, topics::SagaKind kind,
                std::string_view payload) override {
    return Of(n).core->OnSagaMessage(from, kind, payload);
  }

  engine::Reply Handle(SimNode& n, topics::Op op, const std::string& vehicle,
                       std::string_view payload, const engine::ReplyTo& reply_to) override {
    return Of(n).core->handlers().Handle(op, vehicle, false, payload, reply_to);
  }

  std::int64_t Unfinished(SimNode& n) override {
    return static_cast<std::int64_t>(Of(n).core->coordinator().UnfinishedCount());
  }
  // A saga.changed still to resend is under way too.
  bool Busy(SimNode& n) override {
    return Unfinished(n) > 0 || !Of(n).core->participant().Outbox().empty();
  }

  static Node& Of(SimNode& n) { return static_cast<Node&>(n); }

  // The planner's questions to other companies, answered from their books.
  class SimPeers final : public company::Peers {
   public:
    explicit SimPeers(Simulation& sim) : sim_(sim) {}
    std::map<std::string, schemas::AvailabilityResult> Availability(
        const std::map<std::string, std::vector<std::string>>& asked, Time from, Time to,
        std::chrono::milliseconds) override {
      std::map<std::string, schemas::AvailabilityResult> out;
      for (const auto& [company, stations] : asked) {
        Node& n = sim_.nodes_[company];
        if (!n.up || (sim_.config_.faults && sim_.Chance(0.05))) continue;  // no answer in time
        auto& r = out[company];
        r.company = company;
        for (const auto& s : stations) {
          const schemas::Station* st = sim_.world_.FindStation(s);
          if (!st) continue;
          for (const auto& p : st->points) {
            r.points.push_back({s, p.id, n.core->book().FreeIntervals(s, p.id, from, to)});
          }
        }
      }
      return out;
    }

   private:
    Simulation& sim_;
  };

  // ---- vehicles ----
  void MakeClients() override {
    for (int i = 0; i < config_.vehicles; ++i) {
      Vehicle v;
      v.trip = kTrips[Pick(kTrips.size())];
      v.id = fmt::format("dst-{}", i);
      v.home = v.trip.home;
      v.depart_at = kStart + 3600 + 900 * Uniform(0, 3);
      v.cycles_left = config_.cycles;
      v.next_action = Uniform(0, 2000);
      vehicles_.push_back(std::move(v));
    }
    for (auto& v : vehicles_) AddClient(v);
  }

  // The vehicle's next move: reserve, then confirm, cancel or let the hold go.
  void Act(SimClient& c) override {
    auto& v = static_cast<Vehicle&>(c);
    if (FollowUp(v) || v.cycles_left == 0) return;
    --v.cycles_left;
    schemas::PlanRequest plan;
    plan.from = v.trip.from;
    plan.to = v.trip.to;
    plan.depart_at = v.depart_at;
    plan.vehicle = {60,   0.17,         v.trip.soc,
                    0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
    schemas::ReserveRequest req{fmt::format("rq-{}-{}", v.id, v.cycles_left), "", plan,
                                Chance(0.5)};
    Reserve(v, schemas::Encode(req), req.hold_only);
  }

  void Hear(SimClient& v, const Message& m) override {
    auto r = schemas::Decode<schemas::Reservation>(m.payload);
    if (r) Heard(v, m, r->reservation_id, r->status);
    if (!Answered(v, m)) return;
    if (r) {
      v.reservation_id = r->reservation_id;
      v.status = r->status;
    } else {
      v.status.reset();  // an error: start over
    }
  }

  void AfterStep() override {
    CheckNoOverlap();
    if (result_.steps % 20 == 0) CheckNoOrphanHolds();
  }

  void AddMoreFaults(std::vector<std::function<void()>>& can) override {
    for (auto& entry : nodes_) {
      Node& n = entry.second;
      if (n.up && Chance(0.001)) can.push_back([this, &n] { Operate(n); });
    }
  }

  // A participant's hold or booking for a saga its coordinator has finished
  // as anything but confirmed: every compensate was acknowledged before the
  // coordinator finished, so nothing may be left.
  void CheckNoOrphanHolds() {
    for (auto& [id, n] : nodes_) {
      if (!n.up) continue;
      for (const auto& [point, intervals] : n.core->book().Snapshot()) {
        for (const auto& iv : intervals) {
          if (iv.owner.rfind("sr-", 0) != 0) continue;  // a local reservation
          std::string reservation = iv.owner.substr(1);
          std::string coordinator = reservation.substr(2, reservation.rfind('-') - 2);
          Node& c = nodes_[coordinator];
          if (!c.up || c.core->coordinator().InFlight(reservation)) continue;
          std::string status = StatusAt(c, reservation);
          if (status == "failed" || status == "cancelled" || status == "expired") {
            return Fail(fmt::format("{} at {} still has {} for {}, which {} finished as {}", id,
                                    point, iv.expires_at ? "a hold" : "a booking", reservation,
                                    coordinator, status));
          }
        }
      }
    }
  }

  // The company's operator takes a point out of service (mostly one that has
  // bookings or holds, so they must move or be lost) or puts one back, on the
  // admin lane like the agent does.
  void Operate(Node& n) {
    std::vector<std::string> busy;
    for (const auto& [point, intervals] : n.core->book().Snapshot()) {
      if (!intervals.empty()) busy.push_back(point);
    }
    if (busy.empty()) return;
    std::string key = busy[Pick(busy.size())];
    if (Chance(0.1)) {
      // Now and then the whole station goes, holds in flight and all; the
      // other companies plan on it still (no wire here) and are refused.
      schemas::CatalogueChange remove{.station = key.substr(0, key.find('/')), .reason = "closed"};
      Trace("{}'s operator removes station {}", n.id, remove.station);
      n.tasks.emplace_back("admin", [this, &n, remove] {
        auto reply =
            n.core->admin().Handle(topics::AdminOp::kRemoveStation,
                                   schemas::Encode(schemas::CatalogueOp::kRemoveStation, remove));
        Trace("{}'s admin op answers {}", n.id, reply.payload);
      });
      return;
    }
    schemas::PointStatusRequest req{.station = key.substr(0, key.find('/')),
                                    .point = key.substr(key.find('/') + 1),
                                    .status = Chance(0.3) ? schemas::PointStatus::kAvailable
                                                          : schemas::PointStatus::kOutOfOrder};
    Trace("{}'s operator sets {} {}", n.id, key, schemas::PointStatusName(req.status));
    n.tasks.emplace_back("admin", [this, &n, req] {
      auto reply = n.core->admin().Handle(topics::AdminOp::kSetPointStatus, schemas::Encode(req));
      Trace("{}'s admin op answers {}", n.id, reply.payload);
    });
  }

  std::string StatusAt(Node& n, const std::string& reservation) {
    std::string status;
    (void)n.store->Read([&](runtime::Tx& tx) -> Status {
      auto found = company::records::Reservations().StatusOf(tx, reservation);
      if (!found) return tl::unexpected<Error>(found.error());
      if (*found) status = schemas::ReservationStatusName(**found);
      return {};
    });
    return status;
  }

  // ---- invariants ----
  // On the companies whose state the step may have changed.
  void CheckNoOverlap() {
    for (auto& [id, n] : nodes_) {
      if (!n.up || !n.changed) continue;
      n.changed = false;
      for (const auto& [point, intervals] : n.core->book().Snapshot()) {
        for (std::size_t i = 1; i < intervals.size(); ++i) {
          if (intervals[i].start < intervals[i - 1].end) {
            return Fail(fmt::format("{} at {}: {} and {} overlap", id, point,
                                    intervals[i - 1].owner, intervals[i].owner));
          }
        }
      }
    }
  }

  // The project's consistency checker over the three stores.
  void CheckStores(const std::string& when) override {
    std::map<std::string, std::string> stores;
    for (const char* id : kCompanies) stores[id] = StorePath(id);
    auto report = company::CheckConsistency(stores, clock_.Now(), 5);
    if (!report) return Fail("the checker failed " + when + ": " + report.error().message);
    if (!report->ok()) {
      std::string found;
      for (const auto* list : {&report->missing_items, &report->orphans, &report->overlaps,
                               &report->stale_holds, &report->on_unavailable_points}) {
        for (const auto& f : *list) found += "\n    " + f;
      }
      return Fail("the checker found " + when + ": " + report->Summary() + found);
    }
  }

  Result<schemas::ReservationStatus> StatusAtHome(SimClient& v, const std::string& id) override {
    auto r = nodes_[v.home].core->book().Get(v.id, id);
    if (!r) return tl::unexpected<Error>(r.error());
    return r->status;
  }

  const core::World& world_;
  SimPeers peers_{*this};
  std::map<std::string, Node> nodes_;
  std::vector<Vehicle> vehicles_;
};

}  // namespace

SimResult RunSimulation(const SimConfig& config) {
  runtime::SetLogLevel(runtime::LogLevel::kError);
  SimResult r;
  if (config.profile == SimProfile::kAir) {
    r = RunAirSimulation(config);
  } else {
    Simulation sim(config);
    r = sim.Run(1);
  }
  std::error_code ec;
  if (r.ok) std::filesystem::remove_all(config.dir, ec);
  return r;
}

}  // namespace tripmesh::dst
