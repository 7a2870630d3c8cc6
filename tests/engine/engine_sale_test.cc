// The rules of a reservation one agent sells alone, for both profiles: what
// a confirm, a cancel, a no-show and the expiry sweep do from each status,
// and how RunConfirm and RunEnd run them on a desk's goods.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tripmesh/engine/sale.h"

namespace tripmesh::engine {
namespace {

using schemas::ReservationStatus;
using enum ReservationStatus;

constexpr Time kNow = 1'800'000'000;
const ReservationStatus kEvery[] = {kHeld,    kConfirmed, kFailed, kCancelled,
                                    kExpired, kFulfilled, kNoShow};

// A reservation standing as `status`, its hold (if any) lasting a minute more.
SaleNow Fresh(ReservationStatus status) { return {status, kNow + 60}; }
// Its hold time ran out a second ago.
SaleNow Overdue(ReservationStatus status) { return {status, kNow - 1}; }

TEST(EngineSaleTest, AHoldLapsesOnceItsTimeIsReachedAndOnlyAHoldLapses) {
  EXPECT_FALSE(HoldLapsed(Fresh(kHeld), kNow));
  EXPECT_TRUE(HoldLapsed({kHeld, kNow}, kNow));
  EXPECT_TRUE(HoldLapsed(Overdue(kHeld), kNow));
  EXPECT_FALSE(HoldLapsed({kHeld, std::nullopt}, kNow));
  EXPECT_FALSE(HoldLapsed(Overdue(kConfirmed), kNow));
}

TEST(EngineSaleTest, AConfirmBooksAFreshHoldAndAnswersAConfirmedOneAsItStands) {
  EXPECT_EQ(DecideConfirm("r1", Fresh(kHeld), kNow).step, SaleStep::kBook);
  EXPECT_EQ(DecideConfirm("r1", {kHeld, std::nullopt}, kNow).step, SaleStep::kBook);
  EXPECT_EQ(DecideConfirm("r1", {kConfirmed, std::nullopt}, kNow).step, SaleStep::kAsItStands);
}

TEST(EngineSaleTest, AConfirmOfALapsedHoldIsExpiredWhetherOrNotTheSweepRan) {
  for (const auto& d : {DecideConfirm("r1", Overdue(kHeld), kNow),
                        DecideConfirm("r1", {kExpired, std::nullopt}, kNow)}) {
    EXPECT_EQ(d.step, SaleStep::kRefuse);
    EXPECT_EQ(d.refusal.code, Errc::kExpired);
    EXPECT_EQ(d.refusal.message, "the hold of reservation r1 expired: reserve again");
    EXPECT_EQ(d.refusal.field, "reservation_id");
  }
}

TEST(EngineSaleTest, AConfirmOfAnEndedReservationIsAConflictNamingWhereItStands) {
  for (auto now : {kFailed, kCancelled, kFulfilled, kNoShow}) {
    auto d = DecideConfirm("r1", Fresh(now), kNow);
    EXPECT_EQ(d.step, SaleStep::kRefuse) << schemas::ReservationStatusName(now);
    EXPECT_EQ(d.refusal.code, Errc::kConflict);
    EXPECT_NE(d.refusal.message.find(schemas::ReservationStatusName(now)), std::string::npos)
        << d.refusal.message;
  }
}

TEST(EngineSaleTest, ACancelOrNoShowReleasesWhatIsHeldOrBookedAndRepeatsAsItStands) {
  for (auto outcome : {kCancelled, kNoShow}) {
    for (auto now : kEvery) {
      for (const SaleNow& sale : {Fresh(now), Overdue(now)}) {
        auto d = DecideEnd("r1", sale, outcome, kNow);
        if (now == outcome) {
          EXPECT_EQ(d.step, SaleStep::kAsItStands);
        } else if (now == kHeld || now == kConfirmed) {
          EXPECT_EQ(d.step, SaleStep::kRelease);
        } else {
          EXPECT_EQ(d.step, SaleStep::kRefuse) << schemas::ReservationStatusName(now);
          EXPECT_EQ(d.refusal.code, Errc::kConflict);
        }
      }
    }
  }
}

TEST(EngineSaleTest, OnlyALapsedHoldExpires) {
  EXPECT_EQ(DecideEnd("r1", Overdue(kHeld), kExpired, kNow).step, SaleStep::kRelease);
  EXPECT_EQ(DecideEnd("r1", {kExpired, std::nullopt}, kExpired, kNow).step, SaleStep::kAsItStands);
  auto early = DecideEnd("r1", Fresh(kHeld), kExpired, kNow);
  EXPECT_EQ(early.step, SaleStep::kRefuse);
  EXPECT_EQ(early.refusal.code, Errc::kConflict);
  for (auto now : {kConfirmed, kFailed, kCancelled, kFulfilled, kNoShow}) {
    EXPECT_EQ(DecideEnd("r1", Overdue(now), kExpired, kNow).step, SaleStep::kRefuse)
        << schemas::ReservationStatusName(now);
  }
}

// A desk that records what it is asked to do, and refuses what it should.
struct FakeDesk {
  struct Sale {
    std::string id, owner;
    SaleNow now;
  };
  std::vector<Sale> sales;
  std::vector<std::string> calls;
  bool store_fails = false;

