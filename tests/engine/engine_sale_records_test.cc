// A profile's reservations table as the engine reads it, on a real SQLite
// store: by id, by whose it is, by request, by status, and decoded.
#include <gtest/gtest.h>

#include "testing.h"
#include "tripmesh/engine/sale_records.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::engine {
namespace {

using schemas::Reservation;
using schemas::ReservationStatus;

class EngineSaleRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = tripmesh::testing::NewTempDir("EngineSaleRecordsTest");
    auto store = runtime::Store::Open(dir + "/s.db");
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Write([](runtime::Tx& tx) {
      return tx.Exec(
          "CREATE TABLE trips(id TEXT PRIMARY KEY, rider TEXT NOT NULL, request_id TEXT,"
          " status TEXT NOT NULL, created_at BIGINT NOT NULL, body TEXT NOT NULL)");
    }));
    // Written out of time order: the reads give the oldest first.
    Add("r3", "ana", "q3", ReservationStatus::kHeld, 300);
    Add("r1", "ana", "q1", ReservationStatus::kConfirmed, 100);
    Add("r2", "bia", "q1", ReservationStatus::kCancelled, 200);
    Add("r4", "ana", "q4", ReservationStatus::kExpired, 400);
  }

  void Add(const std::string& id, const std::string& rider, const std::string& request,
           ReservationStatus status, Time at) {
    Reservation r{.request_id = request, .reservation_id = id, .vehicle = rider, .status = status};
    r.created_at = at;
    ASSERT_TRUE(store_->Write([&](runtime::Tx& tx) {
      return tx.Exec("INSERT INTO trips VALUES(?,?,?,?,?,?)",
                     {id, rider, request, std::string(schemas::ReservationStatusName(status)), at,
                      schemas::Encode(r)});
    }));
  }

  // The ids of what `select` reads, in its order.
  std::vector<std::string> Read(const std::function<Status(runtime::Tx&, const BodyFn&)>& select) {
    auto all = ReadAll<Reservation>(*store_, select);
    EXPECT_TRUE(all) << all.error().message;
    std::vector<std::string> ids;
    if (all) {
      for (const auto& r : *all) ids.push_back(r.reservation_id);
    }
    return ids;
  }

  SaleRecords trips_{"trips", "rider"};
  std::unique_ptr<runtime::Store> store_;
};

using Ids = std::vector<std::string>;

TEST_F(EngineSaleRecordsTest, ReadsByIdOnlyTheRequestersOwnWhenAsked) {
  EXPECT_EQ(Read([&](auto& tx, const auto& each) { return trips_.ById(tx, "r2", each); }),
            Ids{"r2"});
  EXPECT_EQ(Read([&](auto& tx, const auto& each) { return trips_.ByIdOf(tx, "r2", "bia", each); }),
            Ids{"r2"});
  EXPECT_EQ(Read([&](auto& tx, const auto& each) { return trips_.ByIdOf(tx, "r2", "ana", each); }),
            Ids{});
  EXPECT_EQ(Read([&](auto& tx, const auto& each) { return trips_.ById(tx, "nope", each); }), Ids{});
}

TEST_F(EngineSaleRecordsTest, ARequestIsTheRequestersOwn) {
  EXPECT_EQ(
      Read([&](auto& tx, const auto& each) { return trips_.ByRequest(tx, "ana", "q1", each); }),
      Ids{"r1"});
  EXPECT_EQ(
      Read([&](auto& tx, const auto& each) { return trips_.ByRequest(tx, "bia", "q1", each); }),
      Ids{"r2"});
  EXPECT_EQ(
      Read([&](auto& tx, const auto& each) { return trips_.ByRequest(tx, "bia", "q3", each); }),
      Ids{});
}

TEST_F(EngineSaleRecordsTest, ListsOldestFirstByRequesterAndByStatus) {
  EXPECT_EQ(Read([&](auto& tx, const auto& each) { return trips_.Of(tx, "ana", each); }),
            (Ids{"r1", "r3", "r4"}));
  EXPECT_EQ(Read([&](auto& tx, const auto& each) {
              return trips_.WithStatus(
                  tx, {ReservationStatus::kHeld, ReservationStatus::kConfirmed}, each);
            }),
            (Ids{"r1", "r3"}));
  EXPECT_EQ(Read([&](auto& tx, const auto& each) {
              return trips_.WithStatus(tx, {ReservationStatus::kFailed}, each);
            }),
            Ids{});
  EXPECT_EQ(Read([&](auto& tx, const auto& each) { return trips_.All(tx, each); }).size(), 4u);
}

