// One SQLite database per agent (WAL). Concurrent Write() calls share one
// transaction (group commit) and each returns only once that transaction is
// committed. There is no writer thread: the first caller to find the store idle
// commits on its own thread (the leader), taking along every write queued
// meanwhile; the callers it carries just wait. A lone write thus costs no
// thread hand-off, and under load writes still batch. Reads use a second
// connection, so they see every committed write and never wait for a commit.
// Thread safety: Write() and Read() may be called from any thread, but not
// from inside a write's work.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "tripmesh/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tripmesh::runtime {

class Checkpointer;

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

class Row {
 public:
  explicit Row(std::vector<Value> cols) : cols_(std::move(cols)) {}
  std::int64_t Int(std::size_t i) const;
  double Real(std::size_t i) const;
  std::string Str(std::size_t i) const;
  bool IsNull(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(cols_.at(i)); }

 private:
  std::vector<Value> cols_;
};

// A handle on the open transaction; valid only inside a Write/Read callback.
class Tx {
 public:
  [[nodiscard]] Status Exec(std::string_view sql, const std::vector<Value>& args = {});
  [[nodiscard]] Status Query(std::string_view sql, const std::vector<Value>& args,
                             const std::function<void(const Row&)>& each);
  std::int64_t Changes() const;

 private:
  friend class Store;
  using Cache = std::unordered_map<std::string, sqlite3_stmt*>;
  Tx(sqlite3* db, Cache* cache) : db_(db), cache_(cache) {}
  [[nodiscard]] Result<sqlite3_stmt*> Prepare(std::string_view sql, const std::vector<Value>& args);
  sqlite3* db_;
  Cache* cache_;
};

struct StoreOptions {
  bool synchronous_full = true;  // FULL survives power loss; NORMAL survives process kills only
  std::size_t max_batch = 512;   // operations per group commit
  // Log pages that start a checkpoint on the store's own thread (0: SQLite's
  // default, inside the commit that crosses 1000 pages).
  int checkpoint_pages = 1000;
};

struct StoreStats {
  std::int64_t commits = 0;
  std::int64_t writes = 0;
  std::int64_t checkpoints = 0;  // run on the checkpoint thread
};

class Store {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Store>> Open(const std::string& path,
                                                           StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs `work` in a savepoint of the shared transaction: a failing work item
  // is rolled back alone. Returns after the commit is durable.
  [[nodiscard]] Status Write(std::function<Status(Tx&)> work);
  // As Write, and calls `queued` once `work` has its place in the queue, before
  // waiting for the commit. Writes run in the order they were queued, so a
  // caller may release its locks in `queued` and still have its write ordered
  // before those of whoever takes the locks next (early lock release).
  [[nodiscard]] Status Write(std::function<Status(Tx&)> work, const std::function<void()>& queued);
  // Runs `work` on the reader connection (one read at a time).
  [[nodiscard]] Status Read(const std::function<Status(Tx&)>& work);
  StoreStats stats() const;

 private:
  friend class Tx;
  struct Job;
  Store(sqlite3* db, StoreOptions options);
  // Runs a batch in one transaction; sets each job's result (leader only).
  void CommitBatch(std::vector<std::shared_ptr<Job>>& batch);
  [[nodiscard]] Status ExecRaw(const char* sql);

  sqlite3* db_;
  StoreOptions options_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;  // the leader only

  std::mutex read_mu_;  // guards the reader connection and its statements
  sqlite3* reader_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> read_statements_;
  std::unique_ptr<Checkpointer> checkpointer_;

  mutable std::mutex mu_;            // guards the fields below and every Job's state
  std::condition_variable idle_cv_;  // signalled when leading_ turns false
  std::deque<std::shared_ptr<Job>> queue_;
  bool leading_ = false;  // a caller is committing; new writes queue for it
  bool stopping_ = false;
  StoreStats stats_;
};

}  // namespace tripmesh::runtime
