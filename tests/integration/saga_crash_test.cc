// A saga's faults, for both profiles and on each store. The coordinator
// killed at each step: after its restart the reservation is final, which
// way it ended is fixed by where the coordinator died, and every participant
// holds exactly what that outcome says (the profile's checker finds
// nothing). A participant frozen past the timeout: the reservation fails
// naming it, the others give back at once, and it gives back once it wakes.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "air_world.h"
#include "company_fixture.h"
#include "testing.h"
#include "tripmesh/airline/air_consistency.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/decode.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;
using schemas::ReservationStatus;

enum class Profile { kCharging, kAir };

// What the profile's checker says of every store.
struct Checked {
  bool ok = false;
  int in_flight = 0;
  std::string summary;
};

// One profile's three agents on one broker, as this suite drives them.
class ProfileWorld {
 public:
  ProfileWorld(std::string broker, std::string dir) : broker_(std::move(broker)), dir_(dir) {}
  virtual ~ProfileWorld() = default;
  // The coordinator (the requester's home) first.
  virtual std::vector<std::string> Agents() const = 0;
  virtual std::unique_ptr<harness::Process> Start(const std::string& agent,
                                                  const std::vector<std::string>& extra) = 0;
  // Plans a trip across all three with a requester that waits `answers`
  // for each answer.
  virtual void Plan(std::chrono::milliseconds answers) = 0;
  // Asks the home agent to reserve that plan: its status, or why it failed
  // (no answer, or the saga's error).
  virtual Result<ReservationStatus> Reserve(const std::string& request_id) = 0;
  // The reservation `request_id` made, once it is no longer held.
  virtual Result<ReservationStatus> Final(const std::string& request_id) = 0;
  virtual Checked Check() = 0;
  // How many resources (a charging point for a while, a seat on a leg) the
  // agent's store has held or booked, whoever for.
  virtual int Claimed(const std::string& agent) = 0;

 protected:
  std::string broker_, dir_;
};

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};

class ChargingWorld : public ProfileWorld {
 public:
  ChargingWorld(std::string broker, std::string dir, Backend backend)
      : ProfileWorld(std::move(broker), std::move(dir)) {
    for (const auto& c : kCompanies) {
      stores_[c] = backend == Backend::kSqlite ? dir_ + "/" + c + ".db" : NewStore(backend, c);
    }
  }
  std::vector<std::string> Agents() const override { return kCompanies; }
  std::unique_ptr<harness::Process> Start(const std::string& agent,
                                          const std::vector<std::string>& extra) override {
    std::vector<std::string> flags = {"--saga-timeout-ms", "1500", "--db", stores_.at(agent)};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return StartCompany(agent, broker_, dir_, flags);
  }
  void Plan(std::chrono::milliseconds answers) override {
    car_ = ConnectVehicle(broker_, "car-crash", "voltpoint", "", answers);
    ASSERT_TRUE(car_);
    plan_id_ = ThreeCompanyPlan(*car_).plan_id;
  }
  Result<ReservationStatus> Reserve(const std::string& request_id) override {
    if (!car_) return Fail(Errc::kOffline, "the vehicle cannot connect");
    auto r = car_->Reserve({request_id, plan_id_, std::nullopt, false});
    if (!r) return tl::unexpected<Error>(r.error());
    if (r->error) return tl::unexpected<Error>(Error{r->error->code, r->error->message});
    return r->status;
  }
  Result<ReservationStatus> Final(const std::string& request_id) override {
    auto car = ConnectVehicle(broker_, "car-crash", "voltpoint");
    if (!car) return Fail(Errc::kOffline, "the vehicle cannot connect");
    for (int i = 0; i < 100; ++i) {
      auto list = OnceHomeIsBack([&] { return car->ListForRequest(request_id); });
      if (!list) return tl::unexpected<Error>(list.error());
      if (!list->reservations.empty() &&
          list->reservations.front().status != ReservationStatus::kHeld) {
        return list->reservations.front().status;
      }
      std::this_thread::sleep_for(100ms);
    }
    return Fail(Errc::kTimeout, "the reservation did not settle");
  }
  Checked Check() override {
    auto r = company::CheckConsistency(stores_, RealNow(), 2);
    if (!r) return {.ok = false, .in_flight = 0, .summary = r.error().message};
    return {.ok = r->ok(), .in_flight = r->sagas_in_flight, .summary = r->Summary()};
  }
  int Claimed(const std::string& agent) override {
    int n = 0;
    auto store = runtime::Store::Open(stores_.at(agent));
    EXPECT_TRUE(store) << store.error().message;
    if (!store) return -1;
    auto st = (*store)->Read([&](runtime::Tx& tx) {
      return tx.Query("SELECT count(*) FROM bookings", {},
                      [&](const runtime::Row& row) { n = static_cast<int>(row.Int(0)); });
    });
    EXPECT_TRUE(st) << st.error().message;
    return n;
  }

