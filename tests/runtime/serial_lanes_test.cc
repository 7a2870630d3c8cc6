#include "tripmesh/runtime/serial_lanes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include "tripmesh/runtime/keyed_locks.h"

namespace tripmesh::runtime {
namespace {

TEST(SerialLanesTest, TasksOfOneKeyRunInArrivalOrder) {
  std::mutex mu;
  std::map<std::string, std::vector<int>> seen;
  {
    SerialLanes lanes(4);
    for (int i = 0; i < 1000; ++i) {
      std::string key = "k" + std::to_string(i % 7);
      lanes.Post(key, [&, key, i] {
        std::lock_guard lock(mu);
        seen[key].push_back(i);
      });
    }
  }  // the destructor drains every queued task
  int total = 0;
  for (const auto& [key, order] : seen) {
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << key;
    total += static_cast<int>(order.size());
  }
  EXPECT_EQ(total, 1000);
}

TEST(SerialLanesTest, OneKeyNeverRunsTwiceAtOnce) {
  std::atomic<int> inside{0}, overlaps{0};
  {
    SerialLanes lanes(4);
    for (int i = 0; i < 2000; ++i) {
      lanes.Post("same", [&] {
        if (inside.fetch_add(1) != 0) overlaps++;
        inside.fetch_sub(1);
      });
    }
  }
  EXPECT_EQ(overlaps.load(), 0);
}

TEST(KeyedLocksTest, OppositeOrderMultiKeyLocksDoNotDeadlock) {
  KeyedLocks locks;
  std::int64_t counter = 0;  // guarded by the locks of {"a","b"}
  auto work = [&](std::string_view x, std::string_view y) {
    for (int i = 0; i < 20000; ++i) {
      auto guard = locks.Lock({x, y});
      ++counter;
    }
  };
  std::thread t1(work, "a", "b");
  std::thread t2(work, "b", "a");
  std::thread t3(work, "a", "a");  // duplicates are taken once
  t1.join();
  t2.join();
  t3.join();
  EXPECT_EQ(counter, 60000);
}

TEST(KeyedLocksTest, OneKeyLockExcludesTheSameKeyInAMultiKeyLock) {
  KeyedLocks locks;
  std::int64_t counter = 0;  // guarded by the lock of "a"
  std::thread single([&] {
    for (int i = 0; i < 20000; ++i) {
      auto lock = locks.LockOne("a");
      ++counter;
    }
  });
  std::thread multi([&] {
    for (int i = 0; i < 20000; ++i) {
      auto guard = locks.Lock({"b", "a"});
      ++counter;
    }
  });
  single.join();
  multi.join();
  EXPECT_EQ(counter, 40000);
}

}  // namespace
}  // namespace tripmesh::runtime