  Result<Sale> Take(const std::string& who, const std::string& id) {
    calls.push_back("take " + id);
    for (const auto& s : sales) {
      if (s.id == id && s.owner == who) return s;
    }
    return Fail(Errc::kNotFound, "no reservation " + id);
  }
  static SaleNow Now(const Sale& s) { return s.now; }
  Result<Sale> Book(const Sale& s) {
    calls.push_back("book " + s.id);
    if (store_fails) return Fail(Errc::kInternal, "disk full");
    return Sale{s.id, s.owner, {kConfirmed, std::nullopt}};
  }
  Result<Sale> End(const Sale& s, ReservationStatus outcome) {
    calls.push_back("end " + s.id + " " + std::string(schemas::ReservationStatusName(outcome)));
    return Sale{s.id, s.owner, {outcome, std::nullopt}};
  }
};
static_assert(SaleKeeper<FakeDesk>);

TEST(EngineSaleTest, RunConfirmTakesDecidesAtTheClocksTimeAndBooksOnlyAFreshHold) {
  core::ManualClock clock(kNow);
  FakeDesk desk{.sales = {{"r1", "ev-1", Fresh(kHeld)},
                          {"r2", "ev-1", Overdue(kHeld)},
                          {"r3", "ev-1", {kConfirmed, std::nullopt}}}};
  auto booked = RunConfirm(desk, "ev-1", "r1", clock);
  ASSERT_TRUE(booked) << booked.error().message;
  EXPECT_EQ(booked->now.status, kConfirmed);
  auto lapsed = RunConfirm(desk, "ev-1", "r2", clock);
  ASSERT_FALSE(lapsed);
  EXPECT_EQ(lapsed.error().code, Errc::kExpired);
  auto repeated = RunConfirm(desk, "ev-1", "r3", clock);
  ASSERT_TRUE(repeated);
  EXPECT_EQ(repeated->now.status, kConfirmed);
  auto another = RunConfirm(desk, "ev-2", "r1", clock);
  ASSERT_FALSE(another);
  EXPECT_EQ(another.error().code, Errc::kNotFound);
  EXPECT_EQ(desk.calls,
            (std::vector<std::string>{"take r1", "book r1", "take r2", "take r3", "take r1"}));
  desk.store_fails = true;
  auto failed = RunConfirm(desk, "ev-1", "r1", clock);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kInternal);
}

TEST(EngineSaleTest, RunEndReleasesAsTheRulesSayAndAnswersAnEndedOneAsItStands) {
  core::ManualClock clock(kNow);
  FakeDesk desk{.sales = {{"r1", "ev-1", Fresh(kHeld)},
                          {"r2", "ev-1", {kCancelled, std::nullopt}},
                          {"r3", "ev-1", {kFailed, std::nullopt}}}};
  auto cancelled = RunEnd(desk, "ev-1", "r1", kCancelled, clock);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->now.status, kCancelled);
  EXPECT_TRUE(RunEnd(desk, "ev-1", "r2", kCancelled, clock));
  auto failed = RunEnd(desk, "ev-1", "r3", kCancelled, clock);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kConflict);
  // The sweep: a fresh hold does not expire; once the clock passes it, it does.
  EXPECT_FALSE(RunEnd(desk, "ev-1", "r1", kExpired, clock));
  clock.Advance(61);
  EXPECT_TRUE(RunEnd(desk, "ev-1", "r1", kExpired, clock));
  EXPECT_EQ(desk.calls,
            (std::vector<std::string>{"take r1", "end r1 cancelled", "take r2", "take r3",
                                      "take r1", "take r1", "end r1 expired"}));
}

}  // namespace
}  // namespace tripmesh::engine
