// Two agents of a company on one PostgreSQL database, exactly one serving:
// the standby takes over when the serving agent is killed or frozen past its
// lease, a frozen agent that wakes up writes nothing and steps down, and a
// saga whose coordinator died is finished by the new one.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "company_fixture.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/harness/postgres.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};

class StandbyTest : public CompanyFixture {
 protected:
  void SetUp() override { backend_ = Backend::kPostgres; }
  void Start(std::vector<std::string> extra = {"--saga-timeout-ms", "1500"}) {
    StartWorld(kCompanies, std::move(extra));
  }
  // A second agent of `c` on its database, waiting for the lease.
  std::unique_ptr<harness::Process> StartStandby(const std::string& c,
                                                 std::vector<std::string> extra = {}) {
    std::string log = dir_ + "/" + c + "-standby.log";
    auto args = WithStore(c, extra_);
    std::vector<std::string> argv = {TripmeshBinary(), "company", "--id",    c,          "--broker",
                                     broker_->uri(),   "--data",  DataDir(), "--standby"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = harness::Process::Spawn(argv, log);
    EXPECT_TRUE(p);
    if (!p) return nullptr;
    for (auto until = Steady::now() + 20s; Steady::now() < until;) {
      auto text = worldfiles::ReadFile(log);
      if (text && text->find("standing by") != std::string::npos) return std::move(*p);
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "the standby never stood by; see " << log;
    return std::move(*p);
  }
  // How long until the broker says `pid` serves `c` (its retained status).
  std::optional<std::chrono::milliseconds> ServedBy(const std::string& c, pid_t pid,
                                                    Steady::time_point since) {
    bool seen = recorder_->WaitFor(
        [&](const runtime::InboundMessage& m) {
          if (m.topic != topics::CompanyStatus(c)) return false;
          auto s = schemas::Decode<schemas::CompanyStatus>(m.payload);
          return s && s->online && s->pid == pid;
        },
        20s);
    if (!seen) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - since);
  }
  company::ConsistencyReport Settle(std::chrono::seconds limit = 30s) {
    company::ConsistencyReport last;
    auto until = Steady::now() + limit;
    do {
      auto r = company::CheckConsistency(stores_, RealNow(), 2);
      EXPECT_TRUE(r) << r.error().message;
      if (!r) return last;
      last = *r;
      if (last.ok() && last.sagas_in_flight == 0) return last;
      std::this_thread::sleep_for(200ms);
    } while (Steady::now() < until);
    return last;
  }
  static Time RealNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // The status of each reservation in `c`'s store, by id.
  std::map<std::string, std::string> StoredStatuses(const std::string& c) {
    auto store = runtime::Store::Open(stores_[c]);
    EXPECT_TRUE(store);
    std::map<std::string, std::string> out;
    if (store) {
      EXPECT_TRUE((*store)->Read([&](runtime::Tx& tx) {
        return tx.Query("SELECT id, status FROM reservations", {},
                        [&](const runtime::Row& r) { out[r.Str(0)] = r.Str(1); });
      }));
    }
    return out;
  }
  // Vehicles homed at VoltPoint reserving in a loop, locally and across the
  // three companies, until stopped; what each heard confirmed, and how much
  // of it after `marked`.
  struct Fleet {
    std::atomic<bool> stop{false}, marked{false};
    std::atomic<int> confirmed_after{0};
    std::mutex mu;
    std::vector<std::string> confirmed;  // guarded by mu
    std::vector<std::thread> threads;
    ~Fleet() {  // also when an assertion ends the test early
      stop = true;
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  };
  void StartFleet(Fleet& f, int vehicles) {
    for (int i = 0; i < vehicles; ++i) {
      f.threads.emplace_back([this, &f, i] {
        auto car = ConnectVehicle(broker_->uri(), "sb-" + std::to_string(i), "voltpoint", "", 30s);
        if (!car) return;
        for (int k = 0; !f.stop.load(); ++k) {
          Time depart = Tomorrow() + 3600 * (k % 48) + 60 * i;
          auto trip = i % 2 ? LongTrip(depart) : Trip("salvador-ba", "jequie-ba", 0.5);
          trip.depart_at = depart;
          auto r = car->Reserve({"", "", trip, false});
          if (r && r->status == schemas::ReservationStatus::kConfirmed) {
            std::lock_guard lock(f.mu);
            f.confirmed.push_back(r->reservation_id);
            if (f.marked) ++f.confirmed_after;
          } else if (!r) {
            std::this_thread::sleep_for(100ms);  // the company is between agents or databases
          }
        }
      });
    }
  }
  // Until the fleet has heard a few confirmations since `marked` (the new
  // agent or database serves), or 30 s.
  static void WaitForConfirmationsAfter(const Fleet& f) {
    for (auto until = Steady::now() + 30s; Steady::now() < until && f.confirmed_after < 20;) {
      std::this_thread::sleep_for(100ms);
    }
  }
  static void StopFleet(Fleet& f) {
    f.stop = true;
    for (auto& t : f.threads) t.join();
    f.threads.clear();
  }
  // Every reservation the fleet heard confirmed is confirmed in the store.
  void ExpectEveryConfirmationKept(Fleet& f) {
    std::lock_guard lock(f.mu);
    ASSERT_FALSE(f.confirmed.empty());
    auto stored = StoredStatuses("voltpoint");
    int lost = 0;
    for (const auto& id : f.confirmed) lost += stored[id] != "confirmed";
    EXPECT_EQ(lost, 0) << "of " << f.confirmed.size() << " confirmed";
  }

  static schemas::PlanRequest LongTrip(Time depart) {
    auto trip = Trip("salvador-ba", "fortaleza-ce", 1.0);
    trip.vehicle.battery_kwh = 50;
    trip.vehicle.consumption_kwh_per_km = 0.165;
    trip.depart_at = depart;
    return trip;
  }
};

// The serving agent is SIGKILLed while 50 vehicles reserve across the three
// companies: the standby serves within seconds, every reservation a vehicle
// heard confirmed is in the store, and the checker finds nothing.
TEST_F(StandbyTest, TheStandbyServesWhenTheServingAgentIsKilledUnderLoad) {
  Start();
  auto standby = StartStandby("voltpoint");
  ASSERT_TRUE(standby);
  Fleet fleet;
  StartFleet(fleet, 50);
  std::this_thread::sleep_for(3s);
  auto since = Steady::now();
  agents_["voltpoint"]->Signal(SIGKILL);
  fleet.marked = true;
  auto took = ServedBy("voltpoint", standby->pid(), since);
  ASSERT_TRUE(took) << "the standby never served";
  std::printf("takeover after SIGKILL: %lld ms\n", static_cast<long long>(took->count()));
  EXPECT_LT(*took, 10s);
  WaitForConfirmationsAfter(fleet);
  StopFleet(fleet);
  EXPECT_GT(fleet.confirmed_after.load(), 0) << "nothing was confirmed by the standby";
  ExpectEveryConfirmationKept(fleet);
  auto report = Settle();
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.sagas_in_flight, 0);
}

// Each company's database on a PostgreSQL primary with a synchronous hot
// standby; the agents name both hosts (target_session_attrs=read-write).
// The primary is killed and the standby promoted while vehicles reserve: the
// agents go on on the promoted server, and every reservation a vehicle heard
// confirmed is there.
TEST_F(StandbyTest, TheAgentsFollowAPromotedDatabaseAndLoseNoConfirmedReservation) {
  std::string pg = NewTempDir("failover");
  auto primary = harness::LocalPostgres::Start(pg + "/primary");
  ASSERT_TRUE(primary) << primary.error().message;
  for (const auto& c : kCompanies) ASSERT_TRUE((*primary)->NewDatabase(c));
  auto replica = (*primary)->StartStandby(pg + "/standby");
  ASSERT_TRUE(replica) << replica.error().message;
  for (const auto& c : kCompanies) {
    stores_[c] = "postgresql://postgres@127.0.0.1:" + std::to_string((*primary)->port()) +
                 ",127.0.0.1:" + std::to_string((*replica)->port()) + "/" + c +
                 "?target_session_attrs=read-write&connect_timeout=2";
  }
  Start();
  Fleet fleet;
  StartFleet(fleet, 20);
  std::this_thread::sleep_for(3s);
  auto since = Steady::now();
  (*primary)->Kill();
  fleet.marked = true;
  ASSERT_TRUE((*replica)->Promote());
  std::printf(
      "standby promoted %lld ms after the primary died\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - since).count()));
  WaitForConfirmationsAfter(fleet);
  StopFleet(fleet);
  for (const auto& c : kCompanies) EXPECT_TRUE(agents_[c]->Running()) << c;
  EXPECT_GT(fleet.confirmed_after.load(), 0) << "nothing was confirmed on the promoted server";
  ExpectEveryConfirmationKept(fleet);
  auto report = Settle();
  EXPECT_TRUE(report.ok()) << report.Summary();
  for (const auto& o : report.orphans) ADD_FAILURE() << o;
  EXPECT_EQ(report.sagas_in_flight, 0);
  // The checker of the command line reads the promoted databases too.
  std::string command = TripmeshBinary() + " check --json --data " + DataDir();
  for (const auto& [c, store] : stores_) command += " --db '" + c + "=" + store + "'";
  std::string out;
  EXPECT_EQ(RunCommand(command, &out), 0) << out;
  EXPECT_NE(out.find(R"("profile":"ev","consistent":true)"), std::string::npos) << out;
}

// Frozen past its lease, the serving agent is replaced; woken up, it finds
// its lease taken, writes nothing, and steps down, leaving the status to the
// agent that serves.
TEST_F(StandbyTest, AFrozenAgentIsReplacedAndStepsDownWhenItWakes) {
  Start();
  auto standby = StartStandby("voltpoint");
  ASSERT_TRUE(standby);
  auto car = Vehicle("sb-frozen", "voltpoint");
  ASSERT_TRUE(car);
  auto before = car->Reserve({"", "", LongTrip(Tomorrow()), false});
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_EQ(before->status, schemas::ReservationStatus::kConfirmed);

  auto since = Steady::now();
  agents_["voltpoint"]->Signal(SIGSTOP);
  // A request reaches the frozen agent's socket; the vehicle hears that its
  // company changed hands while it was in flight.
  auto in_flight = std::async(std::launch::async, [&] {
    return car->Reserve({"req-frozen", "", LongTrip(Tomorrow() + 3600), false});
  });
  auto took = ServedBy("voltpoint", standby->pid(), since);
  ASSERT_TRUE(took) << "the standby never served";
  std::printf("takeover after SIGSTOP: %lld ms\n", static_cast<long long>(took->count()));
  // Either the vehicle hears at once that its company changed hands, or the
  // new agent, which took the session over with the request queued in it,
  // answers: never the whole timeout.
  auto in_flight_outcome = in_flight.get();
  if (!in_flight_outcome) {
    EXPECT_NE(in_flight_outcome.error().code, Errc::kTimeout) << in_flight_outcome.error().message;
  }
  EXPECT_LT(*took, 10s);
  // The new agent plans across the companies once their retained catalogues
  // have reached it (a few milliseconds after it connects).
  auto after = car->Reserve({"", "", LongTrip(Tomorrow() + 7200), false});
  for (int i = 0; i < 20 && !(after && after->status == schemas::ReservationStatus::kConfirmed);
       ++i) {
    std::this_thread::sleep_for(250ms);
    after = car->Reserve({"", "", LongTrip(Tomorrow() + 7200), false});
  }
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->status, schemas::ReservationStatus::kConfirmed);

  agents_["voltpoint"]->Signal(SIGCONT);
  int status = -1;
  ASSERT_TRUE(agents_["voltpoint"]->Wait(10s, &status)) << "the old agent did not step down";
  EXPECT_EQ(status, 1);
  auto log = worldfiles::ReadFile(dir_ + "/voltpoint.log");
  ASSERT_TRUE(log);
  EXPECT_NE(log->find("this agent stops serving voltpoint"), std::string::npos) << *log;
  // Whoever served the request in flight served it once.
  auto served = car->ListForRequest("req-frozen");
  ASSERT_TRUE(served) << served.error().message;
  EXPECT_LE(served->reservations.size(), 1u);
  EXPECT_TRUE(standby->Running());
  auto stored = StoredStatuses("voltpoint");
  EXPECT_EQ(stored[before->reservation_id], "confirmed");
  EXPECT_EQ(stored[after->reservation_id], "confirmed");
  // The status is the serving agent's: the old one said nothing over it.
  EXPECT_TRUE(WaitOnline(broker_->uri(), "voltpoint"));
  auto report = Settle();
  EXPECT_TRUE(report.ok()) << report.Summary();
}

// The serving coordinator dies at each step of a saga; the standby, which
// shares its store, finishes or compensates it.
class StandbyCrashTest : public StandbyTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(StandbyCrashTest, TheStandbyFinishesTheSagaOfACoordinatorThatDied) {
  std::string step = GetParam();
  Start({"--saga-timeout-ms", "1500"});
  agents_["voltpoint"]->Stop();  // lets the lease go at once
  agents_["voltpoint"] =
      StartCompany("voltpoint", broker_->uri(), dir_,
                   WithStore("voltpoint", {"--saga-timeout-ms", "1500", "--saga-crash-at", step}));
  ASSERT_TRUE(agents_["voltpoint"]);
  auto standby = StartStandby("voltpoint");
  ASSERT_TRUE(standby);
  auto car = ConnectVehicle(broker_->uri(), "sb-crash", "voltpoint", "", 5s);
  ASSERT_TRUE(car);
  auto r = car->Reserve({"", "", LongTrip(Tomorrow()), false});
  EXPECT_FALSE(r) << "the coordinator answered although it died " << step;
  int status = 0;
  ASSERT_TRUE(agents_["voltpoint"]->Wait(10s, &status)) << "no crash " << step;
  EXPECT_EQ(status, 128 + SIGKILL);
  ASSERT_TRUE(ServedBy("voltpoint", standby->pid(), Steady::now()));
  auto report = Settle();
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.sagas_in_flight, 0);
  auto list = car->List();
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->reservations.size(), 1u);
  bool decided = step == "after_decision" || step == "after_commits";
  EXPECT_EQ(list->reservations.front().status,
            decided ? schemas::ReservationStatus::kConfirmed : schemas::ReservationStatus::kFailed)
      << step;
}

INSTANTIATE_TEST_SUITE_P(Steps, StandbyCrashTest,
                         ::testing::Values("after_requests", "after_first_ack", "after_decision",
                                           "after_commits"));

}  // namespace
}  // namespace tripmesh::testing
