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

}  // namespace
}  // namespace tripmesh::schemas
