// The saga's simulation for the air profile: the three airlines run the very
// profile their agent runs (MakeAirProfile) on services the simulation lends
// it: a store of its own, the simulated network, lanes the PRNG interleaves
// and the manual clock. Passengers plan, buy (some hold first, some name a
// seat another passenger got), confirm, cancel or let a hold lapse, while
// airlines crash and restart and the clock jumps. The air checker reads the
// stores as the run goes and once it settles.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include "fake_transport.h"
#include "seat_records.h"
#include "sim_kernel.h"
#include "testing.h"
#include "tripmesh/airline/air_consistency.h"
#include "tripmesh/airline/airline_agent.h"
#include "tripmesh/base/ids.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::dst {
namespace {

using schemas::ReservationStatus;

constexpr std::array<const char*, 3> kAirlines = {"jangada", "sabia", "tucano"};
constexpr int kCheckEverySteps = 40;  // the checker reads the stores this often
constexpr Time kHoldTtlS = 300;

struct AirTrip {
  const char* from;
  const char* to;
  Time depart_after;  // after the plan is asked for
};
// Trips whose itineraries mix airlines (Belém to Natal takes all three) and
// one airline's own, on the same days, so that passengers share legs.
constexpr std::array<AirTrip, 6> kAirTrips = {{
    {"BEL", "NAT", 3600},
    {"GRU", "FOR", 3600},
    {"MAO", "REC", 7200},
    {"REC", "JPA", 3600},
    {"BSB", "BEL", 7200},
    {"FOR", "GRU", 3600},
}};

// A live airline: its store, the services it is lent and its profile.
struct Airline : SimNode {
  std::unique_ptr<runtime::Store> store;
  testing::FakeTransport transport;  // the profile is lent one; it publishes through `send`
  std::unique_ptr<engine::Services> services;
  std::unique_ptr<engine::Profile> profile;
};

struct Passenger : SimClient {
  AirTrip trip{};
  std::optional<schemas::AirItinerary> chosen;  // planned, to buy next
};

class AirSimulation final : public SimKernel {
 public:
  explicit AirSimulation(const SimConfig& c) : SimKernel(c, "passengers") {
    for (const char* id : kAirlines) {
      airlines_[id].id = id;
      AddNode(airlines_[id]);
    }
  }

