// The owner-level slots of the saga participant, and a local reservation,
// against a real store: the ledgers take a slot before its write is durable
// (so the station's lock can go as soon as the write is queued), and a write
// that fails puts them back.
#include <gtest/gtest.h>

#include "reservation_book.h"
#include "testing.h"
#include "tripmesh/core/clock.h"

namespace tripmesh::company {
namespace {

constexpr Time kNow = 1'800'000'000;
constexpr Time kStart = kNow + 3600, kEnd = kStart + 1800;
const std::string kStation = "vp-salvador-pituba";

class PointSlotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = runtime::Store::Open(tripmesh::testing::NewTempDir("slots") + "/vp.db");
    ASSERT_TRUE(store);
    store_ = std::move(*store);
    book_ = std::make_unique<ReservationBook>("voltpoint", view_, *store_, clock_);
    ASSERT_TRUE(book_->Load());
  }
  // The interval at point 1 of the station, if any.
  std::optional<core::Interval> AtPoint1() {
    auto snapshot = book_->Snapshot();
    for (const auto& iv : snapshot[kStation + "/1"]) {
      if (iv.start == kStart) return iv;
    }
    return std::nullopt;
  }
  std::optional<std::optional<Time>> StoredExpiry(const std::string& owner) {
    std::optional<std::optional<Time>> out;
    EXPECT_TRUE(store_->Read([&](runtime::Tx& tx) {
      return tx.Query("SELECT expires_at FROM bookings WHERE reservation_id=?", {owner},
                      [&](const runtime::Row& row) {
                        out = row.IsNull(0) ? std::nullopt : std::optional<Time>(row.Int(0));
                      });
    }));
    return out;
  }
  static Status Failing(runtime::Tx&) { return Fail(Errc::kInternal, "the disk is full"); }

  core::ManualClock clock_{kNow};
  std::unique_ptr<runtime::Store> store_;
  WorldView view_{WorldView::Unowned(tripmesh::testing::DefaultWorld())};
  std::unique_ptr<ReservationBook> book_;
  const std::vector<ReservationBook::Slot> slot_ = {{kStation, "1", kStart, kEnd}};
};

TEST_F(PointSlotsTest, AHoldWhoseWriteFailsLeavesThePointFree) {
  auto placed = book_->PlaceSlots("s-a", slot_, kNow + 120, true,
                                  [](runtime::Tx& tx, const auto&) { return Failing(tx); });
  ASSERT_FALSE(placed);
  EXPECT_EQ(placed.error().code, Errc::kInternal);
  EXPECT_FALSE(AtPoint1());
  EXPECT_FALSE(StoredExpiry("s-a"));
  // Another owner gets the very point.
  ASSERT_TRUE(book_->PlaceSlots("s-b", slot_, kNow + 120, true, {}));
  ASSERT_TRUE(AtPoint1());
  EXPECT_EQ(AtPoint1()->owner, "s-b");
}

TEST_F(PointSlotsTest, ABookingWhoseWriteFailsIsAHoldAgain) {
  ASSERT_TRUE(book_->PlaceSlots("s-a", slot_, kNow + 120, true, {}));
  ASSERT_FALSE(book_->BookSlots("s-a", slot_, &PointSlotsTest::Failing));
  ASSERT_TRUE(AtPoint1());
  EXPECT_EQ(AtPoint1()->owner, "s-a");
  EXPECT_EQ(AtPoint1()->expires_at, std::optional<Time>(kNow + 120));
  EXPECT_EQ(StoredExpiry("s-a"), std::optional<std::optional<Time>>(kNow + 120));

  ASSERT_TRUE(book_->BookSlots("s-a", slot_, {}));
  EXPECT_EQ(AtPoint1()->expires_at, std::nullopt);
  EXPECT_EQ(StoredExpiry("s-a"), std::make_optional(std::optional<Time>()));
}

// The store refuses the write itself (a trigger stands in for a full disk),
// after the ledgers took both points: both must be free again.
TEST_F(PointSlotsTest, ALocalReservationWhoseWriteFailsLeavesEveryPointFree) {
  schemas::Plan plan;
  for (const char* point : {"1", "2"}) {
    plan.stops.push_back(
        {"voltpoint", kStation, "salvador-ba", point, kStart, kStart, kEnd, 0.2, 0.8, 30, 65.7, 0});
  }
  ASSERT_TRUE(store_->Write([](runtime::Tx& tx) {
    return tx.Exec(
        "CREATE TRIGGER full_disk BEFORE INSERT ON bookings"
        " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
  }));
  auto failed = book_->Reserve("car-a", "req-a", plan, 0);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kInternal) << failed.error().message;
  EXPECT_FALSE(AtPoint1());
  EXPECT_TRUE(book_->Snapshot()[kStation + "/2"].empty());
  EXPECT_FALSE(book_->Get("car-a", "x"));

  ASSERT_TRUE(store_->Write([](runtime::Tx& tx) { return tx.Exec("DROP TRIGGER full_disk"); }));
  auto again = book_->Reserve("car-b", "req-b", plan, 0);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, schemas::ReservationStatus::kConfirmed)
      << (again->error ? again->error->message : "");
  ASSERT_TRUE(AtPoint1());
  EXPECT_EQ(AtPoint1()->owner, again->reservation_id);
  EXPECT_EQ(book_->List("car-a")->size(), 0u);
}

