#include "tripmesh/topics/topics.h"

#include <gtest/gtest.h>

namespace tripmesh::topics {
namespace {

TEST(TopicsTest, BuildersAndParserAgree) {
  auto r = ParseTopic(Request("voltpoint", "car-7", Op::kPlan));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Kind::kRequest);
  EXPECT_EQ(r->company, "voltpoint");
  EXPECT_EQ(r->agent, "car-7");
  EXPECT_EQ(r->name, "plan");
  auto s = ParseTopic(Saga("eflux", "voltpoint", SagaKind::kCommit));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, Kind::kSaga);
  EXPECT_EQ(s->company, "eflux");
  EXPECT_EQ(s->agent, "voltpoint");
  auto a = ParseTopic(StationAvailability("ecocharge", "ec-recife-1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, Kind::kStationAvailability);
  EXPECT_EQ(a->station, "ec-recife-1");
  EXPECT_EQ(ParseTopic(VehicleTelemetry("car_9"))->kind, Kind::kVehicleTelemetry);
  EXPECT_EQ(ParseTopic(CompanyStatus("eflux"))->kind, Kind::kCompanyStatus);
  EXPECT_EQ(ParseTopic(Metrics("eflux"))->kind, Kind::kMetrics);
  EXPECT_EQ(ParseTopic(Event("eflux", EventKind::kReservation))->kind, Kind::kEvent);
  EXPECT_EQ(ParseTopic(VehicleEvents("car_9"))->kind, Kind::kVehicleEvents);
  auto admin = ParseTopic(Admin("voltpoint", AdminOp::kSetPointStatus));
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->kind, Kind::kAdmin);
  EXPECT_EQ(ParseAdminOp(admin->name), AdminOp::kSetPointStatus);
  auto unknown = ParseAdminOp("explode");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kUnknownOp);
  EXPECT_NE(unknown.error().message.find("set_point_status"), std::string::npos);
  // The admin's answers lie in the company's own namespace, which its admin reads.
  EXPECT_TRUE(InNamespaceOf(AdminReplies("voltpoint") + "/x", "voltpoint", true));
}

TEST(TopicsTest, SagaAndEventKindsRoundTripAndUnknownOnesAreNamed) {
  for (auto k : {SagaKind::kRequest, SagaKind::kAck, SagaKind::kCommit, SagaKind::kCompensate}) {
    EXPECT_EQ(ParseSagaKind(SagaKindName(k)), k);
  }
  for (auto k : {EventKind::kReservation, EventKind::kSaga}) {
    EXPECT_EQ(ParseEventKind(EventKindName(k)), k);
  }
  auto bad = ParseSagaKind("rollback");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kUnknownOp);
  EXPECT_NE(bad.error().message.find("request, ack, commit, compensate"), std::string::npos)
      << bad.error().message;
  EXPECT_FALSE(ParseEventKind(""));
}

TEST(TopicsTest, ParseRejectsTopicOutsideTheTree) {
  for (const char* bad :
       {"", "tripmesh", "tripmesh/v2/companies/a/info", "other/v1/companies/a/info",
        "tripmesh/v1/companies/A/info", "tripmesh/v1/companies/a/unknown",
        "tripmesh/v1/companies/a/requests/car-1", "tripmesh/v1/companies/a/requests/car 1/plan",
        "tripmesh/v1/companies/a/requests/car-1/plan/extra", "tripmesh/v1/vehicles/x/other"}) {
    auto r = ParseTopic(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "topic");
  }
}

TEST(TopicsTest, UnknownOpIsItsOwnError) {
  EXPECT_TRUE(ParseOp("reserve"));
  auto r = ParseOp("teleport");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnknownOp);
}

TEST(TopicsTest, RequesterIsFoundEvenInABadRequestTopic) {
  EXPECT_EQ(RequesterOf("tripmesh/v1/companies/a/requests/car-1/plan/extra"), "car-1");
  EXPECT_EQ(RequesterOf("tripmesh/v1/companies/a/requests/bad car/plan"), "");
  EXPECT_EQ(RequesterOf("tripmesh/v1/companies/a/info"), "");
}

TEST(TopicsTest, ResponseTopicMustStayInTheRequestersNamespace) {
  EXPECT_TRUE(InNamespaceOf("tripmesh/v1/vehicles/car-7/replies", "car-7", false));
  EXPECT_TRUE(InNamespaceOf("tripmesh/v1/vehicles/car-7/replies/cli-1", "car-7", false));
  EXPECT_FALSE(InNamespaceOf("tripmesh/v1/vehicles/car-8/replies", "car-7", false));
  EXPECT_FALSE(InNamespaceOf("tripmesh/v1/vehicles/car-77/replies", "car-7", false));
  EXPECT_FALSE(InNamespaceOf("tripmesh/v1/vehicles/car-7", "car-7", false));
  EXPECT_FALSE(InNamespaceOf("tripmesh/v1/vehicles/car-7/#", "car-7", false));
  EXPECT_FALSE(InNamespaceOf("tripmesh/v1/companies/eflux/replies", "car-7", false));
  EXPECT_TRUE(InNamespaceOf("tripmesh/v1/companies/eflux/replies", "eflux", true));
}

