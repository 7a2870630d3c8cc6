// The air profile's plan messages: what is encoded decodes to the same, the
// defaults of a short request, and a precise field for each bad one.
#include <gtest/gtest.h>

#include "tripmesh/schemas/air.h"

namespace tripmesh::schemas {
namespace {

constexpr Time kT = 1799064000;  // 2027-01-04T12:00:00Z

TEST(AirMessagesTest, APlanRequestRoundTripsAndAShortOneTakesTheDefaults) {
  AirPlanRequest r{.request_id = "q1",
                   .from = "BEL",
                   .to = "NAT",
                   .depart_after = kT,
                   .cabin = Cabin::kBusiness,
                   .fare_class = "J",
                   .passengers = 2,
                   .alternatives = 5,
                   .prefer = AirPrefer::kFewestLegs};
  auto back = Decode<AirPlanRequest>(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->request_id, "q1");
  EXPECT_EQ(back->from, "BEL");
  EXPECT_EQ(back->depart_after, kT);
  EXPECT_EQ(back->cabin, Cabin::kBusiness);
  EXPECT_EQ(back->passengers, 2);
  EXPECT_EQ(back->alternatives, 5);
  EXPECT_EQ(back->prefer, AirPrefer::kFewestLegs);
  auto brief = Decode<AirPlanRequest>(
      R"({"from":"REC","to":"GRU","depart_after":"2027-01-04T09:00:00-03:00"})");
  ASSERT_TRUE(brief) << brief.error().message;
  EXPECT_EQ(brief->depart_after, kT);
  EXPECT_EQ(brief->cabin, Cabin::kEconomy);
  EXPECT_EQ(brief->fare_class, "E");
  EXPECT_EQ(brief->passengers, 1);
  EXPECT_EQ(brief->alternatives, 3);
  EXPECT_EQ(brief->prefer, AirPrefer::kEarliestArrival);
}

TEST(AirMessagesTest, ABadPlanRequestNamesItsField) {
  auto field_of = [](const std::string& extra) {
    auto r = Decode<AirPlanRequest>(
        R"({"from":"REC","to":"GRU","depart_after":"2027-01-04T12:00:00Z")" + extra + "}");
    return r ? std::string("accepted") : r.error().field;
  };
  EXPECT_EQ(field_of(""), "accepted");
  EXPECT_EQ(field_of(R"(,"passengers":0)"), "passengers");
  EXPECT_EQ(field_of(R"(,"passengers":"2")"), "passengers");
  EXPECT_EQ(field_of(R"(,"prefer":"fastest")"), "prefer");
  EXPECT_EQ(field_of(R"(,"cabin":"F")"), "cabin");
  EXPECT_EQ(field_of(R"(,"alternatives":11)"), "alternatives");
  EXPECT_EQ(field_of(R"(,"type":"plan.request")"), "type");
  auto lower = Decode<AirPlanRequest>(R"({"from":"rec","to":"GRU","depart_after":"x"})");
  ASSERT_FALSE(lower);
  EXPECT_EQ(lower.error().field, "from");
  auto no_time = Decode<AirPlanRequest>(R"({"from":"REC","to":"GRU"})");
  ASSERT_FALSE(no_time);
  EXPECT_EQ(no_time.error().field, "depart_after");
}

TEST(AirMessagesTest, APlanResultRoundTrips) {
  AirPlanResult r;
  r.request_id = "q1";
  AirItinerary& it = r.itineraries.emplace_back();
  it.departs_at = kT;
  it.arrives_at = kT + 5 * kHourS;
  it.price = 1220.7;
  it.legs.push_back({.leg_id = "TU6201-2027-01-04",
                     .airline = "tucano",
                     .flight = "TU6201",
                     .from = "BEL",
                     .to = "BSB",
                     .aircraft = "A320",
                     .fare_class = "E",
                     .departs_at = kT,
                     .arrives_at = kT + 2 * kHourS,
                     .price = 500.9,
                     .seats_left = 156});
  auto back = Decode<AirPlanResult>(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->itineraries.size(), 1u);
  const auto& b = back->itineraries[0];
  EXPECT_EQ(b.arrives_at, it.arrives_at);
  EXPECT_DOUBLE_EQ(b.price, 1220.7);
  EXPECT_EQ(b.currency, "BRL");
  ASSERT_EQ(b.legs.size(), 1u);
  EXPECT_EQ(b.legs[0].leg_id, "TU6201-2027-01-04");
  EXPECT_EQ(b.legs[0].seats_left, 156);
  EXPECT_DOUBLE_EQ(b.legs[0].price, 500.9);
}

TEST(AirMessagesTest, AReserveRequestRoundTripsAndNamesTheFieldOfABadOne) {
  AirReserveRequest r{.request_id = "r1", .legs = {}, .passengers = 2, .hold_only = true};
  r.legs.push_back({.leg_id = "JG1001-2027-01-04", .fare_class = "E", .seats = {"12C", "12D"}});
  r.legs.push_back({.leg_id = "SB2002-2027-01-04", .fare_class = "Y", .seats = {}});
  auto back = Decode<AirReserveRequest>(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->passengers, 2);
  EXPECT_TRUE(back->hold_only);
  ASSERT_EQ(back->legs.size(), 2u);
  EXPECT_EQ(back->legs[0].seats, (std::vector<std::string>{"12C", "12D"}));
  EXPECT_TRUE(back->legs[1].seats.empty());
  auto field_of = [](const std::string& body) {
    auto d = Decode<AirReserveRequest>(body);
    return d ? std::string("accepted") : d.error().field;
  };
  EXPECT_EQ(field_of(R"({"legs":[{"leg_id":"JG1-2027-01-04","fare_class":"E"}]})"), "accepted");
  EXPECT_EQ(field_of(R"({"legs":[]})"), "legs");
  EXPECT_EQ(
      field_of(R"({"legs":[{"leg_id":"x","fare_class":"E"},{"leg_id":"x","fare_class":"Y"}]})"),
      "legs");
  EXPECT_EQ(field_of(R"({})"), "legs");
  EXPECT_EQ(field_of(R"({"legs":[{"fare_class":"E"}]})"), "legs[0].leg_id");
  EXPECT_EQ(field_of(R"({"legs":[{"leg_id":"x","fare_class":"E","seats":["1A","1B"]}]})"), "seats");
  EXPECT_EQ(field_of(R"({"passengers":10,"legs":[{"leg_id":"x","fare_class":"E"}]})"),
            "passengers");
  EXPECT_EQ(field_of(R"({"hold_only":1,"legs":[{"leg_id":"x","fare_class":"E"}]})"), "hold_only");
}

TEST(AirMessagesTest, AReservationAndAListRoundTrip) {
  AirReservation r{.reservation_id = "a1",
                   .request_id = "r1",
                   .passenger = "ana",
                   .status = ReservationStatus::kHeld,
                   .created_at = kT,
                   .expires_at = kT + 600,
                   .passengers = 1,
                   .price = 412.5,
                   .currency = "BRL",
                   .legs = {}};
  r.legs.push_back({.leg_id = "JG1001-2027-01-04",
                    .airline = "jangada",
                    .flight = "JG1001",
                    .from = "REC",
                    .to = "SSA",
                    .fare_class = "E",
                    .departs_at = kT + kHourS,
                    .arrives_at = kT + 2 * kHourS,
                    .cabin = Cabin::kEconomy,
                    .seats = {"1A"},
                    .price = 412.5});
  auto back = Decode<AirReservation>(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->status, ReservationStatus::kHeld);
  EXPECT_EQ(back->expires_at, kT + 600);
  ASSERT_EQ(back->legs.size(), 1u);
  EXPECT_EQ(back->legs[0].seats, std::vector<std::string>{"1A"});
  EXPECT_EQ(back->legs[0].cabin, Cabin::kEconomy);
  auto list = Decode<AirReservationList>(Encode(AirReservationList{"l1", {r, r}}));
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->reservations.size(), 2u);
  EXPECT_EQ(list->reservations[1].reservation_id, "a1");
}

TEST(AirMessagesTest, TheSagasRequestAndAckRoundTripAndARefusalNeedsItsCode) {
  AirSagaRequest r{.saga_id = "sa1",
                   .reservation_id = "a1",
                   .passenger = "ana",
                   .passengers = 2,
                   .hold_ttl_s = 120,
                   .legs = {{.leg_id = "SB3001-2027-01-04", .fare_class = "E", .seats = {}}}};
  auto back = Decode<AirSagaRequest>(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->hold_ttl_s, 120);
  EXPECT_EQ(back->legs.at(0).leg_id, "SB3001-2027-01-04");
  AirSagaAck ack{.saga_id = "sa1",
                 .phase = SagaPhase::kCommit,
                 .ok = false,
                 .code = Errc::kExpired,
                 .detail = "the hold ran out",
                 .expires_at = std::nullopt,
                 .legs = {}};
  auto a = Decode<AirSagaAck>(Encode(ack));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->phase, SagaPhase::kCommit);
  EXPECT_EQ(a->code, Errc::kExpired);
  auto no_code =
      Decode<AirSagaAck>(R"({"type":"air.saga.ack","saga_id":"s","phase":"request","ok":false})");
  ASSERT_FALSE(no_code);
  EXPECT_EQ(no_code.error().field, "code");
  auto changed =
      Decode<AirSagaAck>(R"({"type":"air.saga.ack","saga_id":"s","phase":"changed","ok":true})");
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().field, "phase");
}

}  // namespace
}  // namespace tripmesh::schemas
