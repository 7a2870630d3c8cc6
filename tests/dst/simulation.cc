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
constexpr Ms kTickMs = 1000;             // each company's periodic work
constexpr Ms kVehicleTimeoutMs = 30000;  // a vehicle gives up on a reply
constexpr Ms kSettleMs = 3600 * 1000;    // every saga final within this after the last fault

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

struct Vehicle {
  std::string id, home;
  Trip trip{};
  Time depart_at = 0;
  int cycles_left = 0;
  Ms next_action = 0;
  std::string waiting_corr;  // the request in flight, if any
  std::string waiting_op;
  Ms gave_up_at = 0;
  std::string reservation_id;
  std::optional<schemas::ReservationStatus> status;
  std::set<std::string> heard_confirmed;  // reservation ids
  std::set<std::string> cancel_sent;
};

class Simulation final : public SimKernel {
 public:
  explicit Simulation(const SimConfig& c) : SimKernel(c), world_(testing::DefaultWorld()) {}

  SimResult Run() {
    SeedIds(config_.seed * 0x9e3779b97f4a7c15ULL + 1);
    std::filesystem::remove_all(config_.dir);
    std::filesystem::create_directories(config_.dir);
    for (const char* id : kCompanies) {
      nodes_[id].id = id;
      Start(nodes_[id]);
    }
    MakeVehicles();
    Ms last_fault_window = 0;
    while (result_.ok && !AllVehiclesDone()) {
      Step(config_.faults);
      last_fault_window = now_;
      if (now_ > 6 * 3600 * 1000) Fail("the vehicles did not finish within six simulated hours");
    }
    Settle(last_fault_window);
    if (result_.ok) CheckEnd();
    return Finish();
  }

 private:
  // ---- companies ----
  void Start(Node& n) {
    runtime::StoreOptions so;
    so.synchronous_full = false;
    so.checkpoint_pages = 0;
    auto store = runtime::Store::Open(config_.dir + "/" + n.id + ".db", so);
    if (!store) return Fail("store of " + n.id + ": " + store.error().message);
    n.store = std::move(*store);
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
    Node* node = &n;
    h.publish = [this, node](runtime::OutboundMessage m) { Send(node->id, std::move(m)); };
    h.saga_event = [this, node](const company::SagaEvent& e) {
      Trace("{} saga {}: {} {}", node->id, e.reservation_id, e.state, e.detail.substr(0, 80));
    };
    h.post = [node](const std::string& key, std::function<void()> task) {
      node->tasks.emplace_back(key, std::move(task));
    };
    auto core = company::CompanyCore::Load(std::move(o), world_, *n.store, clock_, &peers_, h);
    if (!core) return Fail("load of " + n.id + ": " + core.error().message);
    n.core = std::move(*core);
    n.up = true;
    n.changed = true;
    n.next_tick = now_ + kTickMs;
    n.core->coordinator().Resume();
    Trace("start {}", n.id);
  }

  // A process kill: what its lanes had is gone (the broker had it acked),
  // what is on disk stays; messages for it wait in its session.
  void Crash(Node& n) {
    n.tasks.clear();
    n.core.reset();
    n.store.reset();
    n.up = false;
    n.restart_at = now_ + Uniform(500, 20000);
    ++result_.crashes;
    Trace("crash {} (restart at {} ms)", n.id, n.restart_at);
  }

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

  // ---- the network ----
  void Send(const std::string& from, runtime::OutboundMessage m) {
    auto route = topics::ParseTopic(m.topic);
    if (!route) return Fail("a company published on a bad topic " + m.topic);
    std::string to;
    if (route->kind == topics::Kind::kSaga) {
      to = route->company;
    } else if (route->kind == topics::Kind::kVehicleReplies) {
      to = "vehicle:" + route->vehicle;
    } else {
      return;  // events and metrics: for monitors
    }
    Enqueue(from, to, {m.topic, m.payload, m.correlation_data, m.response_topic, from, 0});
  }

  bool Accepts(const std::string& to) override {
    return to.rfind("vehicle:", 0) == 0 || nodes_[to].up;
  }

  void Deliver(const std::string& from, const std::string& to, Message m) override {
    if (to.rfind("vehicle:", 0) == 0) return DeliverToVehicle(to.substr(8), m);
    Node& n = nodes_[to];
    auto route = topics::ParseTopic(m.topic);
    if (!route) return;
    Trace("deliver {} -> {}: {} {}", from.empty() ? "vehicle" : from, to, m.topic,
          m.payload.substr(0, 120));
    if (route->kind == topics::Kind::kSaga) {
      auto kind = topics::ParseSagaKind(route->name);
      if (!kind) return Fail("a saga message on an unknown topic: " + m.topic);
      if (auto st = n.core->OnSagaMessage(route->agent, *kind, m.payload); !st) {
        Fail("a saga message did not decode: " + st.error().message);
      }
      return MaybeCrashAfterReceipt(n);
    }
    auto op = topics::ParseOp(route->name);
    if (!op) return;
    std::string agent = route->agent;
    n.tasks.emplace_back(agent, [this, &n, op = *op, agent, m] {
      company::ReplyTo reply_to{m.response_topic, m.correlation, schemas::PeekRequestId(m.payload)};
      auto reply = n.core->handlers().Handle(op, agent, false, m.payload, reply_to);
      if (!reply.deferred) {
        Send(n.id, {.topic = m.response_topic,
                    .payload = reply.payload,
                    .correlation_data = m.correlation});
      }
    });
    MaybeCrashAfterReceipt(n);
  }

