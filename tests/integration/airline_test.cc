// Three airlines' agents (the air profile on the engine's agent) on a real
// broker: each publishes its timetable retained and plans a passenger's trip
// over every airline's, so a trip that needs three airlines is planned by
// any one of them. Bad requests get precise errors; a timetable that does
// not hold together is dropped and the plans go on.
#include <gtest/gtest.h>

#include <set>

#include "testing.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

const std::vector<std::string> kAirlines = {"jangada", "sabia", "tucano"};

class AirlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = NewTestDir();
    auto b = harness::LocalBroker::Start(dir_ + "/broker");
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
    recorder_ = Recorder::ForThisTest(broker_->uri());
    for (const auto& a : kAirlines) {
      auto p = harness::Process::Spawn(
          {TripmeshBinary(), "airline", "--id", a, "--broker", broker_->uri(), "--data",
           DataDir() + "/air", "--db", dir_ + "/" + a + ".db"},
          dir_ + "/" + a + ".log");
      ASSERT_TRUE(p) << p.error().message;
      agents_[a] = std::move(*p);
      ASSERT_TRUE(WaitOnline(broker_->uri(), a)) << a << " did not come online; see " << dir_;
    }
  }

  // The passenger's raw answer from its home airline, as a result or an error.
  Result<schemas::AirPlanResult> Plan(const std::string& home, schemas::AirPlanRequest req) {
    auto passenger = ConnectVehicle(broker_->uri(), "ana", home);
    if (!passenger) return Fail(Errc::kOffline, "the passenger could not connect");
    auto text = vehicle::ResultOf(passenger->Request("plan", schemas::Encode(req)));
    if (!text) return tl::unexpected<Error>(text.error());
    return schemas::Decode<schemas::AirPlanResult>(*text);
  }

  // Wednesday of next week, 06:00 at Belém (-03): every weekly flight flies within two days.
  static Time NextWednesdayMorning() {
    Time now = core::RealClock().Now();
    Time days = now / kDayS;                     // 1970-01-01 was a Thursday
    Time weekday = (days + 3) % 7;               // 0 = Monday
    Time monday = (days - weekday + 7) * kDayS;  // next Monday, 00:00 UTC
    return monday + 2 * kDayS + 9 * kHourS;
  }

  static schemas::AirPlanRequest BelemToNatal() {
    schemas::AirPlanRequest r;
    r.from = "BEL";
    r.to = "NAT";
    r.depart_after = NextWednesdayMorning();
    return r;
  }

  std::string dir_;
  std::unique_ptr<harness::LocalBroker> broker_;
  std::unique_ptr<Recorder> recorder_;
  std::map<std::string, std::unique_ptr<harness::Process>> agents_;
};

std::map<std::string, int> MinConnectionMinutes() {
  auto files = worldfiles::ReadAirFiles(DataDir() + "/air");
  EXPECT_TRUE(files);
  std::map<std::string, int> out;
  if (files) {
    for (const auto& a : files->map.airports)
      out[a.code] = static_cast<int>(a.min_connection_minutes);
  }
  return out;
}

TEST_F(AirlineTest, AnyAirlinePlansATripOverTheThreeAirlinesTimetables) {
  auto min_connection = MinConnectionMinutes();
  std::vector<std::string> best_by_home;
  for (const auto& home : kAirlines) {
    auto plan = Plan(home, BelemToNatal());
    ASSERT_TRUE(plan) << home << ": " << plan.error().message;
    ASSERT_FALSE(plan->itineraries.empty());
    const auto& best = plan->itineraries.front();
    std::set<std::string> airlines;
    std::string legs;
    double sum = 0;
    for (std::size_t i = 0; i < best.legs.size(); ++i) {
      const auto& leg = best.legs[i];
      airlines.insert(leg.airline);
      legs += leg.flight + " ";
      sum += leg.price;
      EXPECT_GT(leg.seats_left, 0);
      if (i == 0) {
        EXPECT_EQ(leg.from, "BEL");
        EXPECT_GE(leg.departs_at, BelemToNatal().depart_after);
      } else {
        const auto& before = best.legs[i - 1];
        EXPECT_EQ(leg.from, before.to);
        EXPECT_GE(leg.departs_at, before.arrives_at + 60 * min_connection[leg.from])
            << "too short a connection at " << leg.from;
      }
    }
    EXPECT_EQ(best.legs.back().to, "NAT");
    EXPECT_NEAR(best.price, sum, 0.005);
    // Belém to Natal takes Tucano, Sabiá and Jangada.
    EXPECT_EQ(airlines, std::set<std::string>(kAirlines.begin(), kAirlines.end())) << legs;
    best_by_home.push_back(legs);
  }
  // Whichever airline is asked, the same timetables give the same answer.
  EXPECT_EQ(best_by_home[0], best_by_home[1]);
  EXPECT_EQ(best_by_home[1], best_by_home[2]);
}

