// A point its operator takes out of service, against a real store: what was
// booked there moves to another point of the station or is dropped, in one
// durable step; the outage survives a reload; a failed write changes nothing.
#include <gtest/gtest.h>

#include "reservation_book.h"
#include "testing.h"
#include "tripmesh/core/clock.h"

namespace tripmesh::company {
namespace {

constexpr Time kNow = 1'800'000'000;
constexpr Time kStart = kNow + 3600, kEnd = kStart + 1800;
// Points 1 and 2: DC 150 kW CCS2; 3: DC 50 kW CHAdeMO (and more).
const std::string kStation = "vp-salvador-pituba";

// On each backend: the same behaviour from SQLite and PostgreSQL.
class PointOutagesTest : public ::testing::TestWithParam<tripmesh::testing::Backend> {
 protected:
  void SetUp() override {
    path_ = tripmesh::testing::NewStore(GetParam(), "outages");
    Reload();
  }
  void Reload() {
    book_.reset();
    store_.reset();
    auto store = runtime::Store::Open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    book_ = std::make_unique<ReservationBook>("voltpoint", view_, *store_, clock_);
    ASSERT_TRUE(book_->Load());
  }
  Result<std::vector<ReservationBook::Slot>> Place(const std::string& owner,
                                                   const std::string& point, bool exact = true) {
    return book_->PlaceSlots(owner, {{kStation, point, kStart, kEnd}}, std::nullopt, exact, {});
  }
  Result<std::vector<ReservationBook::Displaced>> Break(
      const std::string& point, Time until = kNever,
      const ReservationBook::DisplacedWrite& also = {}) {
    return book_->SetPointStatus({.station = kStation,
                                  .point = point,
                                  .status = schemas::PointStatus::kOutOfOrder,
                                  .since = clock_.Now(),
                                  .until = until},
                                 also);
  }
  std::string StoredPoint(const std::string& owner) {
    std::string point;
    EXPECT_TRUE(store_->Read([&](runtime::Tx& tx) {
      return tx.Query("SELECT point FROM bookings WHERE reservation_id=?", {owner},
                      [&](const runtime::Row& row) { point = row.Str(0); });
    }));
    return point;
  }

