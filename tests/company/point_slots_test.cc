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

// On each backend: the same behaviour from SQLite and PostgreSQL.
class PointSlotsTest : public ::testing::TestWithParam<tripmesh::testing::Backend> {
 protected:
  void SetUp() override {
    auto store = runtime::Store::Open(tripmesh::testing::NewStore(GetParam(), "slots"));
    ASSERT_TRUE(store) << store.error().message;
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

INSTANTIATE_TEST_SUITE_P(Backends, PointSlotsTest, tripmesh::testing::EveryBackend(),
                         tripmesh::testing::NameOfBackend());

TEST_P(PointSlotsTest, AHoldWhoseWriteFailsLeavesThePointFree) {
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

TEST_P(PointSlotsTest, ABookingWhoseWriteFailsIsAHoldAgain) {
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
TEST_P(PointSlotsTest, ALocalReservationWhoseWriteFailsLeavesEveryPointFree) {
  schemas::Plan plan;
  for (const char* point : {"1", "2"}) {
    plan.stops.push_back(
        {"voltpoint", kStation, "salvador-ba", point, kStart, kStart, kEnd, 0.2, 0.8, 30, 65.7, 0});
  }
  ASSERT_TRUE(store_->Write([](runtime::Tx& tx) -> Status {
    if (tx.kind() == runtime::StoreKind::kSqlite) {
      return tx.Exec(
          "CREATE TRIGGER full_disk BEFORE INSERT ON bookings"
          " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    }
    auto st = tx.Exec(
        "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$");
    if (!st) return st;
    return tx.Exec(
        "CREATE TRIGGER full_disk BEFORE INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION"
        " full_disk()");
  }));
  auto failed = book_->Reserve("car-a", "req-a", plan, 0);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kInternal) << failed.error().message;
  EXPECT_FALSE(AtPoint1());
  EXPECT_TRUE(book_->Snapshot()[kStation + "/2"].empty());
  EXPECT_FALSE(book_->Get("car-a", "x"));

  ASSERT_TRUE(store_->Write([](runtime::Tx& tx) {
    // PostgreSQL names a trigger by its table.
    return tx.Exec(tx.kind() == runtime::StoreKind::kSqlite ? "DROP TRIGGER full_disk"
                                                            : "DROP TRIGGER full_disk ON bookings");
  }));
  auto again = book_->Reserve("car-b", "req-b", plan, 0);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, schemas::ReservationStatus::kConfirmed)
      << (again->error ? again->error->message : "");
  ASSERT_TRUE(AtPoint1());
  EXPECT_EQ(AtPoint1()->owner, again->reservation_id);
  EXPECT_EQ(book_->List("car-a")->size(), 0u);
}

TEST_P(PointSlotsTest, AStoreThatCannotBeReadIsAnInternalErrorNotAnAbsence) {
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
TEST_P(PointSlotsTest, LocalReservationsAndSagaPartsSubstituteByOneRule) {
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

namespace tripmesh::company {
namespace {

// Two agents writing one PostgreSQL database, each with its own ledgers that
// know nothing of the other's: the database itself refuses the second
// booking that overlaps the first at the same point, and that agent's
// ledgers are left as they were. Back to back is no overlap.
TEST(RecordsTest, TwoWritersOnOnePostgresDatabaseCannotOverlapABooking) {
  std::string uri = tripmesh::testing::NewStore(tripmesh::testing::Backend::kPostgres, "two");
  auto a = runtime::Store::Open(uri);
  auto b = runtime::Store::Open(uri);
  ASSERT_TRUE(a && b);
  core::ManualClock clock{kNow};
  WorldView view(WorldView::Unowned(tripmesh::testing::DefaultWorld()));
  ReservationBook book_a("voltpoint", view, **a, clock), book_b("voltpoint", view, **b, clock);
  ASSERT_TRUE(book_a.Load());
  ASSERT_TRUE(book_b.Load());
  std::int64_t version = 0;
  ASSERT_TRUE((*a)->Read([&](runtime::Tx& tx) {
    return tx.Query("SELECT max(version) FROM schema_version", {},
                    [&](const runtime::Row& row) { version = row.Int(0); });
  }));
  EXPECT_EQ(version, records::SchemaVersion());

  ASSERT_TRUE(book_a.PlaceSlots("s-a", {{kStation, "1", kStart, kEnd}}, std::nullopt, true, {}));
  auto overlap =
      book_b.PlaceSlots("s-b", {{kStation, "1", kStart + 600, kEnd + 600}}, std::nullopt, true, {});
  ASSERT_FALSE(overlap);
  EXPECT_EQ(overlap.error().code, Errc::kConflict);
  EXPECT_TRUE(book_b.Snapshot()[kStation + "/1"].empty());
  EXPECT_TRUE(
      book_b.PlaceSlots("s-c", {{kStation, "1", kEnd, kEnd + 600}}, std::nullopt, true, {}));
  EXPECT_TRUE(book_b.PlaceSlots("s-d", {{kStation, "2", kStart, kEnd}}, std::nullopt, true, {}));
  std::int64_t bookings = 0;
  ASSERT_TRUE((*a)->Read([&](runtime::Tx& tx) {
    return tx.Query("SELECT count(*) FROM bookings", {},
                    [&](const runtime::Row& row) { bookings = row.Int(0); });
  }));
  EXPECT_EQ(bookings, 3);
}

}  // namespace
}  // namespace tripmesh::company