 private:
  // ---- airlines ----
  bool Start(SimNode& node) override {
    Airline& n = Of(node);
    n.store = OpenStore(n.id);
    if (!n.store) return false;
    Airline* at = &n;
    n.services = std::make_unique<engine::Services>(engine::Services{
        .store = *n.store,
        .transport = n.transport,
        .clock = clock_,
        .send = [this, at](runtime::OutboundMessage m) { Publish(at->id, std::move(m)); },
        .send_event = [](runtime::OutboundMessage) {},  // for monitors
        .post = [at](const std::string& key,
                     std::function<void()> task) { at->tasks.emplace_back(key, std::move(task)); },
        .count = [](const std::string&, std::int64_t) {}});
    airline::AirlineOptions o;
    o.id = n.id;
    o.data_dir = testing::DataDir() + "/air";
    o.hold_ttl_s = kHoldTtlS;
    o.saga_timeout = std::chrono::milliseconds(5000);
    o.steady_now = [this] {
      return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_));
    };
    auto profile = airline::MakeAirProfile(o, *n.services);
    if (!profile) {
      Fail("load of " + n.id + ": " + profile.error().message);
      return false;
    }
    n.profile = std::move(*profile);
    // The broker hands a new session the other airlines' retained timetables.
    for (const auto& [topic, payload] : retained_) {
      n.profile->HearCatalogue({.topic = topic, .payload = payload, .retained = true});
    }
    return true;
  }

  // Publishes its timetable (retained) and resumes its sagas.
  void Online(SimNode& n) override { Of(n).profile->Online(); }

  void Stop(SimNode& node) override {
    Airline& n = Of(node);
    n.profile.reset();
    n.services.reset();
    n.store.reset();
  }

  void Tick(SimNode& n) override { Of(n).profile->Tick(++ticks_); }

  Status OnSaga(SimNode& n, const std::string& from, topics::SagaKind kind,
                std::string_view payload) override {
    return Of(n).profile->OnSagaMessage(from, kind, payload);
  }

  engine::Reply Handle(SimNode& n, topics::Op op, const std::string& passenger,
                       std::string_view payload, const engine::ReplyTo& reply_to) override {
    return Of(n).profile->Handle(op, passenger, false, payload, reply_to);
  }

  // A timetable, retained: every airline up hears it now, one that starts
  // later at its start.
  void Published(const std::string& from, const runtime::OutboundMessage& m) override {
    auto route = topics::ParseTopic(m.topic);
    if (!route || route->kind != topics::Kind::kTimetable) return;
    retained_[m.topic] = m.payload;
    for (auto& [id, n] : airlines_) {
      if (id != from && n.up) n.profile->HearCatalogue({.topic = m.topic, .payload = m.payload});
    }
  }

  std::int64_t Unfinished(SimNode& n) override {
    return static_cast<std::int64_t>(Of(n).profile->UnfinishedSagas());
  }

  static Airline& Of(SimNode& n) { return static_cast<Airline&>(n); }

  // ---- passengers ----
  void MakeClients() override {
    for (int i = 0; i < config_.vehicles; ++i) {
      Passenger p;
      p.trip = kAirTrips[Pick(kAirTrips.size())];
      p.id = fmt::format("pax-{}", i);
      p.home = kAirlines[Pick(kAirlines.size())];
      p.cycles_left = config_.cycles;
      p.next_action = Uniform(0, 2000);
      passengers_.push_back(std::move(p));
    }
    for (auto& p : passengers_) AddClient(p);
  }

  bool HasMoves(const SimClient& c) const override {
    return SimKernel::HasMoves(c) || static_cast<const Passenger&>(c).chosen;
  }
  bool Finished(const SimClient& c) const override {
    return SimKernel::Finished(c) && !static_cast<const Passenger&>(c).chosen;
  }

  // The passenger's next move: after a reservation's follow-up, buy what was
  // planned, else plan the next trip.
  void Act(SimClient& c) override {
    auto& p = static_cast<Passenger&>(c);
    if (FollowUp(p)) return;
    if (p.chosen) return Buy(p);
    if (p.cycles_left == 0) return;
    --p.cycles_left;
    schemas::AirPlanRequest q;
    q.request_id = fmt::format("plan-{}-{}", p.id, p.cycles_left);
    q.from = p.trip.from;
    q.to = p.trip.to;
    q.depart_after = clock_.Now() + p.trip.depart_after;
    q.prefer = Chance(0.5) ? schemas::AirPrefer::kEarliestArrival : schemas::AirPrefer::kCheapest;
    Request(p, topics::Op::kPlan, schemas::Encode(q));
  }

  // Buys the chosen itinerary; now and then names a seat another passenger
  // got on a leg, so that two ask for one seat and the first hold wins.
  void Buy(Passenger& p) {
    schemas::AirReserveRequest req{.request_id = fmt::format("rq-{}-{}", p.id, p.cycles_left),
                                   .legs = {},
                                   .passengers = 1,
                                   .hold_only = Chance(0.5)};
    for (const auto& leg : p.chosen->legs) {
      schemas::AirReserveLeg want{.leg_id = leg.leg_id, .fare_class = leg.fare_class, .seats = {}};
      auto seen = seats_seen_.find(leg.leg_id);
      if (seen != seats_seen_.end() && !seen->second.empty() && Chance(0.3)) {
        want.seats = {seen->second[Pick(seen->second.size())]};
      }
      req.legs.push_back(std::move(want));
    }
    p.chosen.reset();
    Reserve(p, schemas::Encode(req), req.hold_only);
  }

  void Hear(SimClient& c, const Message& m) override {
    auto& p = static_cast<Passenger&>(c);
    bool planned = m.correlation == p.waiting_corr && p.waiting_op == topics::Op::kPlan;
    if (planned) {
      if (Answered(p, m)) Choose(p, m.payload);
      return;
    }
    auto r = schemas::Decode<schemas::AirReservation>(m.payload);
    if (r) {
      Heard(p, m, r->reservation_id, r->status);
      SeatsGot(*r);
    }
    if (!Answered(p, m)) return;
    if (r) {
      p.reservation_id = r->reservation_id;
      p.status = r->status;
    } else {
      p.status.reset();  // an error: start over
    }
  }

  void SeatsGot(const schemas::AirReservation& r) {
    for (const auto& leg : r.legs) {
      auto& seats = seats_seen_[leg.leg_id];
      for (const auto& s : leg.seats) {
        if (std::find(seats.begin(), seats.end(), s) == seats.end()) seats.push_back(s);
      }
    }
  }

  // Mostly the itinerary with the most airlines, else any.
  void Choose(Passenger& p, const std::string& payload) {
    auto plan = schemas::Decode<schemas::AirPlanResult>(payload);
    if (!plan || plan->itineraries.empty()) return;
    auto airlines = [](const schemas::AirItinerary& it) {
      std::set<std::string> names;
      for (const auto& leg : it.legs) names.insert(leg.airline);
      return names.size();
    };
    const auto& its = plan->itineraries;
    p.chosen = Chance(0.7) ? *std::max_element(its.begin(), its.end(),
                                               [&](const auto& a, const auto& b) {
                                                 return airlines(a) < airlines(b);
                                               })
                           : its[Pick(its.size())];
  }

  // ---- invariants ----
  void AfterStep() override {
    if (result_.steps % kCheckEverySteps != 0) return;
    bool changed = false;
    for (auto& [id, n] : airlines_) changed = std::exchange(n.changed, false) || changed;
    if (changed) CheckStores("during the run");
  }

  // The air checker over the three stores: no seat sold or held twice, no
  // seat row without its live reservation, every confirmed itinerary bought
  // at every airline it names, no ended one's seats kept past their hold.
  void CheckStores(const std::string& when) override {
    if (!result_.ok) return;
    std::map<std::string, std::string> stores;
    for (const char* id : kAirlines) stores[id] = StorePath(id);
    auto report = airline::CheckAirStores(stores, clock_.Now(), 5);
    if (!report) return Fail("the checker failed " + when + ": " + report.error().message);
    if (report->ok()) return;
    std::string found;
    for (const auto* list :
         {&report->sold_twice, &report->orphans, &report->unbooked, &report->sagas_apart}) {
      for (const auto& f : *list) found += "\n    " + f;
    }
    Fail("the checker found " + when + ": " + report->Summary() + found);
  }

  // Also: once every hold has lapsed and been swept, nothing is held.
  void CheckEnd() override {
    SimKernel::CheckEnd();
    for (auto& [id, n] : airlines_) {
      if (!result_.ok) return;
      auto held = engine::ReadAll<schemas::AirReservation>(
          *n.store, [](runtime::Tx& tx, const engine::BodyFn& each) {
            return airline::records::Reservations().WithStatus(tx, {ReservationStatus::kHeld},
                                                               each);
          });
      if (!held) return Fail(id + "'s store: " + held.error().message);
      if (!held->empty()) {
        return Fail(fmt::format("{} still holds {} after every hold lapsed", id,
                                held->front().reservation_id));
      }
    }
  }

  // What the passenger's home airline says of an itinerary or sale now.
  Result<ReservationStatus> StatusAtHome(SimClient& p, const std::string& id) override {
    auto reply = airlines_[p.home].profile->Handle(topics::Op::kGet, p.id, false,
                                                   schemas::EncodeRef({"", id}, "get"), {});
    if (reply.error) return tripmesh::Fail(*reply.error, reply.payload);
    auto r = schemas::Decode<schemas::AirReservation>(reply.payload);
    if (!r) return tl::unexpected<Error>(r.error());
    return r->status;
  }

  int ticks_ = 0;
  std::map<std::string, Airline> airlines_;
  std::vector<Passenger> passengers_;
  std::map<std::string, std::string> retained_;                 // topic -> timetable
  std::map<std::string, std::vector<std::string>> seats_seen_;  // leg -> seats passengers got
};

}  // namespace

SimResult RunAirSimulation(const SimConfig& config) {
  AirSimulation sim(config);
  return sim.Run(2);
}

}  // namespace tripmesh::dst