  // The broker counts a message delivered once the agent has it, before a
  // lane runs it: a crash in between loses it.
  void MaybeCrashAfterReceipt(Node& n) {
    if (faulting_ && n.up && Chance(0.05)) Crash(n);
  }

  // ---- vehicles ----
  void MakeVehicles() {
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
  }

  bool AllVehiclesDone() const {
    return std::all_of(vehicles_.begin(), vehicles_.end(), [](const Vehicle& v) {
      return v.cycles_left == 0 && v.waiting_corr.empty();
    });
  }

  void Request(Vehicle& v, topics::Op op, std::string payload) {
    v.waiting_corr = fmt::format("c{}", ++serial_);
    v.waiting_op = topics::OpName(op);
    v.gave_up_at = now_ + kVehicleTimeoutMs;
    Trace("{} asks {}: {}", v.id, topics::OpName(op), payload.substr(0, 100));
    Enqueue("vehicle:" + v.id, v.home,
            {topics::Request(v.home, v.id, op), std::move(payload), v.waiting_corr,
             topics::VehicleReplies(v.id), "", 0});
  }

  // The vehicle's next move: reserve, then confirm, cancel or let the hold go.
  void Act(Vehicle& v) {
    if (v.status == schemas::ReservationStatus::kHeld) {
      auto choice = Uniform(0, 9);
      if (choice < 6)
        return Request(v, topics::Op::kConfirm,
                       schemas::EncodeRef({"", v.reservation_id}, "confirm"));
      if (choice < 8) return Cancel(v);
      v.status.reset();  // lets the hold expire
    } else if (v.status == schemas::ReservationStatus::kConfirmed && Chance(0.3)) {
      return Cancel(v);
    }
    if (v.cycles_left == 0) return;
    --v.cycles_left;
    schemas::PlanRequest plan;
    plan.from = v.trip.from;
    plan.to = v.trip.to;
    plan.depart_at = v.depart_at;
    plan.vehicle = {60,   0.17,         v.trip.soc,
                    0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
    schemas::ReserveRequest req{fmt::format("rq-{}-{}", v.id, v.cycles_left), "", plan,
                                Chance(0.5)};
    Request(v, topics::Op::kReserve, schemas::Encode(req));
  }

  void Cancel(Vehicle& v) {
    v.cancel_sent.insert(v.reservation_id);
    Request(v, topics::Op::kCancel, schemas::EncodeRef({"", v.reservation_id}, "cancel"));
  }

  void DeliverToVehicle(const std::string& id, const Message& m) {
    auto it = std::find_if(vehicles_.begin(), vehicles_.end(), [&](auto& v) { return v.id == id; });
    if (it == vehicles_.end()) return;
    Vehicle& v = *it;
    Trace("{} hears {}", v.id, m.payload.substr(0, 140));
    auto r = schemas::Decode<schemas::Reservation>(m.payload);
    if (r && r->status == schemas::ReservationStatus::kConfirmed)
      v.heard_confirmed.insert(r->reservation_id);
    if (r) ++result_.reservations;
    if (m.correlation != v.waiting_corr) return;  // late, or a duplicate
    v.waiting_corr.clear();
    if (r) {
      v.reservation_id = r->reservation_id;
      v.status = r->status;
    } else {
      v.status.reset();  // an error: start over
    }
    v.next_action = now_ + Uniform(10, 3000);
  }

  // ---- the scheduler ----
  // One step: a random one of whatever can happen now, else time moves on.
  void Step(bool faults) {
    faulting_ = faults;
    std::vector<std::function<void()>> can;
    AddDeliveries(can);
    for (auto& entry : nodes_) {
      Node& n = entry.second;  // a lambda captures it, not a structured binding
      if (!n.up) continue;
      AddTasks(can, n);
      if (n.next_tick <= now_) can.push_back([this, &n] { TickNode(n); });
    }
    for (auto& v : vehicles_) {
      if (!v.waiting_corr.empty() && v.gave_up_at <= now_) {
        can.push_back([this, &v] {
          Trace("{} gives up on {}", v.id, v.waiting_op);
          v.waiting_corr.clear();
          v.next_action = now_ + Uniform(10, 3000);
        });
      } else if (v.waiting_corr.empty() && v.next_action <= now_ &&
                 (v.cycles_left > 0 || v.status == schemas::ReservationStatus::kHeld ||
                  v.status == schemas::ReservationStatus::kConfirmed)) {
        can.push_back([this, &v] { Act(v); });
      }
    }
    if (faults) {
      for (auto& entry : nodes_) {
        Node& n = entry.second;
        if (n.up && Chance(0.002)) can.push_back([this, &n] { Crash(n); });
        if (!n.up && n.restart_at <= now_) can.push_back([this, &n] { Start(n); });
      }
      for (auto& entry : nodes_) {
        Node& n = entry.second;
        if (n.up && Chance(0.001)) can.push_back([this, &n] { Operate(n); });
      }
      if (Chance(0.001)) {
        can.push_back([this] {
          Time jump = Uniform(60, 1800);
          clock_.Advance(jump);
          Trace("the clock jumps {} s", jump);
        });
      }
    } else {
      for (auto& entry : nodes_) {
        Node& n = entry.second;
        if (!n.up) can.push_back([this, &n] { Start(n); });
      }
    }
    if (can.empty()) return Advance();
    can[Pick(can.size())]();
    ++result_.steps;
    CheckNoOverlap();
    if (result_.steps % 20 == 0) CheckNoOrphanHolds();
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

  void TickNode(Node& n) {
    n.changed = true;
    n.next_tick = now_ + kTickMs;
    n.core->Tick();
  }

  // Nothing can happen now: move to the next time something can.
  void Advance() {
    Ms next = NextDelivery(now_ + 5000);
    for (auto& [id, n] : nodes_) next = std::min(next, n.up ? n.next_tick : n.restart_at);
    for (auto& v : vehicles_) {
      next = std::min(next, v.waiting_corr.empty() ? v.next_action : v.gave_up_at);
    }
    AdvanceTo(next);
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

  bool Quiet() {
    if (!NetworkQuiet()) return false;
    for (auto& [id, n] : nodes_) {
      if (!n.up || !n.tasks.empty() || n.core->coordinator().UnfinishedCount() > 0) return false;
      if (!n.core->participant().Outbox().empty()) return false;  // a saga.changed to resend
    }
    return true;
  }

  // Faults stop; every saga must reach its final state within kSettleMs.
  void Settle(Ms since) {
    Trace("faults stop");
    while (result_.ok && now_ - since < kSettleMs) {
      Step(false);
      if (Quiet()) break;
    }
    if (result_.ok && !Quiet()) {
      std::string open;
      for (auto& [id, n] : nodes_) {
        if (n.up)
          open += fmt::format(" {}: {} saga(s), {} task(s);", id,
                              n.core->coordinator().UnfinishedCount(), n.tasks.size());
      }
      Fail("sagas still unfinished an hour after the last fault:" + open);
    }
    // Settled, and before any hold could lapse on its own: nothing may be held
    // or booked for a reservation that is not live.
    // (After a tick of each company: the clock may have just jumped past a
    // hold's expiry, which only its company's next sweep acts on.)
    if (result_.ok) {
      for (auto& [id, n] : nodes_) n.core->Tick();
      Ms until = now_ + kSettleMs;
      while (result_.ok && !Quiet() && now_ < until) Step(false);
      CheckStores("once the sagas settled");
    }
    // Past every hold's expiry, with the ticks that sweep them.
    Ms until = now_ + kSettleMs;
    for (int i = 0; i < 8 && result_.ok; ++i) {
      clock_.Advance(120);
      for (auto& [id, n] : nodes_) n.core->Tick();
      while (result_.ok && !Quiet() && now_ < until) Step(false);
    }
    if (result_.ok && !Quiet()) Fail("the companies did not settle after the holds expired");
  }

  // The project's consistency checker over the three stores.
  void CheckStores(const std::string& when) {
    std::map<std::string, std::string> stores;
    for (const char* id : kCompanies) stores[id] = config_.dir + "/" + id + ".db";
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

  void CheckEnd() {
    CheckStores("at the end");
    if (!result_.ok) return;
    for (const auto& v : vehicles_) {
      for (const auto& id : v.heard_confirmed) {
        auto r = nodes_[v.home].core->book().Get(v.id, id);
        if (!r)
          return Fail(v.id + " heard confirmed for " + id + ", which its company does not know");
        // Once confirmed: cancelled by the vehicle, or ended by the clock
        // (nobody checks in here, so a passed stop makes it a no-show).
        bool cancelled =
            v.cancel_sent.count(id) && r->status == schemas::ReservationStatus::kCancelled;
        bool ended = r->status == schemas::ReservationStatus::kNoShow ||
                     r->status == schemas::ReservationStatus::kFulfilled;
        if (r->status != schemas::ReservationStatus::kConfirmed && !cancelled && !ended) {
          return Fail(fmt::format("{} heard confirmed for {}, which is {}", v.id, id,
                                  schemas::ReservationStatusName(r->status)));
        }
      }
      result_.confirmed_heard += static_cast<int>(v.heard_confirmed.size());
    }
  }

  const core::World& world_;
  SimPeers peers_{*this};
  std::uint64_t serial_ = 0;
  std::map<std::string, Node> nodes_;
  std::vector<Vehicle> vehicles_;
};

}  // namespace

SimResult RunSimulation(const SimConfig& config) {
  runtime::SetLogLevel(runtime::LogLevel::kError);
  Simulation sim(config);
  SimResult r = sim.Run();
  std::error_code ec;
  if (r.ok) std::filesystem::remove_all(config.dir, ec);
  return r;
}

}  // namespace tripmesh::dst