TEST_F(PointSlotsTest, AStoreThatCannotBeReadIsAnInternalErrorNotAnAbsence) {
  ASSERT_TRUE(store_->Write(
      [](runtime::Tx& tx) { return tx.Exec("ALTER TABLE reservations RENAME TO unreadable"); }));
  auto got = book_->Get("car-a", "r-voltpoint-1");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::kInternal) << got.error().message;
  auto list = book_->List("car-a");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, Errc::kInternal);
  auto found = book_->FindByRequest("car-a", "req-1");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, Errc::kInternal);
}

TEST(ForRequesterTest, AStoresOwnWordsNeverReachARequester) {
  Error taken = ForRequester({.code = Errc::kConflict,
                              .message = "sqlite: UNIQUE constraint failed: bookings.station",
                              .internal_words = true});
  EXPECT_EQ(taken.code, Errc::kConflict);
  EXPECT_EQ(taken.message.find("sqlite"), std::string::npos) << taken.message;
  EXPECT_NE(taken.message.find("plan again"), std::string::npos) << taken.message;
  Error full = ForRequester({.code = Errc::kInternal,
                             .message = "sqlite: database or disk is full",
                             .internal_words = true});
  EXPECT_EQ(full.code, Errc::kInternal);
  EXPECT_EQ(full.message.find("sqlite"), std::string::npos) << full.message;
  Error plain = ForRequester({Errc::kNotFound, "no plan p-1 for car-7; plan again", "plan_id"});
  EXPECT_EQ(plain.message, "no plan p-1 for car-7; plan again");
  EXPECT_EQ(plain.field, "plan_id");
}

// A local reservation and a saga's part choose a substitute by one rule: the
// planned point, then the others with its connector and no less power. At
// vp-salvador-pituba, 1 and 2 are 150 kW CCS, 3 is 50 kW CHAdeMO, 4 and 5 are
// 22 kW Type 2, 6 is 7 kW Type 2.
TEST_F(PointSlotsTest, LocalReservationsAndSagaPartsSubstituteByOneRule) {
  auto stop = [](const char* point) {
    return schemas::Stop{.company = "voltpoint",
                         .station = kStation,
                         .city = "salvador-ba",
                         .point = point,
                         .arrive_at = kStart,
                         .start_at = kStart,
                         .end_at = kEnd,
                         .soc_in = 0.2,
                         .soc_out = 0.8,
                         .kwh = 30,
                         .cost = 10};
  };
  // Point 1 taken: both go to 2, the other 150 kW CCS point.
  ASSERT_TRUE(book_->PlaceSlots("s-a", slot_, kNow + 120, true, {}));
  auto saga = book_->PlaceSlots("s-b", slot_, kNow + 120, false, {});
  ASSERT_TRUE(saga) << saga.error().message;
  EXPECT_EQ(saga->front().point, "2");
  ASSERT_TRUE(book_->ReleaseSlots("s-b", *saga, {}));
  auto local = book_->Reserve("car-a", "req-a", schemas::Plan{.stops = {stop("1")}}, 0);
  ASSERT_TRUE(local) << local.error().message;
  EXPECT_EQ(local->items.front().point, "2");
  // Both CCS points taken: neither falls back to CHAdeMO or Type 2.
  auto none = book_->Reserve("car-b", "req-b", schemas::Plan{.stops = {stop("1")}}, 0);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, schemas::ReservationStatus::kFailed);
  EXPECT_FALSE(book_->PlaceSlots("s-c", slot_, kNow + 120, false, {}));
  // A slow point taken: the next is one with its connector and no less power
  // (5 at 22 kW), never the 7 kW point 6.
  const std::vector<ReservationBook::Slot> slow = {{kStation, "4", kStart, kEnd}};
  ASSERT_TRUE(book_->PlaceSlots("s-d", slow, kNow + 120, true, {}));
  auto moved = book_->Reserve("car-c", "req-c", schemas::Plan{.stops = {stop("4")}}, 0);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->items.front().point, "5");
  EXPECT_FALSE(book_->PlaceSlots("s-e", slow, kNow + 120, false, {}));
}

// A store made before reservations had due_at gets the column when it loads,
// and what it held is read as before.
TEST(RecordsTest, AnOlderStoreIsMovedForwardWhenItLoads) {
  auto store = runtime::Store::Open(tripmesh::testing::NewTempDir("old") + "/vp.db");
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->Write([](runtime::Tx& tx) -> Status {
    auto st = tx.Exec(
        "CREATE TABLE reservations(id TEXT PRIMARY KEY, vehicle TEXT NOT NULL, request_id TEXT,"
        " status TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER,"
        " body TEXT NOT NULL)");
    if (!st) return st;
    return tx.Exec(
        "INSERT INTO reservations VALUES('r-voltpoint-1', 'car', NULL, 'cancelled', ?,"
        " NULL, ?)",
        {kNow, std::string(R"({"type":"reservation","reservation_id":"r-voltpoint-1",)"
                           R"("vehicle":"car","status":"cancelled","items":[]})")});
  }));
  core::ManualClock clock{kNow};
  WorldView view(WorldView::Unowned(tripmesh::testing::DefaultWorld()));
  ReservationBook book("voltpoint", view, **store, clock);
  ASSERT_TRUE(book.Load());
  auto got = book.Get("car", "r-voltpoint-1");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, schemas::ReservationStatus::kCancelled);
  bool has_due_at = false;
  ASSERT_TRUE((*store)->Read([&](runtime::Tx& tx) {
    return tx.Query("PRAGMA table_info(reservations)", {}, [&](const runtime::Row& row) {
      has_due_at = has_due_at || row.Str(1) == "due_at";
    });
  }));
  EXPECT_TRUE(has_due_at);
}

}  // namespace
}  // namespace tripmesh::company
