// The catalogue as the company's durable state, changed by its admin ops on
// CompanyCore over a real store and a manual clock: each change is planned
// and booked on at once and survives a reload; a tariff never reprices a
// booking; a removed station's stops are lost; a bad change changes nothing.
#include <gtest/gtest.h>

#include "company_core.h"
#include "testing.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/core/planner.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::company {
namespace {

constexpr Time kNow = 1796112000;  // 2026-12-01T08:00:00Z
using Op = topics::AdminOp;

// On each backend: the same behaviour from SQLite and PostgreSQL.
class CatalogueTest : public ::testing::TestWithParam<tripmesh::testing::Backend> {
 protected:
  void SetUp() override {
    path_ = tripmesh::testing::NewStore(GetParam(), "catalogue");
    Reload();
  }
  void Reload() {
    core_.reset();
    store_.reset();
    auto store = runtime::Store::Open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    auto core = CompanyCore::Load({.id = "voltpoint"}, tripmesh::testing::DefaultWorld(), *store_,
                                  clock_, nullptr, {});
    ASSERT_TRUE(core) << core.error().message;
    core_ = std::move(*core);
  }
  // The admin's answer: the result, or the error's "code/field".
  Result<schemas::AdminResult> Admin(Op op, const std::string& payload) {
    auto reply = core_->admin().Handle(op, payload);
    if (reply.error) {
      auto e = schemas::Decode<schemas::ErrorReply>(reply.payload);
      return Fail(*reply.error,
                  e ? std::string(ErrcName(e->error.code)) + "/" + e->error.field : reply.payload);
    }
    return schemas::Decode<schemas::AdminResult>(reply.payload);
  }
  std::string ErrorOf(Op op, const std::string& payload) {
    auto r = Admin(op, payload);
    return r ? "no error" : r.error().message;
  }
  const schemas::Station* Station(const std::string& id) {
    world_ = core_->network().view().Now();
    return world_->FindStation(id);
  }
  schemas::Reservation Reserve(const std::string& request_id) {
    schemas::PlanRequest trip{.from = "salvador-ba", .to = "jequie-ba", .depart_at = kNow + 3600};
    trip.vehicle = {60, 0.17, 0.3, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
    auto reply = core_->handlers().Handle(
        topics::Op::kReserve, "car", false,
        schemas::Encode(schemas::ReserveRequest{request_id, "", trip, false}),
        {topics::VehicleReplies("car"), "corr", ""});
    auto r = schemas::Decode<schemas::Reservation>(reply.payload);
    EXPECT_TRUE(r) << reply.payload;
    return r ? *r : schemas::Reservation{};
  }

  static constexpr const char* kNewStation =
      R"({"station":"vp-jequie-2","name":"Jequié Centro","city":"jequie-ba",)"
      R"("coordinates":{"lat":-13.857,"lon":-40.083},)"
      R"("tariff":{"price_per_kwh":1.8,"currency":"BRL"},"points":[)"
      R"({"id":"1","max_power_kw":150,"power_type":"DC","connector":"IEC_62196_T2_COMBO"},)"
      R"({"id":"2","max_power_kw":22,"power_type":"AC","connector":"IEC_62196_T2"}]})";

  std::string path_;
  core::ManualClock clock_{kNow};
  std::unique_ptr<runtime::Store> store_;
  std::unique_ptr<CompanyCore> core_;
  std::shared_ptr<const core::World> world_;
};

INSTANTIATE_TEST_SUITE_P(Backends, CatalogueTest, tripmesh::testing::EveryBackend(),
                         tripmesh::testing::NameOfBackend());

TEST_P(CatalogueTest, ANewStationIsBookableAndEveryChangeSurvivesAReload) {
  ASSERT_TRUE(Admin(Op::kAddStation, kNewStation));
  ASSERT_TRUE(Admin(Op::kAddPoint, R"({"station":"vp-jequie-2","point":"3","max_power_kw":60,)"
                                   R"("power_type":"DC","connector":"CHADEMO"})"));
  ASSERT_TRUE(Admin(Op::kUpdateStation, R"({"station":"vp-jequie-2","name":"Jequié Norte"})"));
  auto tariff = Admin(Op::kSetTariff, R"({"station":"vp-jequie-2","tariff":)"
                                      R"({"price_per_kwh":2.4,"currency":"BRL"},)"
                                      R"("valid_from":"2026-12-24T03:00:00Z"})");
  ASSERT_TRUE(tariff) << tariff.error().message;
  EXPECT_EQ(tariff->valid_from, ParseTime("2026-12-24T03:00:00Z").value());
  auto placed = core_->book().PlaceSlots("s-1", {{"vp-jequie-2", "3", kNow + 60, kNow + 1800}},
                                         std::nullopt, true, {});
  ASSERT_TRUE(placed) << placed.error().message;
  EXPECT_EQ(core_->network().Own().info.stations,
            static_cast<int>(
                tripmesh::testing::DefaultWorld().FindCompany("voltpoint")->stations.size()) +
                1);

  Reload();
  const schemas::Station* s = Station("vp-jequie-2");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "Jequié Norte");
  EXPECT_EQ(s->time_zone, "America/Bahia");  // the city's
  ASSERT_EQ(s->points.size(), 3u);
  ASSERT_EQ(s->tariff_changes.size(), 1u);
  // The price of a charge is the tariff in force when it starts.
  const schemas::Point& p = s->points.front();
  Time christmas = ParseTime("2026-12-24T03:00:00Z").value();
  EXPECT_DOUBLE_EQ(core::PriceOf(*s, p, 10, 600, christmas - 1), 18.0);
  EXPECT_DOUBLE_EQ(core::PriceOf(*s, p, 10, 600, christmas), 24.0);
  bool booked = false;
  auto snapshot = core_->book().Snapshot();  // kept: the loop walks one of its vectors
  for (const auto& iv : snapshot["vp-jequie-2/3"]) booked |= iv.owner == "s-1";
  EXPECT_TRUE(booked);
}

TEST_P(CatalogueTest, ATariffChangeNeverChangesTheCostOfABookingAlreadyMade) {
  auto r = Reserve("a");
  ASSERT_EQ(r.status, schemas::ReservationStatus::kConfirmed);
  ASSERT_FALSE(r.items.empty());
  for (const auto& s : core_->network().Own().stations) {
    ASSERT_TRUE(Admin(Op::kSetTariff, R"({"station":")" + s.id +
                                          R"(","tariff":{"price_per_kwh":20,"currency":"BRL"}})"));
  }
  auto again = core_->book().Get("car", r.reservation_id);
  ASSERT_TRUE(again);
  EXPECT_DOUBLE_EQ(again->cost, r.cost);
  auto later = Reserve("b");  // the same trip, booked at the new price
  EXPECT_GT(later.cost, r.cost);
}

