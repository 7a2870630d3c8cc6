// The seats of one leg: the first hold wins, all or none, expiry and booking.
#include "tripmesh/air/seat_ledger.h"

#include <gtest/gtest.h>

#include <random>

namespace tripmesh::air {
namespace {

Aircraft A320() {
  return {"A320", {{Cabin::kBusiness, 1, 3, "ACDF"}, {Cabin::kEconomy, 4, 29, "ABCDEF"}}};
}

using Seats = std::vector<std::string>;

TEST(SeatLedgerTest, AnySeatsComeFromTheFrontOfTheCabinAndCountDown) {
  SeatLedger leg(A320());
  EXPECT_EQ(leg.SeatsLeft(Cabin::kEconomy), 156);
  EXPECT_EQ(leg.SeatsLeft(Cabin::kBusiness), 12);
  auto got = leg.Hold("r1", Cabin::kEconomy, 3, {}, 1000);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, (Seats{"4A", "4B", "4C"}));
  auto j = leg.Hold("r2", Cabin::kBusiness, 2, {}, 1000);
  ASSERT_TRUE(j);
  EXPECT_EQ(*j, (Seats{"1A", "1C"}));
  EXPECT_EQ(leg.SeatsLeft(Cabin::kEconomy), 153);
  EXPECT_EQ(leg.SeatsLeft(Cabin::kBusiness), 10);
  // Asking again for what it holds gives the same seats, takes no more.
  EXPECT_EQ(*leg.Hold("r1", Cabin::kEconomy, 3, {}, 1000), (Seats{"4A", "4B", "4C"}));
  EXPECT_EQ(leg.SeatsLeft(Cabin::kEconomy), 153);
}

TEST(SeatLedgerTest, TheFirstHoldOnANamedSeatWinsAndTheSecondTakesNothing) {
  SeatLedger leg(A320());
  ASSERT_TRUE(leg.Hold("first", Cabin::kEconomy, 1, {"12C"}, 1000));
  auto second = leg.Hold("second", Cabin::kEconomy, 2, {"12D", "12C"}, 1000);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kConflict);
  EXPECT_TRUE(leg.SeatsOf("second").empty());  // 12D was not kept: all or none
  EXPECT_EQ(leg.taken().at("12C").owner, "first");
  EXPECT_EQ(leg.SeatsLeft(Cabin::kEconomy), 155);
}

TEST(SeatLedgerTest, ASeatNotInTheCabinIsABadRequestThatHoldsNothing) {
  SeatLedger leg(A320());
  for (const Seats& bad : {Seats{"2B"}, Seats{"4A", "99A"}, Seats{"4G"}, Seats{"04A"}, Seats{"A4"},
                           Seats{"1A"}, Seats{"5A", "5A"}}) {
    auto r = leg.Hold("r", Cabin::kEconomy, 1, bad, 1000);
    ASSERT_FALSE(r) << bad.front();
    EXPECT_EQ(r.error().code, Errc::kInvalidRequest) << bad.front();
    EXPECT_EQ(r.error().field, "seats");
  }
  EXPECT_TRUE(leg.taken().empty());
}

TEST(SeatLedgerTest, NotEnoughSeatsIsUnavailableAndHoldsNothing) {
  SeatLedger leg({"ATR72", {{Cabin::kEconomy, 1, 2, "AC"}}});
  ASSERT_TRUE(leg.Hold("a", Cabin::kEconomy, 3, {}, 1000));
  auto r = leg.Hold("b", Cabin::kEconomy, 2, {}, 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_TRUE(leg.SeatsOf("b").empty());
  EXPECT_EQ(leg.SeatsLeft(Cabin::kEconomy), 1);
  auto none = leg.Hold("c", Cabin::kBusiness, 1, {}, 1000);  // no business cabin
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kUnavailable);
}

TEST(SeatLedgerTest, HoldsLapseBookingsStayAndReleaseFreesTheSeats) {
  SeatLedger leg(A320());
  ASSERT_TRUE(leg.Hold("held", Cabin::kEconomy, 2, {}, 100));
  ASSERT_TRUE(leg.Hold("booked", Cabin::kEconomy, 1, {"20F"}, 100));
  ASSERT_TRUE(leg.Book("booked"));
  EXPECT_EQ(leg.Book("nobody").error().code, Errc::kNotFound);
  EXPECT_TRUE(leg.ExpireHolds(99).empty());
  EXPECT_EQ(leg.ExpireHolds(100), (Seats{"held"}));
  EXPECT_TRUE(leg.SeatsOf("held").empty());
  EXPECT_EQ(leg.SeatsOf("booked"), (Seats{"20F"}));
  EXPECT_EQ(leg.Release("booked"), (Seats{"20F"}));
  EXPECT_EQ(leg.SeatsLeft(Cabin::kEconomy), 156);
}

TEST(SeatLedgerTest, ManyOwnersNeverShareASeatAndTheCountsAgree) {
  std::mt19937 rng(7);
  SeatLedger leg({"E195", {{Cabin::kBusiness, 1, 3, "ACDF"}, {Cabin::kEconomy, 4, 30, "ACDF"}}});
  std::map<std::string, int> held;  // owner -> seats it was given
  for (int i = 0; i < 400; ++i) {
    std::string owner = "r" + std::to_string(rng() % 80);
    Time now = i;
    if (rng() % 5 == 0) {
      for (const auto& o : leg.ExpireHolds(now)) held.erase(o);
      continue;
    }
    if (rng() % 7 == 0) {
      leg.Release(owner);
      held.erase(owner);
      continue;
    }
    Seats named;
    if (rng() % 2) named.push_back(std::to_string(4 + rng() % 27) + "ACDF"[rng() % 4]);
    auto r = leg.Hold(owner, Cabin::kEconomy, 1 + static_cast<int>(rng() % 3), named,
                      now + static_cast<Time>(rng() % 30));
    if (r) held[owner] = static_cast<int>(r->size());
    int total = 0;
    for (const auto& [o, n] : held) total += n;
    ASSERT_EQ(leg.SeatsLeft(Cabin::kEconomy), 108 - total) << "step " << i;
    for (const auto& [o, n] : held) ASSERT_EQ(static_cast<int>(leg.SeatsOf(o).size()), n);
  }
}

}  // namespace
}  // namespace tripmesh::air
