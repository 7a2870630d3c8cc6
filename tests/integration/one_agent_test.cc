// One writer per company: a second agent for a store or a company refuses to
// start, and an agent whose client id is taken stops instead of fighting for
// it; requests carry deadlines that a company honours.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "company_fixture.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;

class OneAgentTest : public CompanyFixture {
 protected:
  // Runs a second `tripmesh company` to its end; its exit code and log.
  int RunSecond(const std::string& id, const std::string& db, std::string* log) {
    std::string path = dir_ + "/second-" + std::to_string(++seconds_) + ".log";
    auto p = harness::Process::Spawn({TripmeshBinary(), "company", "--id", id, "--broker",
                                      broker_->uri(), "--data", DataDir(), "--db", db},
                                     path);
    EXPECT_TRUE(p);
    if (!p) return -1;
    int status = -1;
    EXPECT_TRUE((*p)->Wait(5s, &status)) << "the second agent did not stop on its own";
    auto text = worldfiles::ReadFile(path);
    if (log) *log = text ? *text : "";
    return status;
  }
  std::unique_ptr<runtime::Transport> RawClient(const std::string& client_id) {
    runtime::TransportOptions o;
    o.broker = broker_->uri();
    o.client_id = client_id;
    o.clean_start = true;
    auto t = runtime::NewMosquittoTransport(o);
    EXPECT_TRUE(t->Connect(5s));
    return t;
  }
  int seconds_ = 0;
};

TEST_F(OneAgentTest, ASecondAgentRefusesAtOnceWhileVehiclesReserveAndNothingIsLost) {
  StartWorld({"voltpoint", "eflux", "ecocharge"});
  constexpr int kVehicles = 64;
  std::atomic<bool> stop{false};
  std::atomic<int> replies{0}, failures{0};
  std::vector<std::thread> fleet;
  for (int i = 0; i < kVehicles; ++i) {
    fleet.emplace_back([&, i] {
      auto car = ConnectVehicle(broker_->uri(), "one-" + std::to_string(i), "voltpoint", "", 30s);
      if (!car) return ++failures, void();
      // Local bookings and sagas across the three companies.
      auto trip =
          i % 2 ? Trip("salvador-ba", "jequie-ba", 0.5) : Trip("salvador-ba", "fortaleza-ce", 1.0);
      trip.depart_at = Tomorrow() + 600 * i;
      while (!stop.load()) {
        auto r = car->Reserve({"", "", trip, false});
        if (r) {
          ++replies;
          if (r->status == schemas::ReservationStatus::kConfirmed)
            (void)car->Cancel(r->reservation_id);
        } else if (r.error().code != Errc::kUnreachable) {
          ADD_FAILURE() << "vehicle " << i << ": " << r.error().message;
          ++failures;
        }
      }
    });
  }
  std::this_thread::sleep_for(1s);

  std::string log;
  EXPECT_EQ(RunSecond("voltpoint", dir_ + "/voltpoint.db", &log), 1) << log;
  EXPECT_NE(log.find("is in use by company voltpoint, pid " +
                     std::to_string(agents_["voltpoint"]->pid())),
            std::string::npos)
      << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << "one line: " << log;

  EXPECT_EQ(RunSecond("voltpoint", dir_ + "/voltpoint-other.db", &log), 1) << log;
  EXPECT_NE(log.find("company voltpoint is already served by pid " +
                     std::to_string(agents_["voltpoint"]->pid())),
            std::string::npos)
      << log;

  std::this_thread::sleep_for(1s);
  stop = true;
  for (auto& t : fleet) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(replies.load(), kVehicles);
  EXPECT_TRUE(agents_["voltpoint"]->Running());

  std::string out;
  for (auto& [c, p] : agents_) p->Stop();
  int code = RunCommand(
      TripmeshBinary() + " check --data " + DataDir() + " --var " + dir_ + " 2>&1", &out);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("consistent: "), std::string::npos) << out;
  EXPECT_NE(out.find("; no finding"), std::string::npos) << out;
}