 private:
  static Time RealNow() { return core::RealClock().Now(); }
  std::map<std::string, std::string> stores_;
  std::unique_ptr<vehicle::VehicleClient> car_;
  std::string plan_id_;
};

class AirWorld : public ProfileWorld {
 public:
  using ProfileWorld::ProfileWorld;
  std::vector<std::string> Agents() const override { return {"tucano", "jangada", "sabia"}; }
  std::unique_ptr<harness::Process> Start(const std::string& agent,
                                          const std::vector<std::string>& extra) override {
    return StartAirline(agent, broker_, dir_, extra);
  }
  void Plan(std::chrono::milliseconds answers) override {
    ana_ = ConnectVehicle(broker_, "ana", "tucano", "", answers);
    ASSERT_TRUE(ana_);
    legs_ = BelemToNatal(*ana_);
  }
  Result<ReservationStatus> Reserve(const std::string& request_id) override {
    if (!ana_) return Fail(Errc::kOffline, "the passenger cannot connect");
    auto text = vehicle::ResultOf(ana_->Request("reserve", AskFor(legs_, false, request_id)));
    if (!text) return tl::unexpected<Error>(text.error());
    auto r = schemas::Decode<schemas::AirReservation>(*text);
    if (!r) return tl::unexpected<Error>(r.error());
    return r->status;
  }
  Result<ReservationStatus> Final(const std::string& request_id) override {
    auto ana = ConnectVehicle(broker_, "ana", "tucano");
    if (!ana) return Fail(Errc::kOffline, "the passenger cannot connect");
    std::string ask = R"({"for_request_id":")" + request_id + R"("})";
    for (int i = 0; i < 100; ++i) {
      auto list = vehicle::ResultOf(OnceHomeIsBack([&] { return ana->Request("list", ask); }));
      if (!list) return tl::unexpected<Error>(list.error());
      auto decoded = schemas::Decode<schemas::AirReservationList>(*list);
      if (!decoded) return tl::unexpected<Error>(decoded.error());
      if (!decoded->reservations.empty() &&
          decoded->reservations.front().status != ReservationStatus::kHeld) {
        return decoded->reservations.front().status;
      }
      std::this_thread::sleep_for(100ms);
    }
    return Fail(Errc::kTimeout, "the itinerary did not settle");
  }
  Checked Check() override {
    std::map<std::string, std::string> stores;
    for (const auto& a : kAirlines) stores[a] = dir_ + "/" + a + ".db";
    auto r = airline::CheckAirStores(stores, core::RealClock().Now(), 2);
    if (!r) return {.ok = false, .in_flight = 0, .summary = r.error().message};
    return {.ok = r->ok(), .in_flight = r->in_flight, .summary = r->Summary()};
  }
  int Claimed(const std::string& agent) override {
    return static_cast<int>(AirSeatsIn(dir_ + "/" + agent + ".db").size());
  }

 private:
  std::unique_ptr<vehicle::VehicleClient> ana_;
  std::vector<schemas::AirPlanLeg> legs_;
};

struct Case {
  Profile profile;
  Backend backend;
  const char* step;
};

std::string NameOf(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  return std::string(c.profile == Profile::kAir ? "air_" : "charging_") + BackendName(c.backend) +
         "_" + c.step;
}

class SagaFaultTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    dir_ = NewTestDir();
    auto b = harness::LocalBroker::Start(dir_ + "/broker");
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
    if (GetParam().profile == Profile::kAir) {
      world_ = std::make_unique<AirWorld>(broker_->uri(), dir_);
    } else {
      world_ = std::make_unique<ChargingWorld>(broker_->uri(), dir_, GetParam().backend);
    }
  }

  // Polls the profile's checker until every saga has settled and it finds
  // nothing, or the time is up; the last report.
  Checked Settle() {
    Checked last;
    for (int i = 0; i < 100; ++i) {
      last = world_->Check();
      if (last.ok && last.in_flight == 0) break;
      std::this_thread::sleep_for(200ms);
    }
    return last;
  }

  // Waits until `agent` holds and has booked nothing.
  bool NothingClaimedAt(const std::string& agent) {
    for (int i = 0; i < 100; ++i) {
      if (world_->Claimed(agent) == 0) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  std::string dir_;
  std::unique_ptr<harness::LocalBroker> broker_;
  std::unique_ptr<ProfileWorld> world_;
};

using SagaCrashTest = SagaFaultTest;

TEST_P(SagaCrashTest, TheReservationEndsFinalAndTheSameEverywhereAfterARestart) {
  const std::string step = GetParam().step;
  auto agents = world_->Agents();
  const std::string home = agents.front();
  std::map<std::string, std::unique_ptr<harness::Process>> running;
  for (const auto& a : agents) {
    running[a] = world_->Start(a, a == home ? std::vector<std::string>{"--saga-crash-at", step}
                                            : std::vector<std::string>{});
    ASSERT_TRUE(running[a]) << a;
  }
  world_->Plan(3s);  // the coordinator dies before it answers
  auto answer = world_->Reserve("crash");
  EXPECT_FALSE(answer) << "the coordinator answered although it died " << step;
  int status = 0;
  ASSERT_TRUE(running[home]->Wait(20s, &status)) << "no crash " << step;
  EXPECT_EQ(status, 128 + SIGKILL);
  running[home] = world_->Start(home, {});
  ASSERT_TRUE(running[home]);

  auto outcome = world_->Final("crash");
  ASSERT_TRUE(outcome) << outcome.error().message;
  bool decided = step == "after_decision" || step == "after_commits";
  EXPECT_EQ(*outcome, decided ? ReservationStatus::kConfirmed : ReservationStatus::kFailed) << step;
  auto checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
  for (const auto& a : agents) {
    if (decided) {
      EXPECT_GT(world_->Claimed(a), 0) << a << " booked nothing of a confirmed reservation";
    } else {
      EXPECT_EQ(world_->Claimed(a), 0) << a << " still holds part of a failed reservation";
    }
  }
}

using FrozenParticipantTest = SagaFaultTest;

TEST_P(FrozenParticipantTest, TheReservationFailsNamingItAndNothingStaysHeldOnceItWakes) {
  auto agents = world_->Agents();
  std::map<std::string, std::unique_ptr<harness::Process>> running;
  for (const auto& a : agents) {
    running[a] = world_->Start(a, {});
    ASSERT_TRUE(running[a]) << a;
  }
  const std::string frozen = agents.back();
  world_->Plan(20s);
  running[frozen]->Signal(SIGSTOP);
  auto answer = world_->Reserve("frozen");  // the home agent waits 1.5 s for its hold
  ASSERT_FALSE(answer) << "reserved with " << frozen << " frozen";
  EXPECT_EQ(answer.error().code, Errc::kTimeout) << answer.error().message;
  EXPECT_NE(answer.error().message.find(frozen), std::string::npos) << answer.error().message;
  auto outcome = world_->Final("frozen");
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*outcome, ReservationStatus::kFailed);
  // The others give back while it sleeps; it holds, then gives back, once it wakes.
  for (const auto& a : agents) {
    if (a == frozen) continue;
    EXPECT_TRUE(NothingClaimedAt(a)) << a;
  }
  running[frozen]->Signal(SIGCONT);
  auto checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
  EXPECT_TRUE(NothingClaimedAt(frozen));
}

std::vector<Case> Cases() {
  std::vector<Case> out;
  for (const char* step :
       {"after_requests", "after_first_ack", "after_decision", "after_commits"}) {
    out.push_back({Profile::kCharging, Backend::kSqlite, step});
    out.push_back({Profile::kCharging, Backend::kPostgres, step});
    out.push_back({Profile::kAir, Backend::kSqlite, step});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Steps, SagaCrashTest, ::testing::ValuesIn(Cases()), NameOf);

std::vector<Case> Profiles() {
  return {{Profile::kCharging, Backend::kSqlite, "frozen"},
          {Profile::kCharging, Backend::kPostgres, "frozen"},
          {Profile::kAir, Backend::kSqlite, "frozen"}};
}

INSTANTIATE_TEST_SUITE_P(Profiles, FrozenParticipantTest, ::testing::ValuesIn(Profiles()), NameOf);

}  // namespace
}  // namespace tripmesh::testing
