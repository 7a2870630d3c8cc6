// What both profiles' checkers share, on real SQLite stores: claims that
// overlap on one resource, and stores read while sagas move, where a saga
// that moved or began in the middle is left unjudged.
#include <gtest/gtest.h>

#include "testing.h"
#include "tripmesh/engine/check.h"

namespace tripmesh::engine {
namespace {

constexpr Time kNow = 1799020800;

TEST(EngineCheckTest, ClaimsOverlapOnlyOnOneResourceAndOnlyWhereTheirTimesMeet) {
  std::vector<Claim> claims{
      {"p1", "a", 0, 10},   // 0: reaches furthest
      {"p1", "b", 1, 2},    // 1: inside a
      {"p1", "c", 3, 4},    // 2: inside a, not b
      {"p1", "d", 10, 12},  // 3: starts where a ends
      {"p2", "e", 0, 10},   // 4: another resource
      {"4A", "f"},          // 5: a seat, claimed twice
      {"4A", "g"},          // 6
  };
  auto found = Overlapping(claims);
  std::set<std::pair<std::string, std::string>> pairs;
  for (auto [first, second] : found) pairs.insert({claims[first].owner, claims[second].owner});
  EXPECT_EQ(pairs,
            (std::set<std::pair<std::string, std::string>>{{"a", "b"}, {"a", "c"}, {"f", "g"}}));
  EXPECT_TRUE(Overlapping({}).empty());
}

class EngineCheckStoresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = tripmesh::testing::NewTempDir(std::string("EngineCheckStoresTest-") + info->name());
    for (const auto* name : {"a", "b"}) {
      paths_[name] = dir_ + "/" + name + ".db";
      auto store = runtime::Store::Open(paths_[name]);
      ASSERT_TRUE(store) << store.error().message;
      stores_[name] = std::move(*store);
      Saga saga(*stores_[name], clock_, SagaOptions{}, Saga::Hooks{});
      ASSERT_TRUE(saga.Load());  // the engine's tables
    }
  }

  // A saga's row as its coordinator would have stored it.
  void Put(const std::string& store, const std::string& saga_id, SagaStep step,
           const std::string& outcome = "") {
    runtime::Value out = nullptr;
    if (!outcome.empty()) out = outcome;
    ASSERT_TRUE(stores_[store]->Write([&](runtime::Tx& tx) {
      return tx.Exec(
          "INSERT INTO engine_sagas(saga_id, requester, request_id, step, outcome, hold_only,"
          " created_at, body) VALUES(?,'ana','',?,?,0,?,'{}')"
          " ON CONFLICT(saga_id) DO UPDATE SET step = excluded.step, outcome = excluded.outcome",
          {saga_id, std::string(SagaStepName(step)), out, kNow});
    }));
  }

  std::string dir_;
  core::ManualClock clock_{kNow};
  std::map<std::string, std::string> paths_;
  std::map<std::string, std::unique_ptr<runtime::Store>> stores_;
};

TEST_F(EngineCheckStoresTest, ASagaThatMovesOrBeginsWhileTheStoresAreReadIsNotSettled) {
  Put("a", "s-kept", SagaStep::kDone, "confirmed");
  Put("a", "s-cancelled", SagaStep::kDone, "confirmed");
  Put("a", "s-committing", SagaStep::kCommitting);
  Put("b", "s-failed", SagaStep::kDone, "failed");
  std::vector<std::string> read;
  auto checked = ReadRunningStores(paths_, [&](const std::string& name, runtime::Tx& tx) {
    read.push_back(name);
    if (name == "a") Put("b", "s-new", SagaStep::kDone, "confirmed");  // began after the marks
    if (name == "b") Put("a", "s-cancelled", SagaStep::kDone, "cancelled");  // a was read already
    return tx.Query("SELECT 1", {}, [](const runtime::Row&) {});
  });
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_EQ(read, (std::vector<std::string>{"a", "b"}));
  const auto& a = checked->at("a");
  EXPECT_EQ(a.sagas.size(), 3u);
  EXPECT_EQ(a.unsettled, (std::set<std::string>{"s-cancelled", "s-committing"}));
  EXPECT_TRUE(a.Settled("s-kept"));
  const auto& b = checked->at("b");
  EXPECT_EQ(b.sagas.size(), 2u);
  EXPECT_EQ(b.unsettled, (std::set<std::string>{"s-new"}));
}

TEST_F(EngineCheckStoresTest, AStoreThatCannotBeReadIsNamedInTheError) {
  auto rows = [](const std::string&, runtime::Tx&) -> Status {
    return Fail(Errc::kInternal, "no such table: bookings");
  };
  auto checked = ReadRunningStores(paths_, rows);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().message, "a: no such table: bookings");
  paths_["c"] = dir_ + "/missing/c.db";
  checked = ReadRunningStores(paths_, [](const std::string&, runtime::Tx&) { return Status{}; });
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().message.rfind("c: ", 0), 0u) << checked.error().message;
}

}  // namespace
}  // namespace tripmesh::engine