TEST(TopicsTest, IdsFollowTheProtocol) {
  EXPECT_TRUE(IsCompanyId("voltpoint"));
  EXPECT_FALSE(IsCompanyId("VoltPoint"));
  EXPECT_FALSE(IsCompanyId(std::string(33, 'a')));
  EXPECT_TRUE(IsVehicleId("Car_7-x"));
  EXPECT_FALSE(IsVehicleId("car/7"));
  EXPECT_FALSE(IsVehicleId(std::string(65, 'a')));
}

TEST(TopicsTest, ABridgeLinkNamesItsTwoCompanies) {
  EXPECT_EQ(BridgeLink("eflux", "voltpoint"), "tripmesh/v1/companies/eflux/bridges/voltpoint");
  auto r = ParseTopic(BridgeLink("eflux", "voltpoint"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Kind::kBridgeLink);
  EXPECT_EQ(r->company, "eflux");
  EXPECT_EQ(r->name, "voltpoint");
  EXPECT_FALSE(ParseTopic("tripmesh/v1/companies/eflux/bridges/Volt/x"));
  EXPECT_FALSE(ParseTopic("tripmesh/v1/companies/eflux/bridges/Volt"));
}

TEST(TopicsTest, AnAirlinesTimetableIsATopicOfItsCompany) {
  EXPECT_EQ(Timetable("jangada"), "tripmesh/v1/companies/jangada/timetable");
  EXPECT_EQ(TimetablesFilter(), "tripmesh/v1/companies/+/timetable");
  auto r = ParseTopic(Timetable("jangada"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Kind::kTimetable);
  EXPECT_EQ(r->company, "jangada");
  EXPECT_FALSE(ParseTopic("tripmesh/v1/companies/jangada/timetable/x"));
}

TEST(TopicsTest, TheMapAndAStationsScheduleAreTopicsOfTheTree) {
  EXPECT_EQ(WorldMap(), "tripmesh/v1/world/map");
  EXPECT_EQ(CaughtUp("eflux"), "tripmesh/v1/companies/eflux/replies/caught-up");
  auto map = ParseTopic(WorldMap());
  ASSERT_TRUE(map);
  EXPECT_EQ(map->kind, Kind::kWorldMap);
  EXPECT_FALSE(ParseTopic("tripmesh/v1/world/map/x"));
  EXPECT_FALSE(ParseTopic("tripmesh/v1/world/roads"));
  auto s = ParseTopic(StationSchedule("eflux", "ef-crato"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, Kind::kStationSchedule);
  EXPECT_EQ(s->company, "eflux");
  EXPECT_EQ(s->station, "ef-crato");
  EXPECT_FALSE(ParseTopic("tripmesh/v1/companies/eflux/stations/ef-crato/timeline"));
  // Companies publish the map; vehicles do not.
  auto acl = MosquittoAcl({.companies = {"eflux"}, .vehicles = {"car-1"}});
  EXPECT_NE(acl.find("user eflux\n"), std::string::npos);
  auto vehicle = acl.substr(acl.find("user car-1"));
  EXPECT_EQ(vehicle.find("world/map"), std::string::npos);
  EXPECT_NE(acl.find("topic write tripmesh/v1/world/map"), std::string::npos);
}

// A peer's bridge may write exactly what that peer's broker forwards, all of
// it under the peer's own name or addressed to this company.
TEST(TopicsTest, ABridgesAclAllowsExactlyWhatThePeersBridgeCarries) {
  auto carried = BridgeTopics("eflux", "voltpoint");
  std::string acl = MosquittoBridgeAcl("voltpoint", "eflux");
  EXPECT_NE(acl.find("user bridge-eflux\n"), std::string::npos) << acl;
  for (const auto& t : carried) {
    EXPECT_NE(acl.find("topic write " + t + "\n"), std::string::npos) << t;
    bool as_itself = t.find("/eflux/") != std::string::npos || t.ends_with("/eflux/info");
    bool to_voltpoint = t.find("companies/voltpoint/") != std::string::npos;
    EXPECT_TRUE(as_itself || to_voltpoint) << t;
  }
  // Its link's state, which its broker publishes here (and as its will).
  EXPECT_NE(acl.find("topic write tripmesh/v1/companies/eflux/bridges/voltpoint\n"),
            std::string::npos)
      << acl;
  EXPECT_EQ(acl.find("read"), std::string::npos) << acl;
  EXPECT_EQ(acl.find("ecocharge"), std::string::npos) << acl;
  EXPECT_EQ(acl.find("/admin"), std::string::npos) << acl;
  EXPECT_EQ(acl.find("vehicles/"), std::string::npos) << acl;
}

}  // namespace
}  // namespace tripmesh::topics