// On PostgreSQL the database holds the writer's lock: a second agent of the
// company on the same database is refused, naming the first, however many
// machines they run on; once the first stops, the lock is free again.
TEST_F(OneAgentTest, ASecondAgentOnTheSamePostgresDatabaseIsRefused) {
  backend_ = Backend::kPostgres;
  StartWorld({"voltpoint"});
  std::string log;
  EXPECT_EQ(RunSecond("voltpoint", stores_["voltpoint"], &log), 1) << log;
  EXPECT_NE(
      log.find("in use by company voltpoint, pid " + std::to_string(agents_["voltpoint"]->pid())),
      std::string::npos)
      << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << "one line: " << log;
  agents_["voltpoint"]->Stop();
  ASSERT_TRUE(WaitOnline(broker_->uri(), "voltpoint", false));
  RestartCompany("voltpoint");
  EXPECT_TRUE(agents_["voltpoint"]->Running());
}

TEST_F(OneAgentTest, AnAgentWhoseClientIdIsTakenStopsAndLeavesTheStatusToTheNewOwner) {
  StartWorld({"voltpoint"});
  // Another agent, as the broker sees it: it takes the client id and says it
  // serves the company from another host.
  auto other = RawClient("company-voltpoint");
  schemas::CompanyStatus s{.company = "voltpoint", .online = true, .timestamp = Tomorrow()};
  s.host = "elsewhere";
  s.pid = 4242;
  ASSERT_TRUE(other->Publish({.topic = topics::CompanyStatus("voltpoint"),
                              .payload = schemas::Encode(s),
                              .retain = true}));
  ASSERT_TRUE(other->Flush(2s));
  int status = -1;
  ASSERT_TRUE(agents_["voltpoint"]->Wait(10s, &status)) << "the agent fought for its client id";
  EXPECT_EQ(status, 1);
  auto log = worldfiles::ReadFile(dir_ + "/voltpoint.log");
  ASSERT_TRUE(log);
  EXPECT_NE(log->find("another connection took client id company-voltpoint"), std::string::npos)
      << *log;
  // It did not say goodbye over the new owner's status.
  for (const auto& m : recorder_->Messages()) {
    if (m.topic != topics::CompanyStatus("voltpoint")) continue;
    EXPECT_EQ(m.payload.find(R"("reason":"stopped")"), std::string::npos) << m.payload;
  }
  other->Disconnect();
}

TEST_F(OneAgentTest, ARequestPastItsDeadlineIsNeverStartedAndOneInTimeIs) {
  StartWorld({"ecocharge"});
  agents_["ecocharge"]->Stop();
  ASSERT_TRUE(WaitOnline(broker_->uri(), "ecocharge", false));

  // A client that reads no status (as mosquitto_rr) sends while the company
  // is down; the broker keeps the request for the company's session.
  vehicle::VehicleOptions o;
  o.id = "ghost";
  o.home = "ecocharge";
  o.mqtt.broker = broker_->uri();
  o.timeout = 2s;
  o.check_home = false;
  auto ghost = vehicle::VehicleClient::Connect(o);
  ASSERT_TRUE(ghost);
  auto trip = Trip("recife-pe", "caruaru-pe", 0.1);
  auto gave_up = (*ghost)->Reserve({"", "", trip, false});
  ASSERT_FALSE(gave_up);
  EXPECT_EQ(gave_up.error().code, Errc::kTimeout);
  std::string request_id = (*ghost)->last_request_id();
  EXPECT_NE(gave_up.error().message.find(request_id), std::string::npos);

  // Also without MQTT v5 properties: a payload deadline alone, already past.
  auto raw = RawClient("raw-ghost");
  ASSERT_TRUE(
      raw->Publish({.topic = topics::Request("ecocharge", "ghost", topics::Op::kReserve),
                    .payload = R"({"request_id":"late-1","deadline":"2020-01-01T00:00:00Z",)"
                               R"("plan":)" +
                               schemas::Encode(trip) + "}"}));
  ASSERT_TRUE(raw->Flush(2s));
  std::this_thread::sleep_for(2500ms);  // past the first request's deadline

  RestartCompany("ecocharge");
  auto car = Vehicle("ghost", "ecocharge");
  ASSERT_TRUE(car);
  std::this_thread::sleep_for(1s);  // whatever was queued has arrived by now
  auto list = car->List();
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_TRUE(list->reservations.empty()) << "a request the driver gave up on was booked";
  auto asked = car->ListForRequest(request_id);
  ASSERT_TRUE(asked);
  EXPECT_TRUE(asked->reservations.empty());

  // In time, it works, and its request id finds it.
  auto booked = car->Reserve({"", "", trip, false});
  ASSERT_TRUE(booked) << booked.error().message;
  EXPECT_EQ(booked->status, schemas::ReservationStatus::kConfirmed);
  auto found = car->ListForRequest(car->last_request_id());
  ASSERT_TRUE(found);
  ASSERT_EQ(found->reservations.size(), 1u);
  EXPECT_EQ(found->reservations[0].reservation_id, booked->reservation_id);
}

