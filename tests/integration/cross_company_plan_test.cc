// The home company plans across every company, with their real availability.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "company_fixture.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

class CrossCompanyPlanTest : public CompanyFixture {
 protected:
  void SetUp() override { StartWorld({"voltpoint", "eflux", "ecocharge"}); }
};

TEST_F(CrossCompanyPlanTest, PlanMixesCompaniesAfterAskingThemForAvailability) {
  auto car = Vehicle("car-long", "voltpoint");
  auto plans = car->Plan(LongTrip());
  ASSERT_TRUE(plans) << plans.error().message;
  std::set<std::string> companies;
  for (const auto& s : plans->plans.front().stops) companies.insert(s.company);
  EXPECT_EQ(companies.size(), 3u);
  for (const char* peer : {"eflux", "ecocharge"}) {
    std::string topic =
        std::string("tripmesh/v1/companies/") + peer + "/requests/voltpoint/availability";
    EXPECT_TRUE(
        recorder_->WaitFor([&](const runtime::InboundMessage& m) { return m.topic == topic; },
                           std::chrono::seconds(2)))
        << topic;
  }
  EXPECT_TRUE(recorder_->WaitFor(
      [](const runtime::InboundMessage& m) {
        return m.topic == "tripmesh/v1/companies/voltpoint/replies" &&
               m.payload.find("\"availability.result\"") != std::string::npos;
      },
      std::chrono::seconds(2)));
}

TEST_F(CrossCompanyPlanTest, PointsBookedAtOtherCompaniesMakeThePlanWaitOrMove) {
  // Book the long trip a few times: each booking takes points at E-Flux and
  // EcoCharge that the plan before it was given.
  std::map<std::string, std::vector<std::pair<Time, Time>>> booked;  // station/point -> intervals
  for (int i = 0; i < 3; ++i) {
    auto filler = Vehicle("filler-" + std::to_string(i), "voltpoint");
    auto r = filler->Reserve({"", "", LongTrip(), false});
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed)
        << (r->error ? r->error->message : "");
    for (const auto& item : r->items) {
      if (item.company != "voltpoint") {
        booked[item.station + "/" + item.point].push_back({item.start_at, item.end_at});
      }
    }
  }
  ASSERT_FALSE(booked.empty());
  auto car = Vehicle("car-late", "voltpoint");
  auto plans = car->Plan(LongTrip());
  ASSERT_TRUE(plans) << plans.error().message;
  for (const auto& p : plans->plans) {
    for (const auto& s : p.stops) {
      for (auto [start, end] : booked[s.station + "/" + s.point]) {
        EXPECT_TRUE(s.end_at <= start || s.start_at >= end)
            << "plan overlaps a booking at " << s.station << "/" << s.point;
      }
    }
  }
  auto r = car->Reserve({"", plans->plans.front().plan_id, std::nullopt, false});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, schemas::ReservationStatus::kConfirmed)
      << (r->error ? r->error->message : "");
}

TEST_F(CrossCompanyPlanTest, ACompanyThatDoesNotAnswerIsLeftOutOfThePlan) {
  agents_["eflux"]->Signal(SIGSTOP);  // alive for the broker, silent for its peers
  auto car = Vehicle("car-long", "voltpoint");
  auto plans = car->Plan(LongTrip());
  agents_["eflux"]->Signal(SIGCONT);
  // Without E-Flux's stations the 300 km car cannot cross Ceará, so either the
  // plan fails as unreachable or it uses no E-Flux station.
  if (plans) {
    for (const auto& p : plans->plans) {
      for (const auto& s : p.stops) EXPECT_NE(s.company, "eflux") << s.station;
    }
  } else {
    EXPECT_EQ(plans.error().code, Errc::kUnreachable) << plans.error().message;
  }
}

TEST_F(CrossCompanyPlanTest, AvailabilityIsForCompaniesOnly) {
  auto car = Vehicle("car-nosy", "eflux");
  auto reply = car->Request(
      "availability",
      R"({"stations":["ef-sobral"],"from":"2026-11-22T14:05:00Z","to":"2026-11-22T15:05:00Z"})");
  ASSERT_TRUE(reply);
  auto e = schemas::Decode<schemas::ErrorReply>(*reply);
  ASSERT_TRUE(e) << *reply;
  EXPECT_EQ(e->error.code, Errc::kForbidden);
}

// Requests queued in the home company's session while its agent was down
// reach it before the peers' retained catalogues; they wait for them, so a
// trip across three companies is planned on the whole network.
TEST_F(CrossCompanyPlanTest, RequestsQueuedWhileTheAgentWasDownArePlannedOnTheWholeNetwork) {
  agents_["voltpoint"]->Stop();
  runtime::TransportOptions o;
  o.broker = broker_->uri();
  o.client_id = "queued-car";
  o.clean_start = true;
  auto client = runtime::NewMosquittoTransport(o);
  std::mutex mu;
  std::vector<std::string> replies;
  client->SetReceiver([&](runtime::InboundMessage m) {
    std::lock_guard lock(mu);
    replies.push_back(m.payload);
  });
  ASSERT_TRUE(client->Connect(std::chrono::seconds(5)));
  ASSERT_TRUE(client->Subscribe(topics::VehicleReplies("queued-car"), 1));
  constexpr int kQueued = 5;
  for (int i = 0; i < kQueued; ++i) {
    auto trip = LongTrip();
    trip.request_id = "q-queued-" + std::to_string(i);
    ASSERT_TRUE(
        client->Publish({.topic = topics::Request("voltpoint", "queued-car", topics::Op::kPlan),
                         .payload = schemas::Encode(trip)}));
  }
  RestartCompany("voltpoint");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    {
      std::lock_guard lock(mu);
      if (replies.size() >= kQueued || std::chrono::steady_clock::now() > deadline) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::lock_guard lock(mu);
  ASSERT_EQ(replies.size(), static_cast<std::size_t>(kQueued));
  for (const auto& r : replies) {
    auto plans = schemas::Decode<schemas::PlanResult>(r);
    ASSERT_TRUE(plans && !plans->plans.empty()) << r;
    std::set<std::string> companies;
    for (const auto& stop : plans->plans.front().stops) companies.insert(stop.company);
    EXPECT_EQ(companies.size(), 3u) << r;
  }
}

}  // namespace
}  // namespace tripmesh::testing
