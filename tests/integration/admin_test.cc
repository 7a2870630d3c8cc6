// Admin ops over MQTT against a real agent: points out of service, the
// reservations that follow them, the vehicles told, and bad admin input.
#include <gtest/gtest.h>
#include <signal.h>

#include "company_fixture.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

class AdminTest : public CompanyFixture {
 protected:
  void SetUp() override { StartWorld({"voltpoint"}); }

  // `tripmesh admin --json ...`: the reply, and the exit code in *rc.
  std::string Admin(const std::string& args, int* rc) {
    std::string out;
    *rc = RunCommand(TripmeshBinary() + " admin --company voltpoint --json --broker " +
                         broker_->uri() + " --data " + DataDir() + " " + args + " 2>&1",
                     &out);
    return out;
  }
  Result<schemas::AdminResult> SetStatus(const std::string& station, const std::string& point,
                                         const std::string& status) {
    int rc = 0;
    std::string out = Admin("set-point-status --station " + station + " --point " + point +
                                " --status " + status + " --reason test",
                            &rc);
    if (rc != 0) return Fail(Errc::kInternal, out);
    return schemas::Decode<schemas::AdminResult>(out.substr(0, out.find('\n')));
  }
  // A raw admin request with mosquitto_rr: the reply's first line.
  std::string Raw(const std::string& op, const std::string& payload,
                  const std::string& reply_topic = "tripmesh/v1/companies/voltpoint/replies/x",
                  int wait_s = 10) {
    std::string out;
    RunCommand("mosquitto_rr -V 5 -h 127.0.0.1 -p " + std::to_string(broker_->port()) + " -t " +
                   topics::AdminNamed("voltpoint", op) + " -e " + reply_topic + " -W " + std::to_string(wait_s) + " -m '" +
                   payload + "'",
               &out);
    return out.substr(0, out.find('\n'));
  }
  std::string LastAvailability(const std::string& station) {
    std::string topic = topics::StationAvailability("voltpoint", station), last;
    for (const auto& m : recorder_->Messages()) {
      if (m.topic == topic) last = m.payload;
    }
    return last;
  }
  company::ConsistencyReport Check() {
    auto r = company::CheckConsistency({{"voltpoint", dir_ + "/voltpoint.db"}},
                                       core::RealClock().Now());
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : company::ConsistencyReport{};
  }
};

TEST_F(AdminTest, AStopOnABrokenPointMovesOrItsVehicleIsToldAndTheChangeSurvivesARestart) {
  auto car = Vehicle("car-a", "voltpoint");
  ASSERT_TRUE(car);
  auto r = car->Reserve({"", "", Trip("salvador-ba", "vitoria-da-conquista-ba", 0.5), false});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
  std::string station = r->items.front().station, point = r->items.front().point;
  std::vector<std::string> broken;
  // Each point the stop lands on breaks in turn, until no point can take it.
  for (int round = 0; round < 8; ++round) {
    auto result = SetStatus(station, point, "OUT_OF_ORDER");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->status, "OUTOFORDER");
    broken.push_back(point);
    ASSERT_EQ(result->moved.size() + result->lost.size(), 1u) << "round " << round;
    const auto& change = result->moved.empty() ? result->lost.front() : result->moved.front();
    EXPECT_EQ(change.reservation_id, r->reservation_id);
    EXPECT_EQ(change.vehicle, "car-a");
    auto now = car->Get(r->reservation_id);
    ASSERT_TRUE(now);
    EXPECT_EQ(now->status, schemas::ReservationStatus::kConfirmed);
    const auto& item = now->items.front();
    EXPECT_TRUE(Check().ok()) << Check().Summary();
    if (!result->lost.empty()) {
      ASSERT_TRUE(item.lost_at.has_value());
      EXPECT_NE(item.lost_reason.find("OUTOFORDER"), std::string::npos) << item.lost_reason;
      break;
    }
    // Moved: the same connector, no less power, and never onto a broken point.
    const auto* s = DefaultWorld().FindStation(station);
    const schemas::Point *from = nullptr, *to = nullptr;
    for (const auto& p : s->points) {
      if (p.id == point) from = &p;
      if (p.id == change.to_point) to = &p;
    }
    ASSERT_TRUE(from && to);
    EXPECT_EQ(to->connector, from->connector);
    EXPECT_GE(to->max_power_kw, from->max_power_kw);
    EXPECT_EQ(item.point, change.to_point);
    EXPECT_FALSE(item.lost_at.has_value());
    point = change.to_point;
  }
  ASSERT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        auto n = schemas::Decode<schemas::VehicleNotice>(m.payload);
        return m.topic == topics::VehicleEvents("car-a") && n &&
               n->reservation_id == r->reservation_id && n->station == station;
      },
      std::chrono::seconds(5)));
  ASSERT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        return m.topic == topics::StationAvailability("voltpoint", station) &&
               m.payload.find("OUTOFORDER") != std::string::npos;
      },
      std::chrono::seconds(5)));

  // The store is the truth: after a restart the points are still out of
  // service, and nothing new is planned or booked on them.
  agents_["voltpoint"]->Signal(SIGTERM);
  agents_["voltpoint"]->Wait(std::chrono::seconds(10));
  RestartCompany("voltpoint");
  auto again = Vehicle("car-b", "voltpoint");
  ASSERT_TRUE(again);
  for (int i = 0; i < 3; ++i) {
    auto b = again->Reserve({"", "", Trip("salvador-ba", "vitoria-da-conquista-ba", 0.5), false});
    ASSERT_TRUE(b) << b.error().message;
    for (const auto& item : b->items) {
      EXPECT_FALSE(item.station == station &&
                   std::find(broken.begin(), broken.end(), item.point) != broken.end())
          << item.station << "/" << item.point;
    }
  }
  EXPECT_NE(LastAvailability(station).find("OUTOFORDER"), std::string::npos)
      << LastAvailability(station);
  EXPECT_TRUE(Check().ok()) << Check().Summary();

  // Back in service.
  for (const auto& p : broken) ASSERT_TRUE(SetStatus(station, p, "AVAILABLE"));
  ASSERT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        return m.topic == topics::StationAvailability("voltpoint", station) &&
               m.payload.find("OUTOFORDER") == std::string::npos;
      },
      std::chrono::seconds(5)));
}

