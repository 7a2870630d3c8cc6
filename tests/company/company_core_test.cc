// The company's logic without a broker, processes or sleeps: handlers, saga
// coordinator and participant on CompanyCore, with real SQLite stores, a
// manual clock, lanes the test drains by hand, and the peers' client on a
// fake transport.
#include "company_core.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "fake_transport.h"
#include "testing.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {
namespace {

constexpr Time kNow = 1796112000;  // 2026-12-01T08:00:00Z

// Every point of every station asked about is free.
class FreePeers final : public Peers {
 public:
  std::map<std::string, schemas::AvailabilityResult> Availability(
      const std::map<std::string, std::vector<std::string>>& asked, Time from, Time to,
      std::chrono::milliseconds) override {
    std::map<std::string, schemas::AvailabilityResult> out;
    for (const auto& [company, stations] : asked) {
      auto& r = out[company];
      r.company = company;
      for (const auto& s : stations) {
        for (const auto& p : tripmesh::testing::DefaultWorld().FindStation(s)->points) {
          r.points.push_back({s, p.id, {{from, to}}});
        }
      }
    }
    return out;
  }
};

// On each backend: the same behaviour from SQLite and PostgreSQL.
class CompanyCoreTest : public ::testing::TestWithParam<tripmesh::testing::Backend> {
 protected:
  struct Company {
    std::unique_ptr<runtime::Store> store;
    std::unique_ptr<CompanyCore> core;
    std::deque<std::function<void()>> tasks;  // one lane is enough here
    std::vector<runtime::OutboundMessage> sent;
  };

  void SetUp() override {
    for (const char* id : {"voltpoint", "eflux", "ecocharge"}) {
      where_[id] = tripmesh::testing::NewStore(GetParam(), id);
      Open(id);
    }
  }

  // Starts company `id` on its store, as a restart would: what the previous
  // one had in memory or queued is gone.
  void Open(const std::string& id) {
    Company& c = companies_[id];
    c.core.reset();
    c.tasks.clear();
    c.sent.clear();
    c.store.reset();
    auto store = runtime::Store::Open(where_[id]);
    ASSERT_TRUE(store) << store.error().message;
    c.store = std::move(*store);
    CoreOptions o{.id = id};
    o.saga.steady_now = [this] {
      return std::chrono::steady_clock::time_point(std::chrono::milliseconds(steady_ms_));
    };
    CoreHooks h;
    h.publish = [&c](runtime::OutboundMessage m) { c.sent.push_back(std::move(m)); };
    h.post = [&c](const std::string&, std::function<void()> task) {
      c.tasks.push_back(std::move(task));
    };
    auto core =
        CompanyCore::Load(o, tripmesh::testing::DefaultWorld(), *c.store, clock_, &peers_, h);
    ASSERT_TRUE(core) << core.error().message;
    c.core = std::move(*core);
  }

  void Drain(const std::string& id) {
    auto& tasks = companies_[id].tasks;
    while (!tasks.empty()) {
      auto t = std::move(tasks.front());
      tasks.pop_front();
      t();
    }
  }

  // Moves the saga messages each company sent to their addressees (except
  // to `silent`), hop after hop until nobody sends any or `hops` are done;
  // returns what went to vehicles.
  std::vector<runtime::OutboundMessage> Exchange(const std::string& silent = "", int hops = 1000) {
    std::vector<runtime::OutboundMessage> to_vehicles;
    for (bool moved = true; moved && hops-- > 0;) {
      moved = false;
      for (auto& [id, c] : companies_) {
        Drain(id);
        auto sent = std::move(c.sent);
        c.sent.clear();
        for (auto& m : sent) {
          auto route = topics::ParseTopic(m.topic);
          EXPECT_TRUE(route) << m.topic;
          if (!route) continue;
          if (route->kind == topics::Kind::kVehicleReplies) {
            to_vehicles.push_back(std::move(m));
            continue;
          }
          if (route->kind != topics::Kind::kSaga || route->company == silent) continue;
          EXPECT_TRUE(companies_[route->company].core->OnSagaMessage(
              route->agent, *topics::ParseSagaKind(route->name), m.payload));
          moved = true;
        }
      }
    }
    return to_vehicles;
  }

