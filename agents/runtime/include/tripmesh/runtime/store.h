// An agent's database: SQLite (a file, the embedded default) or PostgreSQL
// (a libpq connection URI, for deployments that must survive a machine).
// Concurrent Write() calls share one transaction (group commit) and each
// returns only once that transaction is committed. There is no writer thread:
// the first caller to find the store idle commits on its own thread (the
// leader), taking along every write queued meanwhile; the callers it carries
// just wait. A lone write thus costs no thread hand-off, and under load writes
// still batch. Reads use a second connection, so they see every committed
// write and never wait for a commit. SQL is written once, with `?`
// placeholders, in the dialect both understand.
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
#include <utility>
#include <variant>
#include <vector>

#include "tripmesh/base/result.h"

namespace tripmesh::runtime {

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

enum class StoreKind { kSqlite, kPostgres };

// A handle on the open transaction; valid only inside a Write/Read callback.
// A statement that fails leaves the transaction usable only once the work
// returns its error (the store rolls that work back alone).
class Tx {
 public:
  virtual ~Tx() = default;
  [[nodiscard]] virtual Status Exec(std::string_view sql, const std::vector<Value>& args = {}) = 0;
  [[nodiscard]] virtual Status Query(std::string_view sql, const std::vector<Value>& args,
                                     const std::function<void(const Row&)>& each) = 0;
  virtual std::int64_t Changes() const = 0;
  virtual StoreKind kind() const = 0;
};

// Whether the store `tx` reads has a table of this name (in the current
// schema, on PostgreSQL): a checker may read a store an older version made.
[[nodiscard]] Result<bool> HasTable(Tx& tx, const std::string& name);
// Whether `table` has a column of this name.
[[nodiscard]] Result<bool> HasColumn(Tx& tx, const std::string& table, const std::string& column);

struct StoreOptions {
  bool synchronous_full = true;  // FULL survives power loss; NORMAL survives process kills only
  std::size_t max_batch = 512;   // operations per group commit
  // Log pages that start a checkpoint on the store's own thread (0: SQLite's
  // default, inside the commit that crosses 1000 pages).
  int checkpoint_pages = 1000;
  // Run first in every write transaction; when it fails, the transaction
  // is rolled back and every write in it fails with its error (a leader
  // that lost its lease writes nothing: Leadership::Fence).
  std::function<Status(Tx&)> fence;
};

struct StoreStats {
  std::int64_t commits = 0;
  std::int64_t writes = 0;
  std::int64_t checkpoints = 0;  // run on the checkpoint thread
};

// True when `where` names a PostgreSQL database (postgresql:// or postgres://).
bool IsPostgresUri(std::string_view where);

class Store {
 public:
  // A SQLite file at `where`, or the PostgreSQL database a libpq URI names.
  [[nodiscard]] static Result<std::unique_ptr<Store>> Open(const std::string& where,
                                                           StoreOptions options = {});
  virtual ~Store();
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
  // Runs `work` in one read transaction on the reader connection (one read at a time).
  [[nodiscard]] virtual Status Read(const std::function<Status(Tx&)>& work) = 0;
  StoreStats stats() const;
  virtual StoreKind kind() const = 0;

 protected:
  explicit Store(StoreOptions options) : options_(std::move(options)) {}
  // Waits for the leader to finish and refuses new writes; each backend's
  // destructor calls it before closing its connections.
  void StopWriting();
  // The writer connection's transaction, and its plain statements (BEGIN,
  // SAVEPOINT, COMMIT...).
  virtual Tx& Writer() = 0;
  [[nodiscard]] virtual Status Control(const char* sql) = 0;
  virtual const char* BeginSql() const { return "BEGIN"; }
  // Commits the writer's transaction; an error means it did not commit.
  [[nodiscard]] virtual Status Commit() { return Control("COMMIT"); }
  virtual std::int64_t Checkpoints() const { return 0; }
  const StoreOptions& options() const { return options_; }

 private:
  struct Job;
  // Runs a batch in one transaction; sets each job's result (leader only).
  void CommitBatch(std::vector<std::shared_ptr<Job>>& batch);

  StoreOptions options_;
  mutable std::mutex mu_;            // guards the fields below and every Job's state
  std::condition_variable idle_cv_;  // signalled when leading_ turns false
  std::deque<std::shared_ptr<Job>> queue_;
  bool leading_ = false;  // a caller is committing; new writes queue for it
  bool stopping_ = false;
  StoreStats stats_;
};

}  // namespace tripmesh::runtime