TEST_F(AdminTest, BadAdminInputGetsAPreciseErrorAndChangesNothing) {
  auto code = [](const std::string& reply) {
    auto e = schemas::Decode<schemas::ErrorReply>(reply);
    return e ? std::string(ErrcName(e->error.code)) + "/" + e->error.field : "not an error: " + reply;
  };
  EXPECT_EQ(code(Raw("set_point_status", "{not json")), "invalid_json/");
  EXPECT_EQ(code(Raw("set_point_status", R"({"station":"vp-jequie","point":"1","status":"BROKEN"})")),
            "invalid_request/status");
  EXPECT_EQ(code(Raw("set_point_status", R"({"station":"vp-jequie","point":1,"status":"BLOCKED"})")),
            "invalid_request/point");
  EXPECT_EQ(code(Raw("set_point_status", R"({"station":"vp-nowhere","point":"1","status":"BLOCKED"})")),
            "not_found/station");
  EXPECT_EQ(code(Raw("set_point_status", R"({"station":"vp-jequie","point":"9","status":"BLOCKED"})")),
            "not_found/point");
  EXPECT_EQ(code(Raw("set_point_status",
                     R"({"station":"vp-jequie","point":"1","status":"BLOCKED","until":"2001-01-01T00:00:00Z"})")),
            "invalid_request/until");
  EXPECT_EQ(code(Raw("explode", R"({"station":"vp-jequie"})")), "unknown_op/topic");
  // An answer is never sent outside the company's own namespace.
  std::string outside = Raw("set_point_status",
                            R"({"station":"vp-jequie","point":"1","status":"BLOCKED"})",
                            "tripmesh/v1/vehicles/someone/replies", 2);
  EXPECT_EQ(outside, "") << "no reply where the admin asked for it";
  ASSERT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        return m.topic == topics::AdminReplies("voltpoint") &&
               m.payload.find("forbidden") != std::string::npos;
      },
      std::chrono::seconds(5)));
  // The CLI names the bad word and exits 2.
  int rc = 0;
  std::string out = Admin("set-point-status --station vp-jequie --point 1 --status BROKEN", &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("unknown --status BROKEN"), std::string::npos) << out;
  // Nothing changed: every point of the station is still in service.
  std::string last = LastAvailability("vp-jequie");
  EXPECT_NE(last.find("AVAILABLE"), std::string::npos) << last;
  for (const char* s : {"OUTOFORDER", "BLOCKED", "INOPERATIVE"}) {
    EXPECT_EQ(last.find(s), std::string::npos) << last;
  }
  EXPECT_TRUE(Check().ok()) << Check().Summary();
}

}  // namespace
}  // namespace tripmesh::testing