  core::ManualClock clock_{kNow};
  std::string path_;
  std::unique_ptr<runtime::Store> store_;
  WorldView view_{WorldView::Unowned(tripmesh::testing::DefaultWorld())};
  std::unique_ptr<ReservationBook> book_;
};

INSTANTIATE_TEST_SUITE_P(Backends, PointOutagesTest, tripmesh::testing::EveryBackend(),
                         tripmesh::testing::NameOfBackend());

TEST_P(PointOutagesTest, ABookingMovesToTheTwinPointAndThenIsLost) {
  ASSERT_TRUE(Place("s-a", "1"));
  auto first = Break("1");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->front().to_point, "2");
  EXPECT_EQ(StoredPoint("s-a"), "2");
  // The CHAdeMO point is no substitute for a CCS2 one.
  auto second = Break("2");
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(second->front().to_point, "");
  EXPECT_EQ(StoredPoint("s-a"), "");
  // Nothing new lands on the broken points, now or later.
  EXPECT_FALSE(Place("s-b", "1"));
  EXPECT_FALSE(Place("s-b", "2"));
  EXPECT_GE(book_->EarliestStart(kStation, "1", kStart, 600), kNever);
  auto a = book_->Availability(*tripmesh::testing::DefaultWorld().FindStation(kStation));
  EXPECT_EQ(a.points[0].status, "OUTOFORDER");
  EXPECT_FALSE(a.points[0].next_free_at);
}

// What the live map's timeline draws: each point's bookings, holds and
// outage, clipped to the window.
TEST_P(PointOutagesTest, AStationsScheduleShowsBookingsHoldsAndOutagesInItsWindow) {
  ASSERT_TRUE(Place("s-a", "1"));
  ASSERT_TRUE(book_->PlaceSlots("s-h", {{kStation, "2", kStart, kEnd}}, kNow + 600, true, {}));
  ASSERT_TRUE(Break("3"));
  auto s = book_->Schedule(*tripmesh::testing::DefaultWorld().FindStation(kStation), 4 * 3600);
  EXPECT_EQ(s.from, kNow);
  EXPECT_EQ(s.to, kNow + 4 * 3600);
  ASSERT_GE(s.points.size(), 3u);
  auto only = [&](std::size_t i) {
    EXPECT_EQ(s.points[i].taken.size(), 1u) << s.points[i].point;
    return s.points[i].taken.empty() ? schemas::TakenSlot{} : s.points[i].taken.front();
  };
  auto booking = only(0), hold = only(1), outage = only(2);
  EXPECT_EQ(booking.kind, schemas::SlotKind::kBooking);
  EXPECT_EQ(booking.start_at, kStart);
  EXPECT_EQ(booking.end_at, kEnd);
  EXPECT_EQ(hold.kind, schemas::SlotKind::kHold);
  EXPECT_EQ(outage.kind, schemas::SlotKind::kOutage);
  EXPECT_EQ(outage.start_at, kNow);
  EXPECT_EQ(outage.end_at, s.to) << "until further notice, clipped to the window";
  // A hold that lapsed is not shown; nothing after the window is.
  clock_.Set(kNow + 601);
  auto later = book_->Schedule(*tripmesh::testing::DefaultWorld().FindStation(kStation), 600);
  EXPECT_TRUE(later.points[1].taken.empty());
  EXPECT_TRUE(later.points[0].taken.empty()) << "the booking starts after this window";
}

// What the planner reads, through the ledgers found by a snapshot's points:
// the same earliest starts as by ids, booked, held and out of service alike.
TEST_P(PointOutagesTest, ThePlannersLedgersByPointAgreeWithTheLedgersByIds) {
  ASSERT_TRUE(Place("s-a", "1"));
  ASSERT_TRUE(book_->PlaceSlots("s-h", {{kStation, "2", kStart, kEnd}}, kNow + 600, true, {}));
  ASSERT_TRUE(Break("3", kStart + 600));
  auto world = view_.Now();
  auto ledgers = book_->LedgersOf(world);
  EXPECT_EQ(book_->LedgersOf(world), ledgers) << "found once for a snapshot";
  std::size_t points = 0;
  for (const auto& s : world->FindCompany("voltpoint")->stations) points += s.points.size();
  EXPECT_EQ(ledgers->size(), points) << "every point of the company by its address, none by ids";
  const auto& station = *world->FindStation(kStation);
  ASSERT_GE(station.points.size(), 3u);
  for (const auto& p : station.points) {
    for (Time from : {kNow, kStart, kStart + 300, kEnd}) {
      EXPECT_EQ(ledgers->EarliestStart(station, p, from, 600),
                book_->EarliestStart(kStation, p.id, from, 600))
          << p.id << " from " << from;
    }
  }
  EXPECT_GT(ledgers->EarliestStart(station, station.points[0], kStart, 600), kStart)
      << "booked there";
}

TEST_P(PointOutagesTest, TheOutageSurvivesAReloadAndEndsWhenThePointIsBack) {
  ASSERT_TRUE(Break("1", kStart + 600));
  Reload();
  EXPECT_FALSE(Place("s-a", "1")) << "still out of service after the reload";
  EXPECT_EQ(book_->EarliestStart(kStation, "1", kStart, 600), kStart + 600);
  ASSERT_TRUE(book_->OutageOf(kStation, "1"));
  ASSERT_TRUE(book_->SetPointStatus(
      {.station = kStation, .point = "1", .status = schemas::PointStatus::kAvailable}, {}));
  Reload();
  EXPECT_FALSE(book_->OutageOf(kStation, "1"));
  EXPECT_TRUE(Place("s-a", "1"));
}

TEST_P(PointOutagesTest, AnOutageWhoseWriteFailsChangesNothing) {
  ASSERT_TRUE(Place("s-a", "1"));
  auto failed = Break("1", kNever, [](runtime::Tx&, std::vector<ReservationBook::Displaced>&) {
    return Fail(Errc::kInternal, "the disk is full");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(StoredPoint("s-a"), "1");
  EXPECT_FALSE(book_->OutageOf(kStation, "1"));
  auto snapshot = book_->Snapshot();
  ASSERT_EQ(snapshot[kStation + "/1"].size(), 1u);
  EXPECT_EQ(snapshot[kStation + "/1"].front().owner, "s-a");
  EXPECT_TRUE(snapshot[kStation + "/2"].empty());
}

TEST_P(PointOutagesTest, AnUnknownPointIsNotFound) {
  auto r = book_->SetPointStatus({.station = kStation, .point = "9"}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_EQ(r.error().field, "point");
  r = book_->SetPointStatus({.station = "ef-sobral", .point = "1"}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "station");
}

}  // namespace
}  // namespace tripmesh::company