TEST_F(AirlineTest, BadRequestsGetPreciseErrors) {
  auto unknown = BelemToNatal();
  unknown.to = "XXX";
  auto r = Plan("jangada", unknown);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidRequest);
  EXPECT_NE(r.error().message.find("XXX"), std::string::npos) << r.error().message;

  auto past = BelemToNatal();
  past.depart_after = core::RealClock().Now() - 2 * kDayS;
  r = Plan("sabia", past);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidRequest);
  EXPECT_EQ(r.error().field, "depart_after");

  auto passenger = ConnectVehicle(broker_->uri(), "ana", "tucano");
  ASSERT_TRUE(passenger);
  auto wrong = vehicle::ResultOf(passenger->Request("plan", R"({"from":"BEL","to":7})"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::kInvalidRequest);
  EXPECT_EQ(wrong.error().field, "to");
  auto not_json = vehicle::ResultOf(passenger->Request("plan", "{not json"));
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, Errc::kInvalidJson);
  auto reserve = vehicle::ResultOf(passenger->Request("reserve", "{}"));
  ASSERT_FALSE(reserve);
  EXPECT_EQ(reserve.error().code, Errc::kInvalidRequest);
  EXPECT_EQ(reserve.error().field, "legs");
  auto checkin = vehicle::ResultOf(passenger->Request("checkin", R"({"reservation_id":"r"})"));
  ASSERT_FALSE(checkin);
  EXPECT_EQ(checkin.error().code, Errc::kUnknownOp);
}

TEST_F(AirlineTest, ATimetableThatDoesNotHoldTogetherIsDroppedAndPlansGoOn) {
  auto before = Plan("jangada", BelemToNatal());
  ASSERT_TRUE(before) << before.error().message;
  // Sabiá's timetable, but with a flight to an airport nobody knows.
  auto text = worldfiles::ReadFile(DataDir() + "/air/airlines/sabia.json");
  ASSERT_TRUE(text);
  auto bad = *text;
  auto at = bad.find("\"to\": \"");
  ASSERT_NE(at, std::string::npos);
  bad.replace(at + 7, 3, "ZZZ");
  runtime::TransportOptions o;
  o.broker = broker_->uri();
  o.client_id = "timetable-spoiler";
  auto spoiler = runtime::NewMosquittoTransport(o);
  ASSERT_TRUE(spoiler->Connect(std::chrono::seconds(5)));
  recorder_->Unchecked(topics::Timetable("sabia"), bad);
  ASSERT_TRUE(spoiler->Publish({.topic = topics::Timetable("sabia"), .payload = bad, .qos = 1}));
  recorder_->Unchecked(topics::Timetable("sabia"), "{\"type\":");
  ASSERT_TRUE(
      spoiler->Publish({.topic = topics::Timetable("sabia"), .payload = "{\"type\":", .qos = 1}));
  ASSERT_TRUE(spoiler->Flush(std::chrono::seconds(5)));
  auto after = Plan("jangada", BelemToNatal());
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_FALSE(after->itineraries.empty());
  EXPECT_EQ(after->itineraries.front().legs.size(), before->itineraries.front().legs.size());
  EXPECT_EQ(after->itineraries.front().legs[1].flight, before->itineraries.front().legs[1].flight);
  auto log = worldfiles::ReadFile(dir_ + "/jangada.log");
  ASSERT_TRUE(log);
  EXPECT_NE(log->find("dropped the timetable of sabia"), std::string::npos) << *log;
}

}  // namespace
}  // namespace tripmesh::testing
