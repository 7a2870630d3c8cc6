// The lease on a real PostgreSQL server: one leader at a time, a standby that
// takes over once the lease runs out, and a leader that lost it writes nothing.
#include "tripmesh/runtime/leadership.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "testing.h"

namespace tripmesh::runtime {
namespace {

using namespace std::chrono_literals;

class LeadershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uri_ = tripmesh::testing::NewStore(tripmesh::testing::Backend::kPostgres, "lease");
    auto store = Store::Open(uri_);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->Write([](Tx& tx) { return tx.Exec("CREATE TABLE t(k BIGINT)"); }));
  }
  // A store whose writes `lead` fences.
  std::unique_ptr<Store> FencedStore(const Leadership& lead) {
    StoreOptions o;
    o.fence = [&lead](Tx& tx) { return lead.Fence(tx); };
    auto store = Store::Open(uri_, o);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }
  static Status Insert(Store& s, std::int64_t k) {
    return s.Write([k](Tx& tx) { return tx.Exec("INSERT INTO t VALUES(?)", {k}); });
  }
  std::int64_t Count() {
    auto store = Store::Open(uri_);
    std::int64_t n = -1;
    EXPECT_TRUE((*store)->Read([&](Tx& tx) {
      return tx.Query("SELECT count(*) FROM t", {}, [&](const Row& r) { n = r.Int(0); });
    }));
    return n;
  }
  std::string uri_;
};

TEST_F(LeadershipTest, ASecondClaimIsRefusedNamingTheHolder) {
  auto a = Leadership::Claim(uri_, "company voltpoint", "company voltpoint, pid 1 on a",
                             WhenHeld::kRefuse);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ((*a)->epoch(), 1);
  (*a)->KeepAlive([](const std::string& why) { ADD_FAILURE() << why; });
  auto b = Leadership::Claim(uri_, "company voltpoint", "company voltpoint, pid 2 on b",
                             WhenHeld::kRefuse);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Errc::kConflict);
  EXPECT_NE(b.error().message.find("pid 1 on a"), std::string::npos) << b.error().message;
  // A holder that stopped renewing (a crash) is waited out for one lease.
  auto c =
      Leadership::Claim(uri_, "company ecocharge", "company ecocharge, pid 4", WhenHeld::kRefuse);
  ASSERT_TRUE(c);
  auto restarted =
      Leadership::Claim(uri_, "company ecocharge", "company ecocharge, pid 5", WhenHeld::kRefuse);
  ASSERT_TRUE(restarted) << restarted.error().message;
  EXPECT_EQ((*restarted)->epoch(), 2);
  // Another company's lease is its own.
  EXPECT_TRUE(Leadership::Claim(uri_, "company eflux", "company eflux, pid 3", WhenHeld::kRefuse));
}

TEST_F(LeadershipTest, AStandbyTakesOverWhenTheLeaderStopsRenewingAndTheOldLeaderIsFenced) {
  LeaseOptions fast{.lease = 600ms, .renew_every = 150ms, .poll_every = 50ms};
  auto a = Leadership::Claim(uri_, "company voltpoint", "a", WhenHeld::kRefuse, fast);
  ASSERT_TRUE(a);
  auto store_a = FencedStore(**a);
  ASSERT_TRUE(Insert(*store_a, 1));
  // A never renews (as if frozen before its first renewal): B waits, then takes over.
  std::string told;
  auto started = std::chrono::steady_clock::now();
  auto b = Leadership::Claim(uri_, "company voltpoint", "b", WhenHeld::kStandBy, fast,
                             [&](const std::string& by) { told = by; });
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(told, "a");
  EXPECT_EQ((*b)->epoch(), 2);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  auto fenced = Insert(*store_a, 2);
  ASSERT_FALSE(fenced);
  EXPECT_NE(fenced.error().message.find("fenced"), std::string::npos) << fenced.error().message;
  auto store_b = FencedStore(**b);
  EXPECT_TRUE(Insert(*store_b, 3));
  EXPECT_EQ(Count(), 2);
  // A wakes and renews: it hears that the lease is gone, once.
  std::promise<std::string> lost;
  (*a)->KeepAlive([&](const std::string& why) { lost.set_value(why); });
  auto why = lost.get_future();
  ASSERT_EQ(why.wait_for(5s), std::future_status::ready);
  EXPECT_NE(why.get().find("another instance"), std::string::npos);
}

// A leader frozen inside a write transaction keeps the lease's row locked:
// the server ends its session after a second idle in the transaction, the
// standby takes over, and the frozen write never lands.
TEST_F(LeadershipTest, ALeaderFrozenInsideAWriteLosesItAndTheStandbyTakesOver) {
  LeaseOptions fast{.lease = 600ms, .renew_every = 150ms, .poll_every = 50ms};
  auto a = Leadership::Claim(uri_, "company voltpoint", "a", WhenHeld::kRefuse, fast);
  ASSERT_TRUE(a);
  auto store_a = FencedStore(**a);
  std::atomic<bool> inside{false};
  auto frozen = std::async(std::launch::async, [&] {
    return store_a->Write([&](Tx& tx) -> Status {
      inside = true;
      std::this_thread::sleep_for(2500ms);  // the agent, stopped mid-transaction
      return tx.Exec("INSERT INTO t VALUES(?)", {std::int64_t{7}});
    });
  });
  while (!inside) std::this_thread::sleep_for(10ms);
  auto started = std::chrono::steady_clock::now();
  auto b = Leadership::Claim(uri_, "company voltpoint", "b", WhenHeld::kStandBy, fast);
  ASSERT_TRUE(b) << b.error().message;
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 3s);
  EXPECT_FALSE(frozen.get());
  EXPECT_EQ(Count(), 0);
}

}  // namespace
}  // namespace tripmesh::runtime
