#include "tripmesh/runtime/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "testing.h"

namespace tripmesh::runtime {
namespace {

TEST(StoreTest, ConcurrentWritersShareCommitsAndAllLand) {
  std::string path = tripmesh::testing::NewTempDir("store") + "/t.db";
  {
    auto store = Store::Open(path, {false, 512});
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->Write(
        [](Tx& tx) { return tx.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)"); }));
    std::vector<std::thread> writers;
    for (int w = 0; w < 8; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 250; ++i) {
          std::int64_t k = w * 1000 + i;
          ASSERT_TRUE((*store)->Write([k](Tx& tx) {
            return tx.Exec("INSERT INTO t VALUES(?, ?)", {k, std::string("x")});
          }));
        }
      });
    }
    for (auto& t : writers) t.join();
    auto stats = (*store)->stats();
    EXPECT_EQ(stats.writes, 2001);
    EXPECT_LT(stats.commits, stats.writes);  // group commit batched some of them
  }
  auto reopened = Store::Open(path);
  ASSERT_TRUE(reopened);
  std::int64_t count = 0;
  ASSERT_TRUE((*reopened)->Read([&](Tx& tx) {
    return tx.Query("SELECT count(*) FROM t", {}, [&](const Row& r) { count = r.Int(0); });
  }));
  EXPECT_EQ(count, 2000);
}

// With one write per commit every leader hands the queue on to the next
// waiter after each commit: no write is stranded and none is committed twice.
TEST(StoreTest, LeadershipPassesFromWriterToWriterWithoutLosingOne) {
  auto store = Store::Open(tripmesh::testing::NewTempDir("store") + "/t.db", {false, 1});
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->Write(
      [](Tx& tx) { return tx.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, by INTEGER)"); }));
  std::vector<std::thread> writers;
  for (int w = 0; w < 6; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 100; ++i) {
        std::int64_t k = w * 1000 + i;
        ASSERT_TRUE((*store)->Write([k, w](Tx& tx) {
          return tx.Exec("INSERT INTO t VALUES(?, ?)", {k, std::int64_t{w}});
        }));
      }
    });
  }
  for (auto& t : writers) t.join();
  auto stats = (*store)->stats();
  EXPECT_EQ(stats.writes, 601);
  EXPECT_EQ(stats.commits, 601);
  std::int64_t count = 0;
  ASSERT_TRUE((*store)->Read([&](Tx& tx) {
    return tx.Query("SELECT count(*) FROM t", {}, [&](const Row& r) { count = r.Int(0); });
  }));
  EXPECT_EQ(count, 600);
}

TEST(StoreTest, AFailingWriteIsRolledBackAlone) {
  auto store = Store::Open(tripmesh::testing::NewTempDir("store") + "/t.db");
  ASSERT_TRUE(store);
  ASSERT_TRUE(
      (*store)->Write([](Tx& tx) { return tx.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY)"); }));
  ASSERT_TRUE((*store)->Write([](Tx& tx) { return tx.Exec("INSERT INTO t VALUES(1)"); }));
  auto dup = (*store)->Write([](Tx& tx) -> Status {
    if (auto st = tx.Exec("INSERT INTO t VALUES(2)"); !st) return st;
    return tx.Exec("INSERT INTO t VALUES(1)");  // constraint violation: the whole item rolls back
  });
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kConflict);
  std::int64_t count = 0;
  ASSERT_TRUE((*store)->Read([&](Tx& tx) {
    return tx.Query("SELECT count(*) FROM t", {}, [&](const Row& r) { count = r.Int(0); });
  }));
  EXPECT_EQ(count, 1);
}

// Early lock release: a writer that lets go of its lock once its write is
// queued still commits before whoever takes the lock next.
TEST(StoreTest, WritesCommitInTheOrderTheirLocksWereTaken) {
  auto store = Store::Open(tripmesh::testing::NewTempDir("store") + "/t.db", {false, 512});
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->Write(
      [](Tx& tx) { return tx.Exec("CREATE TABLE log(n INTEGER PRIMARY KEY, who INTEGER)"); }));
  std::mutex lock;
  std::vector<std::int64_t> taken;  // guarded by `lock`
  std::vector<std::thread> threads;
  for (std::int64_t t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        lock.lock();
        taken.push_back(t);
        auto st =
            (*store)->Write([t](Tx& tx) { return tx.Exec("INSERT INTO log(who) VALUES(?)", {t}); },
                            [&] { lock.unlock(); });
        EXPECT_TRUE(st);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::int64_t> committed;
  ASSERT_TRUE((*store)->Read([&](Tx& tx) {
    return tx.Query("SELECT who FROM log ORDER BY n", {},
                    [&](const Row& r) { committed.push_back(r.Int(0)); });
  }));
  EXPECT_EQ(committed, taken);
}

}  // namespace
}  // namespace tripmesh::runtime

namespace tripmesh::runtime {
namespace {

// Checkpoints run off the commits, on the store's thread, and still keep the
// log from growing without end under a steady stream of writes and reads.
TEST(StoreTest, CheckpointsOnItsOwnThreadKeepTheLogBounded) {
  std::string path = tripmesh::testing::NewTempDir("store") + "/t.db";
  StoreOptions options;
  options.synchronous_full = false;
  options.checkpoint_pages = 50;
  auto store = Store::Open(path, options);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->Write(
      [](Tx& tx) { return tx.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)"); }));
  const std::string body(3000, 'v');  // about one page per row
  std::atomic<bool> writing{true};
  std::atomic<std::uintmax_t> largest_log{0};
  std::thread reader([&] {
    while (writing) {
      ASSERT_TRUE((*store)->Read(
          [](Tx& tx) { return tx.Query("SELECT v FROM t WHERE k = 7", {}, [](const Row&) {}); }));
      std::error_code ec;
      auto size = std::filesystem::file_size(path + "-wal", ec);
      if (!ec && size > largest_log) largest_log = size;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 500; ++i) {
        std::int64_t k = w * 1000 + i;
        ASSERT_TRUE((*store)->Write([&, k](Tx& tx) {
          return tx.Exec("INSERT INTO t VALUES(?, ?)", {k, body});
        }));
      }
    });
  }
  for (auto& t : writers) t.join();
  writing = false;
  reader.join();
  EXPECT_GT((*store)->stats().checkpoints, 0);
  // Over 4,000 pages written in all; the commits' own fallback starts at 8x50.
  EXPECT_LT(largest_log.load(), 2u * 8 * 50 * 4096) << "log pages: " << largest_log / 4096;
  std::int64_t count = 0;
  ASSERT_TRUE((*store)->Read([&](Tx& tx) {
    return tx.Query("SELECT count(*) FROM t", {}, [&](const Row& r) { count = r.Int(0); });
  }));
  EXPECT_EQ(count, 2000);
}

}  // namespace
}  // namespace tripmesh::runtime