TEST_P(CatalogueTest, ARemovedStationsStopsAreLostAndNothingIsBookedThereAgain) {
  auto r = Reserve("a");
  ASSERT_EQ(r.status, schemas::ReservationStatus::kConfirmed);
  std::string station = r.items.front().station;
  auto removed = Admin(Op::kRemoveStation, R"({"station":")" + station + R"(","reason":"closed"})");
  ASSERT_TRUE(removed) << removed.error().message;
  ASSERT_EQ(removed->lost.size(), 1u);
  EXPECT_TRUE(removed->moved.empty()) << "nothing moves onto a point removed with it";
  EXPECT_EQ(removed->lost.front().reservation_id, r.reservation_id);
  EXPECT_FALSE(Station(station));
  auto now = core_->book().Get("car", r.reservation_id);
  ASSERT_TRUE(now);
  EXPECT_TRUE(now->items.front().lost_at);
  EXPECT_NE(now->items.front().lost_reason.find("closed"), std::string::npos);
  Reload();
  EXPECT_FALSE(Station(station));
  auto placed = core_->book().PlaceSlots("s-1", {{station, "", kNow + 60, kNow + 1800}},
                                         std::nullopt, false, {});
  EXPECT_FALSE(placed);
  for (const auto& i : Reserve("b").items) EXPECT_NE(i.station, station);
}