TEST_F(EngineSaleRecordsTest, TheStatusOfARowIsTyped) {
  Result<std::optional<ReservationStatus>> status = std::nullopt;
  ASSERT_TRUE(store_->Read([&](runtime::Tx& tx) -> Status {
    status = trips_.StatusOf(tx, "r4");
    return {};
  }));
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, ReservationStatus::kExpired);
  ASSERT_TRUE(store_->Read([&](runtime::Tx& tx) -> Status {
    status = trips_.StatusOf(tx, "nope");
    return {};
  }));
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->has_value());
}

TEST_F(EngineSaleRecordsTest, ReadOneDecodesOrSaysTheStoreIsUnreadable) {
  auto one = ReadOne<Reservation>(
      *store_, [&](auto& tx, const auto& each) { return trips_.ById(tx, "r3", each); });
  ASSERT_TRUE(one) << one.error().message;
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->vehicle, "ana");
  EXPECT_EQ((*one)->status, ReservationStatus::kHeld);
  ASSERT_TRUE(store_->Write(
      [](runtime::Tx& tx) { return tx.Exec("UPDATE trips SET body='{not json' WHERE id='r3'"); }));
  one = ReadOne<Reservation>(
      *store_, [&](auto& tx, const auto& each) { return trips_.ById(tx, "r3", each); });
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().code, Errc::kInternal);
  ASSERT_TRUE(store_->Write(
      [](runtime::Tx& tx) { return tx.Exec("UPDATE trips SET status='lost' WHERE id='r4'"); }));
  ASSERT_TRUE(store_->Read([&](runtime::Tx& tx) -> Status {
    auto status = trips_.StatusOf(tx, "r4");
    EXPECT_FALSE(status);
    return {};
  }));
}

TEST_F(EngineSaleRecordsTest, SaveWritesARowThenItsNewStateKeepingWhatTheFirstSaveFixed) {
  ASSERT_TRUE(store_->Write([](runtime::Tx& tx) {
    return tx.Exec(
        "CREATE TABLE sales(id TEXT PRIMARY KEY, buyer TEXT NOT NULL, request_id TEXT,"
        " status TEXT NOT NULL, created_at BIGINT NOT NULL, body TEXT NOT NULL,"
        " due BIGINT, seller TEXT NOT NULL)");
  }));
  SaleRecords sales("sales", "buyer", {{"due"}, {"seller", false}});
  Reservation r{.request_id = "", .reservation_id = "s1", .vehicle = "caio"};
  SaleRow row{.id = "s1",
              .requester = "caio",
              .request_id = "q9",
              .status = ReservationStatus::kHeld,
              .created_at = 50,
              .body = schemas::Encode(r),
              .more = {std::int64_t{70}, std::string("first")}};
  ASSERT_TRUE(store_->Write([&](runtime::Tx& tx) { return sales.Save(tx, row); }));
  r.status = ReservationStatus::kConfirmed;
  row.status = ReservationStatus::kConfirmed;
  row.body = schemas::Encode(r);
  row.request_id = "";
  row.more = {nullptr, std::string("second")};
  ASSERT_TRUE(store_->Write([&](runtime::Tx& tx) { return sales.Save(tx, row); }));
  std::string seen;
  ASSERT_TRUE(store_->Read([&](runtime::Tx& tx) {
    return tx.Query("SELECT request_id, status, due IS NULL, seller FROM sales", {},
                    [&](const runtime::Row& got) {
                      seen = got.Str(0) + " " + got.Str(1) + " " + std::to_string(got.Int(2)) +
                             " " + got.Str(3);
                    });
  }));
  // The request and the seller stay as first written; the rest is the new state.
  EXPECT_EQ(seen, "q9 confirmed 1 first");
  auto one = ReadOne<Reservation>(
      *store_, [&](auto& tx, const auto& each) { return sales.ByRequest(tx, "caio", "q9", each); });
  ASSERT_TRUE(one && one->has_value());
  EXPECT_EQ((*one)->status, ReservationStatus::kConfirmed);
  row.more = {nullptr};  // one of the profile's columns missing: nothing written
  auto st = store_->Write([&](runtime::Tx& tx) { return sales.Save(tx, row); });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kInternal);
}

}  // namespace
}  // namespace tripmesh::engine