  Reply Ask(const std::string& company, topics::Op op, const std::string& payload) {
    return companies_[company].core->handlers().Handle(op, "car", false, payload,
                                                       {topics::VehicleReplies("car"), "corr", ""});
  }

  static schemas::PlanRequest Trip(const std::string& from, const std::string& to, double soc) {
    schemas::PlanRequest r;
    r.from = from;
    r.to = to;
    r.depart_at = kNow + 3600;
    r.vehicle = {60, 0.17, soc, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
    return r;
  }

  // VoltPoint's saga `sr-voltpoint-{n}` asking E-Flux for a point in Aldeota, held 120 s.
  static schemas::SagaRequest EfluxPart(const std::string& n) {
    schemas::SagaRequest req;
    req.saga_id = "sr-voltpoint-" + n;
    req.reservation_id = "r-voltpoint-" + n;
    req.vehicle = "car";
    req.items = {{"ef-fortaleza-aldeota", "", kNow + 7200, kNow + 9000, 30}};
    req.hold_ttl_s = 120;
    return req;
  }

  std::map<std::string, std::string> where_;  // company -> its store
  core::ManualClock clock_{kNow};
  std::int64_t steady_ms_ = 0;
  FreePeers peers_;
  std::map<std::string, Company> companies_;
};

INSTANTIATE_TEST_SUITE_P(Backends, CompanyCoreTest, tripmesh::testing::EveryBackend(),
                         tripmesh::testing::NameOfBackend());

TEST_P(CompanyCoreTest, APlanIsBookedOnceAndItsReservationIsDurable) {
  auto plan =
      Ask("voltpoint", topics::Op::kPlan, schemas::Encode(Trip("salvador-ba", "jequie-ba", 0.3)));
  auto plans = schemas::Decode<schemas::PlanResult>(plan.payload);
  ASSERT_TRUE(plans) << plan.payload;
  std::string plan_id = plans->plans.front().plan_id;
  auto first = schemas::Decode<schemas::Reservation>(
      Ask("voltpoint", topics::Op::kReserve,
          schemas::Encode(schemas::ReserveRequest{"a", plan_id, {}, false}))
          .payload);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, schemas::ReservationStatus::kConfirmed);
  auto again = schemas::Decode<schemas::Reservation>(
      Ask("voltpoint", topics::Op::kReserve,
          schemas::Encode(schemas::ReserveRequest{"b", plan_id, {}, false}))
          .payload);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->reservation_id, first->reservation_id);
  auto stored = companies_["voltpoint"].core->book().Get("car", first->reservation_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, schemas::ReservationStatus::kConfirmed);
}

TEST_P(CompanyCoreTest, TheVehicleHearsConfirmedOnlyOnceEveryParticipantCommitted) {
  auto reply = Ask("voltpoint", topics::Op::kReserve,
                   schemas::Encode(schemas::ReserveRequest{
                       "r1", "", Trip("salvador-ba", "fortaleza-ce", 1.0), false}));
  ASSERT_TRUE(reply.deferred) << reply.payload;
  Drain("voltpoint");
  auto& sent = companies_["voltpoint"].sent;
  std::set<std::string> asked;
  for (const auto& m : sent) asked.insert(m.topic);
  EXPECT_TRUE(asked.count(topics::Saga("eflux", "voltpoint", topics::SagaKind::kRequest)));
  EXPECT_TRUE(asked.count(topics::Saga("ecocharge", "voltpoint", topics::SagaKind::kRequest)));
  // Two hops: the requests held and acked, the acks in and the commits sent.
  // The participants still hold (their commits have not run) and the vehicle
  // has heard nothing: its confirmation waits for every commit ack.
  EXPECT_TRUE(Exchange("", 2).empty());
  EXPECT_EQ(companies_["voltpoint"].core->coordinator().UnfinishedCount(), 1u);
  for (const char* c : {"eflux", "ecocharge"}) {
    int holds = 0;
    for (const auto& [point, ivs] : companies_[c].core->book().Snapshot()) {
      for (const auto& iv : ivs) holds += iv.expires_at ? 1 : 0;
    }
    EXPECT_GT(holds, 0) << c << " holds nothing before its commit";
  }
  auto heard = Exchange();
  ASSERT_EQ(heard.size(), 1u);
  auto r = schemas::Decode<schemas::Reservation>(heard.front().payload);
  ASSERT_TRUE(r) << heard.front().payload;
  EXPECT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
  for (const char* c : {"voltpoint", "eflux", "ecocharge"}) {
    bool booked = false;
    for (const auto& [point, ivs] : companies_[c].core->book().Snapshot()) {
      for (const auto& iv : ivs)
        booked |= iv.owner.find(r->reservation_id) != std::string::npos && !iv.expires_at;
    }
    EXPECT_TRUE(booked) << c << " holds no booking of " << r->reservation_id;
  }
}