TEST_F(OneAgentTest, AClientAsksWhatBecameOfARequestByItsId) {
  StartWorld({"voltpoint"});
  auto car = Vehicle("asker", "voltpoint");
  ASSERT_TRUE(car);
  auto booked = car->Reserve({"", "", Trip("salvador-ba", "jequie-ba", 0.5), false});
  ASSERT_TRUE(booked) << booked.error().message;
  std::string reserve_id = car->last_request_id();
  auto found = car->ListForRequest(reserve_id);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->reservations.size(), 1u);
  EXPECT_EQ(found->reservations[0].reservation_id, booked->reservation_id);
  auto none = car->ListForRequest("q-never-sent");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->reservations.empty());
}

TEST_F(OneAgentTest, TheCliAnswersAtOnceForAnOfflineOrUnknownCompanyOrBroker) {
  StartWorld({"ecocharge"});
  agents_["ecocharge"]->Stop();
  ASSERT_TRUE(WaitOnline(broker_->uri(), "ecocharge", false));
  // With a long --timeout, so that an answer that waited for it would show.
  std::string cli =
      TripmeshBinary() + " vehicle --id ghost --timeout 60 --broker " + broker_->uri();
  std::string out;
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(RunCommand(cli + " --home ecocharge list 2>&1", &out), 1);
  EXPECT_NE(out.find("offline: ecocharge is offline since "), std::string::npos) << out;
  EXPECT_NE(out.find("(-03)"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(cli + " --home teslacorp list 2>&1", &out), 1);
  EXPECT_NE(out.find("unknown_company: no company teslacorp"), std::string::npos) << out;
  EXPECT_NE(out.find("known: ecocharge"), std::string::npos) << out;
  std::string refused =
      TripmeshBinary() +
      " vehicle --id ghost --timeout 60 --home ecocharge --broker mqtt://127.0.0.1:" +
      std::to_string(harness::FreeLoopbackPort()) + " list 2>&1";
  EXPECT_EQ(RunCommand(refused, &out), 1);
  EXPECT_NE(out.find("offline: cannot reach the broker"), std::string::npos) << out;
  EXPECT_EQ(
      RunCommand(TripmeshBinary() + " vehicle --id ghost --timeout 60 --home ecocharge --broker "
                                    "mqtt://no-such-host.invalid:1883 list 2>&1",
                 &out),
      1);
  EXPECT_NE(out.find("unknown host no-such-host.invalid"), std::string::npos) << out;
  // None of the four waited for its 60 s timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 60s);
}

}  // namespace
}  // namespace tripmesh::testing