TEST_P(CatalogueTest, ABadChangeGetsAPreciseErrorAndChangesNothing) {
  auto r = Reserve("a");
  ASSERT_EQ(r.status, schemas::ReservationStatus::kConfirmed);
  const auto& stop = r.items.front();
  std::string before = schemas::Encode(core_->network().Own().stations.front());
  std::string all_before;
  for (const auto& s : core_->network().Own().stations) all_before += schemas::Encode(s);
  EXPECT_EQ(ErrorOf(Op::kAddStation, "{not json"), "invalid_json/");
  EXPECT_EQ(ErrorOf(Op::kAddStation, R"({"station":"vp-jequie"})"), "invalid_request/city");
  std::string dup = kNewStation;
  dup.replace(dup.find("vp-jequie-2"), 11, "vp-jequie");
  EXPECT_EQ(ErrorOf(Op::kAddStation, dup), "conflict/station");
  std::string nowhere = kNewStation;
  nowhere.replace(nowhere.find("jequie-ba"), 9, "atlantis");
  EXPECT_EQ(ErrorOf(Op::kAddStation, nowhere), "not_found/city");
  std::string zone = kNewStation;
  zone.insert(1, R"("time_zone":"Europe/Lisbon",)");
  EXPECT_EQ(ErrorOf(Op::kAddStation, zone), "invalid_request/time_zone");
  std::string plug = kNewStation;
  plug.replace(plug.find("IEC_62196_T2\""), 12, "SCHUKO");
  EXPECT_EQ(ErrorOf(Op::kAddStation, plug), "invalid_request/connector");
  EXPECT_EQ(ErrorOf(Op::kRemoveStation, R"({"station":"vp-nowhere"})"), "not_found/station");
  EXPECT_EQ(ErrorOf(Op::kRemovePoint, R"({"station":"vp-jequie","point":"9"})"), "not_found/point");
  EXPECT_EQ(ErrorOf(Op::kAddPoint, R"({"station":"vp-jequie","point":"1","max_power_kw":60,)"
                                   R"("power_type":"DC","connector":"CHADEMO"})"),
            "conflict/point");
  EXPECT_EQ(ErrorOf(Op::kUpdatePoint, R"({"station":"vp-jequie","point":"1"})"),
            "invalid_request/max_power_kw");
  EXPECT_EQ(ErrorOf(Op::kUpdatePoint, R"({"station":"vp-jequie","point":"1","power_type":"XX"})"),
            "invalid_request/power_type");
  EXPECT_EQ(ErrorOf(Op::kSetTariff, R"({"station":"vp-jequie","tariff":{"price_per_kwh":2,)"
                                    R"("currency":"BRL"},"valid_from":"2020-01-01T00:00:00Z"})"),
            "invalid_request/valid_from");
  EXPECT_EQ(ErrorOf(Op::kSetTariff, R"({"station":"vp-jequie","tariff":{"price_per_kwh":2,)"
                                    R"("currency":"USD"}})"),
            "invalid_request/tariff.currency");
  // The point of a booking to come cannot lose what the booking needs ...
  EXPECT_EQ(ErrorOf(Op::kUpdatePoint, R"({"station":")" + stop.station + R"(","point":")" +
                                          stop.point + R"(","connector":"CHADEMO"})"),
            "conflict/point");
  // ... but may gain power.
  EXPECT_EQ(ErrorOf(Op::kUpdatePoint, R"({"station":")" + stop.station + R"(","point":")" +
                                          stop.point + R"(","max_power_kw":400})"),
            "no error");
  const schemas::Station* s = Station(stop.station);
  ASSERT_TRUE(s);
  for (const auto& p : tripmesh::testing::DefaultWorld().FindStation(stop.station)->points) {
    if (p.id != stop.point) continue;
    // Back to what it was: less power than now, so only once the booking is gone.
    std::string back = R"({"station":")" + stop.station + R"(","point":")" + stop.point +
                       R"(","max_power_kw":)" + std::to_string(p.max_power_kw) + "}";
    EXPECT_EQ(ErrorOf(Op::kUpdatePoint, back), "conflict/point");
    ASSERT_TRUE(core_->book().Cancel("car", r.reservation_id));
    ASSERT_TRUE(Admin(Op::kUpdatePoint, back));
  }
  std::string all_after;
  for (const auto& s : core_->network().Own().stations) all_after += schemas::Encode(s);
  EXPECT_EQ(all_after.size(), all_before.size());
  EXPECT_EQ(schemas::Encode(core_->network().Own().stations.front()), before);
}

}  // namespace
}  // namespace tripmesh::company

namespace tripmesh::company {
namespace {

// The admin topics' ops (topics::AdminOp) and the catalogue changes they carry
// (schemas::CatalogueOp) are two enums, one per layer, joined by name in
// Admin::Handle: every catalogue change must be an admin op of the same name.
TEST(CatalogueOpsTest, EveryCatalogueChangeIsTheAdminOpOfItsName) {
  for (auto op : schemas::kCatalogueOps) {
    auto name = schemas::CatalogueOpName(op);
    auto admin = topics::ParseAdminOp(name);
    ASSERT_TRUE(admin) << name;
    EXPECT_EQ(topics::AdminOpName(*admin), name);
    EXPECT_EQ(schemas::ParseCatalogueOp(topics::AdminOpName(*admin)), op);
  }
  auto status = topics::ParseAdminOp("set_point_status");
  ASSERT_TRUE(status);
  EXPECT_FALSE(schemas::ParseCatalogueOp(topics::AdminOpName(*status)));
}

}  // namespace
}  // namespace tripmesh::company