TEST_P(CompanyCoreTest, ASilentParticipantTimesOutAndEveryHoldIsReleased) {
  auto reply = Ask("voltpoint", topics::Op::kReserve,
                   schemas::Encode(schemas::ReserveRequest{
                       "r1", "", Trip("salvador-ba", "fortaleza-ce", 1.0), false}));
  ASSERT_TRUE(reply.deferred);
  EXPECT_TRUE(Exchange("ecocharge").empty()) << "no answer before the timeout";
  steady_ms_ += 5001;
  companies_["voltpoint"].core->Tick();
  auto heard = Exchange("ecocharge");
  ASSERT_EQ(heard.size(), 1u);
  auto r = schemas::Decode<schemas::Reservation>(heard.front().payload);
  ASSERT_TRUE(r) << heard.front().payload;
  EXPECT_EQ(r->status, schemas::ReservationStatus::kFailed);
  ASSERT_TRUE(r->error);
  EXPECT_EQ(r->error->code, Errc::kTimeout);
  EXPECT_NE(r->error->message.find("ecocharge"), std::string::npos) << r->error->message;
  for (const char* c : {"voltpoint", "eflux"}) {
    for (const auto& [point, ivs] : companies_[c].core->book().Snapshot()) {
      EXPECT_TRUE(ivs.empty()) << c << " still holds " << point;
    }
  }
}

TEST_P(CompanyCoreTest, ACompensateBeforeItsRequestLeavesATombstoneThatRefusesTheRequest) {
  auto& eflux = companies_["eflux"];
  ASSERT_TRUE(eflux.core->OnSagaMessage(
      "voltpoint", topics::SagaKind::kCompensate,
      schemas::Encode(schemas::SagaCompensate{"sr-voltpoint-1", "failed"})));
  Drain("eflux");
  auto req = EfluxPart("1");
  ASSERT_TRUE(
      eflux.core->OnSagaMessage("voltpoint", topics::SagaKind::kRequest, schemas::Encode(req)));
  Drain("eflux");
  ASSERT_EQ(eflux.sent.size(), 2u);
  auto ack = schemas::Decode<schemas::SagaAck>(eflux.sent.back().payload);
  ASSERT_TRUE(ack) << eflux.sent.back().payload;
  EXPECT_EQ(ack->phase, schemas::SagaPhase::kRequest);
  EXPECT_FALSE(ack->ok);
  EXPECT_EQ(ack->code, Errc::kConflict);
  for (const auto& [point, ivs] : eflux.core->book().Snapshot()) EXPECT_TRUE(ivs.empty()) << point;
}

