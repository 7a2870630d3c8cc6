// Copies a store's write-ahead log back into its database on a thread of its
// own. Left to itself SQLite checkpoints inside the commit that takes the log
// past its threshold, so one write in a few hundred pays milliseconds (the
// copy and an fsync of the database) on top of its own commit: the tail of
// every reply that waits for a commit.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tripmesh/base/result.h"

struct sqlite3;

namespace tripmesh::runtime {

class Checkpointer {
 public:
  // Takes over `writer`'s checkpoints (its WAL hook): once a commit leaves
  // `pages` or more in the log, the thread copies them back on a connection of
  // its own to `path`, without blocking writers (a passive checkpoint). The
  // log starts over only once every frame is copied, which under steady
  // writes a concurrent copy may never reach; after `kPasses` passes the next
  // commit copies the few frames written meanwhile itself. Should the thread
  // fall behind by `kFallbackFactor` times `pages`, commits checkpoint
  // themselves, as SQLite would, so the log stays bounded.
  [[nodiscard]] static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path,
                                                                   sqlite3* writer, int pages);
  ~Checkpointer();  // stops the thread; `writer` must still be open
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  std::int64_t checkpoints() const { return checkpoints_.load(); }

  static constexpr int kFallbackFactor = 8;
  static constexpr int kPasses = 4;

 private:
  Checkpointer(sqlite3* db, sqlite3* writer, int pages);
  static int OnCommit(void* self, sqlite3* writer, const char* schema, int pages);
  void Run();

  sqlite3* db_;  // the thread's own connection
  sqlite3* writer_;
  int pages_;
  std::atomic<bool> signalled_{false};        // a checkpoint is asked for or running
  std::atomic<bool> catch_up_{false};         // the thread left frames for the next commit
  std::atomic<std::int64_t> checkpoints_{0};  // rounds the thread ran
  std::mutex running_;  // held while a checkpoint runs, on the thread or a commit
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;  // guarded by mu_
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tripmesh::runtime
