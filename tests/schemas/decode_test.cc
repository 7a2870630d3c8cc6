#include "tripmesh/schemas/decode.h"

#include <gtest/gtest.h>

#include "tripmesh/schemas/encode.h"

namespace tripmesh::schemas {
namespace {

constexpr const char* kPlan =
    R"({"type":"plan.request","request_id":"r1","from":"salvador-ba","to":"recife-pe",)"
    R"("vehicle":{"battery_kwh":60,"consumption_kwh_per_km":0.17,"soc":0.8,"connectors":["IEC_62196_T2_COMBO"]},)"
    R"("prefer":"cheapest","alternatives":2,"depart_at":"2026-11-22T14:05:00Z"})";

TEST(DecodeTest, PlanRequestReadsEveryField) {
  auto r = Decode<PlanRequest>(kPlan);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->request_id, "r1");
  EXPECT_EQ(r->from, "salvador-ba");
  EXPECT_DOUBLE_EQ(r->vehicle.battery_kwh, 60);
  EXPECT_DOUBLE_EQ(r->vehicle.min_soc, 0.10);
  EXPECT_EQ(r->vehicle.connectors.size(), 1u);
  EXPECT_EQ(r->prefer, Prefer::kCheapest);
  EXPECT_EQ(r->alternatives, 2);
  EXPECT_EQ(*r->depart_at, *ParseTime("2026-11-22T14:05:00Z"));
}

TEST(DecodeTest, MalformedJsonIsInvalidJson) {
  for (const char* bad : {"", "{", "[1,2]", "null", "\"x\"", "{\"a\":}", "\xff\xfe"}) {
    auto r = Decode<PlanRequest>(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidJson) << bad;
  }
}

TEST(DecodeTest, WrongTypeNamesTheNestedField) {
  auto r = Decode<PlanRequest>(
      R"({"from":"a","to":"b","vehicle":{"battery_kwh":60,"consumption_kwh_per_km":0.17,"soc":"full"}})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidRequest);
  EXPECT_EQ(r.error().field, "vehicle.soc");
}

TEST(DecodeTest, MissingFieldIsNamed) {
  auto r = Decode<PlanRequest>(R"({"from":"a","vehicle":{}})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "to");
}

TEST(DecodeTest, OutOfRangeValuesAreRefused) {
  auto r = Decode<PlanRequest>(
      R"({"from":"a","to":"b","alternatives":11,"vehicle":{"battery_kwh":60,"consumption_kwh_per_km":0.17,"soc":0.5}})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "alternatives");
  r = Decode<PlanRequest>(
      R"({"from":"a","to":"b","vehicle":{"battery_kwh":60,"consumption_kwh_per_km":0.17,"soc":1.5}})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "vehicle.soc");
}

TEST(DecodeTest, WrongTypeFieldIsRefused) {
  auto r = Decode<ListRequest>(R"({"type":"plan.request"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "type");
}

TEST(DecodeTest, ReserveNeedsExactlyOneOfPlanIdAndPlan) {
  EXPECT_FALSE(Decode<ReserveRequest>(R"({})"));
  EXPECT_TRUE(Decode<ReserveRequest>(R"({"plan_id":"p1","hold_only":true})"));
  auto both = Decode<ReserveRequest>(std::string(R"({"plan_id":"p1","plan":)") + kPlan + "}");
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().field, "plan_id");
}

TEST(DecodeTest, ArrayElementErrorsCarryTheirIndex) {
  auto r = Decode<AvailabilityRequest>(
      R"({"stations":["a",7],"from":"2026-11-22T14:05:00Z","to":"2026-11-22T15:05:00Z"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "stations[1]");
}

TEST(DecodeTest, ReservationRoundTripsThroughEncode) {
  Reservation r;
  r.request_id = "q\"1";
  r.reservation_id = "r-voltpoint-1";
  r.vehicle = "car-7";
  r.status = schemas::ReservationStatus::kHeld;
  r.items.push_back({"voltpoint", "vp-x", "salvador-ba", "2", 1000, 4600, 30.5, 66.8});
  r.cost = 66.8;
  r.created_at = 900;
  r.expires_at = 1500;
  auto back = Decode<Reservation>(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->request_id, r.request_id);
  EXPECT_EQ(back->items.size(), 1u);
  EXPECT_EQ(back->items[0].end_at, 4600);
  EXPECT_DOUBLE_EQ(back->items[0].kwh, 30.5);
  EXPECT_EQ(*back->expires_at, 1500);
}

TEST(DecodeTest, ErrorReplyRoundTrips) {
  ErrorReply e{"id-1", {Errc::kUnknownCity, "unknown city x", "from"}};
  std::string json = Encode(e);
  EXPECT_NE(json.find("\"code\":\"unknown_city\""), std::string::npos);
  auto back = Decode<ErrorReply>(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->error.code, Errc::kUnknownCity);
  EXPECT_EQ(back->error.field, "from");
}

TEST(DecodeTest, EncoderEscapesControlCharacters) {
  ErrorReply e{"", {Errc::kInternal, "line\nbreak\t\x01 \\ \"q\"", ""}};
  auto back = Decode<ErrorReply>(Encode(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->error.message, e.error.message);
}

TEST(DecodeTest, SagaMessagesRoundTrip) {
  SagaRequest req{"s-1", "r-1", "car-1", {{"ef-sobral", "", 1000, 2800, 12.5}}, 120};
  auto r = Decode<SagaRequest>(Encode(req));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->items.at(0).station, "ef-sobral");
  EXPECT_TRUE(r->items.at(0).point.empty());
  EXPECT_EQ(r->hold_ttl_s, 120);

  SagaAck ok{"s-1", SagaPhase::kRequest, true, {{"h", "ef-sobral", "p1", 1000, 2800, 18.6}},
             5000,  std::nullopt,        ""};
  auto a = Decode<SagaAck>(Encode(ok));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(a->ok);
  EXPECT_EQ(a->holds.at(0).point, "p1");
  EXPECT_EQ(a->expires_at, 5000);

  SagaAck no{"s-1", SagaPhase::kCommit, false, {}, std::nullopt, Errc::kExpired, "lapsed"};
  a = Decode<SagaAck>(Encode(no));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->phase, SagaPhase::kCommit);
  EXPECT_EQ(a->code, Errc::kExpired);
  EXPECT_EQ(Decode<SagaCompensate>(Encode(SagaCompensate{"s-1", "why"}))->reason, "why");
  EXPECT_EQ(Decode<SagaCommit>(Encode(SagaCommit{"s-1"}))->saga_id, "s-1");
}

TEST(DecodeTest, BadSagaMessagesNameTheField) {
  auto a = Decode<SagaAck>(R"({"type":"saga.ack","saga_id":"s","phase":"commit","ok":false})");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().field, "code");
  a = Decode<SagaAck>(R"({"type":"saga.ack","saga_id":"s","phase":"later","ok":true})");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().field, "phase");
  auto r = Decode<SagaRequest>(
      R"({"type":"saga.request","saga_id":"s","reservation_id":"r","vehicle":"v","hold_ttl_s":5,)"
      R"("items":[{"station":"x","start_at":"2026-11-22T14:05:00Z","end_at":"2026-11-22T14:00:00Z","kwh":1}]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "items[0].end_at");
  r = Decode<SagaRequest>(
      R"({"type":"saga.request","saga_id":"s","reservation_id":"r","vehicle":"v","hold_ttl_s":5,"items":[]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "items");
  EXPECT_FALSE(Decode<SagaCommit>(R"({"type":"saga.compensate","saga_id":"s"})"));
}

TEST(DecodeTest, EachCatalogueOpNeedsItsOwnFields) {
  auto field = [](CatalogueOp op, const char* json) {
    auto r = DecodeCatalogueChange(op, json);
    return r ? std::string("ok") : r.error().field;
  };
  EXPECT_EQ(field(CatalogueOp::kAddStation, R"({"station":"s"})"), "city");
  EXPECT_EQ(field(CatalogueOp::kAddStation,
                  R"({"station":"s","city":"c","coordinates":{"lat":1,"lon":2}})"),
            "tariff");
  EXPECT_EQ(field(CatalogueOp::kAddStation,
                  R"({"station":"s","city":"c","coordinates":{"lat":1,"lon":2},)"
                  R"("tariff":{"price_per_kwh":1,"currency":"BRL"}})"),
            "ok");
  EXPECT_EQ(field(CatalogueOp::kUpdateStation, R"({"station":"s"})"), "name");
  EXPECT_EQ(
      field(CatalogueOp::kUpdateStation, R"({"station":"s","coordinates":{"lat":91,"lon":0}})"),
      "coordinates.lat");
  EXPECT_EQ(field(CatalogueOp::kAddPoint, R"({"station":"s","point":"1","max_power_kw":50})"),
            "power_type");
  EXPECT_EQ(field(CatalogueOp::kUpdatePoint, R"({"station":"s","point":"1","max_power_kw":0})"),
            "max_power_kw");
  EXPECT_EQ(field(CatalogueOp::kRemovePoint, R"({"station":"s"})"), "point");
  EXPECT_EQ(field(CatalogueOp::kRemoveStation, R"({"station":"s","type":"remove_point.request"})"),
            "type");
  EXPECT_EQ(
      field(CatalogueOp::kSetTariff, R"({"station":"s","valid_from":"2026-12-24T03:00:00Z"})"),
      "tariff");
}

TEST(DecodeTest, CatalogueChangesAndTariffChangesRoundTrip) {
  CatalogueChange c{.request_id = "a-1", .station = "vp-x", .point = "2"};
  c.tariff = Tariff{.price_per_kwh = 2.5, .price_per_hour = 3.0};
  c.valid_from = *ParseTime("2026-12-24T03:00:00Z");
  auto back = DecodeCatalogueChange(CatalogueOp::kSetTariff, Encode(CatalogueOp::kSetTariff, c));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->point, "2");
  EXPECT_EQ(back->valid_from, c.valid_from);
  EXPECT_EQ(back->tariff->price_per_hour, 3.0);
  Station s{
      .company = "voltpoint", .id = "vp-x", .city = "salvador-ba", .time_zone = "America/Bahia"};
  s.tariff_changes.push_back({*c.valid_from, "2", *c.tariff});
  auto station = Decode<Station>(Encode(s));
  ASSERT_TRUE(station) << station.error().message;
  ASSERT_EQ(station->tariff_changes.size(), 1u);
  EXPECT_EQ(station->tariff_changes.front().point, "2");
  EXPECT_EQ(station->tariff_changes.front().tariff.price_per_kwh, 2.5);
  EXPECT_TRUE(station->points.empty());
}

TEST(TimeTest, FormatsAndParsesRfc3339) {
  auto t = ParseTime("2026-11-22T14:05:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatTime(*t), "2026-11-22T14:05:00Z");
  EXPECT_EQ(*ParseTime("2026-11-22T11:05:00-03:00"), *t);
  EXPECT_EQ(*ParseTime("2026-11-22T14:05:00.250Z"), *t);
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00Z");
  for (const char* bad : {"2026-11-22", "2026-13-01T00:00:00Z", "2026-11-22T14:05:00", "yesterday",
                          "2026-11-22T14:05:00Zjunk"}) {
    EXPECT_FALSE(ParseTime(bad)) << bad;
  }
}

TEST(EnvelopeTest, AStampedRequestCarriesItsIdAndDeadlineAndKeepsItsOwnId) {
  ListRequest list;
  std::string stamped = StampRequest(Encode(list), "q-1", 1796118720);
  auto back = Decode<ListRequest>(stamped);
  ASSERT_TRUE(back) << stamped;
  EXPECT_EQ(back->request_id, "q-1");
  EXPECT_EQ(*PeekDeadline(stamped), std::optional<Time>(1796118720));
  list.request_id = "mine";
  EXPECT_EQ(PeekRequestId(StampRequest(Encode(list), "q-2", std::nullopt)), "mine");
  EXPECT_EQ(StampRequest("{}", "q-3", std::nullopt), R"({"request_id":"q-3"})");
  EXPECT_EQ(*PeekDeadline(R"({"type":"list.request"})"), std::nullopt);
  auto bad = PeekDeadline(R"({"deadline":"soon"})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "deadline");
}

TEST(EnvelopeTest, AMinifiedMessageKeepsTheSpacesOfItsStrings) {
  auto one = Minified("{\n  \"name\": \"SabiÃ¡ Transportes\",\n  \"days\": [1, 2]\n}\n");
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(*one, "{\"name\":\"SabiÃ¡ Transportes\",\"days\":[1,2]}");
  auto bad = Minified("{\"name\": \"open");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidJson);
}

TEST(EnvelopeTest, StatusAndMetricsRoundTrip) {
  CompanyStatus s{.company = "voltpoint", .online = false, .timestamp = 1796118720};
  s.host = "vm";
  s.pid = 42;
  s.started_at = 1796118000;
  s.time_zone = "America/Bahia";
  s.reason = "connection_lost";
  auto st = Decode<CompanyStatus>(Encode(s));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pid, 42);
  EXPECT_EQ(st->reason, "connection_lost");
  EXPECT_EQ(st->time_zone, "America/Bahia");
  CompanyMetrics m{.company = "eflux", .timestamp = 1796118720};
  m.counters = {{"requests", 12}, {"reservations.confirmed", 3}};
  m.latency_p99_ms = 9.25;
  auto mt = Decode<CompanyMetrics>(Encode(m));
  ASSERT_TRUE(mt);
  EXPECT_EQ(mt->counters, m.counters);
  EXPECT_DOUBLE_EQ(mt->latency_p99_ms, 9.25);
  auto bad = Decode<CompanyMetrics>(
      R"({"company":"eflux","timestamp":"2026-12-01T09:52:00Z","counters":{"x":"many"}})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "counters");
}

}  // namespace
}  // namespace tripmesh::schemas