// A participant's hold moves (its point went out of service) while the lane
// of its saga may still be about to send the request's ack, which names the
// old point: the change goes out on that lane, after the ack, never before it
// (the coordinator takes an ack's holds over what it knew).
TEST_P(CompanyCoreTest, AMovedHoldIsToldToItsCoordinatorOnTheSagasLane) {
  auto& eflux = companies_["eflux"];
  ASSERT_TRUE(eflux.core->OnSagaMessage("voltpoint", topics::SagaKind::kRequest,
                                        schemas::Encode(EfluxPart("1"))));
  Drain("eflux");
  std::string held;
  for (const auto& [point, ivs] : eflux.core->book().Snapshot()) {
    if (!ivs.empty()) held = point;
  }
  ASSERT_FALSE(held.empty());
  eflux.sent.clear();
  schemas::PointStatusRequest out{.station = held.substr(0, held.find('/')),
                                  .point = held.substr(held.find('/') + 1),
                                  .status = schemas::PointStatus::kOutOfOrder};
  auto reply = eflux.core->admin().Handle(topics::AdminOp::kSetPointStatus, schemas::Encode(out));
  ASSERT_EQ(reply.payload.find("error"), std::string::npos) << reply.payload;
  auto changes = [&] {
    return std::count_if(eflux.sent.begin(), eflux.sent.end(), [](const auto& m) {
      return m.topic == topics::Saga("voltpoint", "eflux", topics::SagaKind::kChanged);
    });
  };
  EXPECT_EQ(changes(), 0) << "a change sent beside the saga's lane";
  Drain("eflux");
  EXPECT_EQ(changes(), 1);
}

// The coordinator sent a commit, then (another participant having refused
// it) a compensation; this participant's hold had lapsed, and the commit,
// late, arrives after the compensation: it books nothing.
TEST_P(CompanyCoreTest, ACommitArrivingAfterTheCompensationOfALapsedHoldBooksNothing) {
  auto& eflux = companies_["eflux"];
  auto req = EfluxPart("2");
  auto say = [&](topics::SagaKind kind, const std::string& payload) {
    eflux.sent.clear();
    EXPECT_TRUE(eflux.core->OnSagaMessage("voltpoint", kind, payload));
    Drain("eflux");
    EXPECT_FALSE(eflux.sent.empty());
    auto ack =
        schemas::Decode<schemas::SagaAck>(eflux.sent.empty() ? "" : eflux.sent.back().payload);
    EXPECT_TRUE(ack);
    return ack ? *ack : schemas::SagaAck{};
  };
  ASSERT_TRUE(say(topics::SagaKind::kRequest, schemas::Encode(req)).ok);
  clock_.Advance(121);
  eflux.core->Tick();  // the hold expires
  Drain("eflux");
  EXPECT_TRUE(say(topics::SagaKind::kCompensate,
                  schemas::Encode(schemas::SagaCompensate{"sr-voltpoint-2", "failed"}))
                  .ok);
  auto late =
      say(topics::SagaKind::kCommit, schemas::Encode(schemas::SagaCommit{"sr-voltpoint-2"}));
  EXPECT_FALSE(late.ok);
  EXPECT_EQ(late.code, Errc::kConflict) << late.detail;
  for (const auto& [point, ivs] : eflux.core->book().Snapshot()) EXPECT_TRUE(ivs.empty()) << point;
}

TEST(PeerClientTest, AsksEveryCompanyAtOnceAndLeavesOutOneThatDoesNotAnswer) {
  tripmesh::testing::FakeTransport transport;
  PeerClient peers("voltpoint", transport);
  transport.respond =
      [](const runtime::OutboundMessage& m) -> std::optional<runtime::InboundMessage> {
    auto route = topics::ParseTopic(m.topic);
    if (!route || route->company != "eflux") return std::nullopt;  // ecocharge is silent
    schemas::AvailabilityResult r{m.correlation_data, "eflux", kNow, kNow + 3600, {}};
    r.points.push_back({"ef-fortaleza-aldeota", "1", {{kNow, kNow + 3600}}});
    return runtime::InboundMessage{.topic = topics::CompanyReplies("voltpoint"),
                                   .payload = schemas::Encode(r),
                                   .correlation_data = m.correlation_data};
  };
  transport.SetReceiver([&](runtime::InboundMessage m) { peers.OnReply(m); });
  auto answers =
      peers.Availability({{"eflux", {"ef-fortaleza-aldeota"}}, {"ecocharge", {"ec-caruaru"}}}, kNow,
                         kNow + 3600, std::chrono::milliseconds(1));
  EXPECT_EQ(transport.published().size(), 2u);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers.begin()->first, "eflux");
  EXPECT_EQ(answers.begin()->second.points.front().free.front().end, kNow + 3600);
}

