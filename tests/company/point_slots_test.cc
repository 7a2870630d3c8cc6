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
    book_ = std::make_unique<ReservationBook>("voltpoint", tripmesh::testing::DefaultWorld(),
                                              *store_, clock_);
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
  schemas::VehicleSpec spec{60, 0.17, 0.2, 0.1, std::nullopt, {"IEC_62196_T2_COMBO"}};
  ASSERT_TRUE(store_->Write([](runtime::Tx& tx) {
    return tx.Exec(
        "CREATE TRIGGER full_disk BEFORE INSERT ON bookings"
        " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
  }));
  auto failed = book_->Reserve("car-a", "req-a", plan, spec, 0);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kInternal) << failed.error().message;
  EXPECT_FALSE(AtPoint1());
  EXPECT_TRUE(book_->Snapshot()[kStation + "/2"].empty());
  EXPECT_FALSE(book_->Get("car-a", "x"));

  ASSERT_TRUE(store_->Write([](runtime::Tx& tx) { return tx.Exec("DROP TRIGGER full_disk"); }));
  auto again = book_->Reserve("car-b", "req-b", plan, spec, 0);
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
  Error taken = ForRequester(
      {Errc::kConflict, "sqlite: UNIQUE constraint failed: bookings.station, bookings.point"});
  EXPECT_EQ(taken.code, Errc::kConflict);
  EXPECT_EQ(taken.message.find("sqlite"), std::string::npos) << taken.message;
  EXPECT_NE(taken.message.find("plan again"), std::string::npos) << taken.message;
  Error full = ForRequester({Errc::kInternal, "sqlite: database or disk is full"});
  EXPECT_EQ(full.code, Errc::kInternal);
  EXPECT_EQ(full.message.find("sqlite"), std::string::npos) << full.message;
  Error plain = ForRequester({Errc::kNotFound, "no plan p-1 for car-7; plan again", "plan_id"});
  EXPECT_EQ(plain.message, "no plan p-1 for car-7; plan again");
  EXPECT_EQ(plain.field, "plan_id");
}

}  // namespace
}  // namespace tripmesh::company