// A store made before the engine's saga tables kept a saga it coordinates in
// `sagas`: at the next start the engine takes it over and finishes it.
TEST_P(CompanyCoreTest, ASagaInTheOldSagasTableIsTakenOverAndFinished) {
  auto reply = Ask("voltpoint", topics::Op::kReserve,
                   schemas::Encode(schemas::ReserveRequest{
                       "r1", "", Trip("salvador-ba", "fortaleza-ce", 1.0), false}));
  ASSERT_TRUE(reply.deferred) << reply.payload;
  EXPECT_TRUE(Exchange("", 2).empty());  // committing: the commits are out
  auto& home = companies_["voltpoint"];
  home.sent.clear();  // and lost with the old agent
  std::optional<engine::SagaRecord> saga;
  ASSERT_TRUE(engine::ReadSagas(*home.store, [&](engine::SagaRecord r) { saga = std::move(r); }));
  ASSERT_TRUE(saga);
  ASSERT_EQ(saga->step, engine::SagaStep::kCommitting);
  auto moved = home.store->Write([&](runtime::Tx& tx) -> Status {
    for (const char* sql :
         {"CREATE TABLE sagas(saga_id TEXT PRIMARY KEY, reservation_id TEXT NOT NULL,"
          " state TEXT NOT NULL, outcome TEXT, hold_only BIGINT NOT NULL, request_id TEXT,"
          " body TEXT NOT NULL)",
          "DELETE FROM engine_saga_parts", "DELETE FROM engine_sagas"}) {
      if (auto st = tx.Exec(sql); !st) return st;
    }
    return tx.Exec(
        "INSERT INTO sagas(saga_id, reservation_id, state, outcome, hold_only, request_id, body)"
        " VALUES(?,?,'committing',NULL,0,?,?)",
        {saga->saga_id, saga->saga_id.substr(1), saga->request_id, saga->body});
  });
  ASSERT_TRUE(moved) << moved.error().message;
  // The checker reads such a store, engine tables or not: the old saga is in flight.
  auto before_engine = home.store->Write([](runtime::Tx& tx) -> Status {
    if (auto st = tx.Exec("DROP TABLE engine_saga_parts"); !st) return st;
    return tx.Exec("DROP TABLE engine_sagas");
  });
  ASSERT_TRUE(before_engine) << before_engine.error().message;
  auto checked = CheckConsistency(where_, kNow, 5);
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_EQ(checked->sagas_in_flight, 1) << checked->Summary();
  EXPECT_TRUE(checked->ok()) << checked->Summary();

  Open("voltpoint");
  companies_["voltpoint"].core->coordinator().Resume();
  EXPECT_EQ(companies_["voltpoint"].core->coordinator().UnfinishedCount(), 1u);
  Exchange();
  EXPECT_EQ(companies_["voltpoint"].core->coordinator().UnfinishedCount(), 0u);
  auto r = companies_["voltpoint"].core->book().Get("car", saga->saga_id.substr(1));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
  for (const char* c : {"eflux", "ecocharge"}) {
    bool booked = false;
    for (const auto& [point, ivs] : companies_[c].core->book().Snapshot()) {
      for (const auto& iv : ivs) booked |= iv.owner == saga->saga_id && !iv.expires_at;
    }
    EXPECT_TRUE(booked) << c << " did not commit " << saga->saga_id;
  }
  Open("voltpoint");  // the old table is gone: nothing is taken over twice
  EXPECT_EQ(companies_["voltpoint"].core->coordinator().UnfinishedCount(), 0u);
}

}  // namespace
}  // namespace tripmesh::company
