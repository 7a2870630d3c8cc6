#include "tripmesh/runtime/store.h"

#include <sqlite3.h>

#include "checkpointer.h"

namespace tripmesh::runtime {

// A queued write. `finished`, `lead` and `result` are guarded by Store::mu_.
struct Store::Job {
  std::function<Status(Tx&)> work;
  std::condition_variable cv;
  bool finished = false;  // its transaction has ended; `result` is final
  bool lead = false;      // the previous leader handed the queue to it
  Status result;
};

namespace {

Result<sqlite3*> OpenConnection(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return FailWithInternalWords(Errc::kInternal, "cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

void Close(sqlite3* db, std::unordered_map<std::string, sqlite3_stmt*>& statements) {
  for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace

std::int64_t Row::Int(std::size_t i) const {
  const Value& v = cols_.at(i);
  if (auto* p = std::get_if<std::int64_t>(&v)) return *p;
  if (auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  return 0;
}

double Row::Real(std::size_t i) const {
  const Value& v = cols_.at(i);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  return 0;
}

std::string Row::Str(std::size_t i) const {
  const Value& v = cols_.at(i);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

Result<sqlite3_stmt*> Tx::Prepare(std::string_view sql, const std::vector<Value>& args) {
  auto& cache = *cache_;
  auto it = cache.find(std::string(sql));
  sqlite3_stmt* stmt;
  if (it == cache.end()) {
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      return FailWithInternalWords(Errc::kInternal,
                                   std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
    }
    cache.emplace(std::string(sql), stmt);
  } else {
    stmt = it->second;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    const Value& v = args[i];
    if (auto* n = std::get_if<std::int64_t>(&v)) {
      sqlite3_bind_int64(stmt, idx, *n);
    } else if (auto* d = std::get_if<double>(&v)) {
      sqlite3_bind_double(stmt, idx, *d);
    } else if (auto* s = std::get_if<std::string>(&v)) {
      sqlite3_bind_text(stmt, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(stmt, idx);
    }
  }
  return stmt;
}

Status Tx::Exec(std::string_view sql, const std::vector<Value>& args) {
  auto stmt = Prepare(sql, args);
  if (!stmt) return tl::unexpected<Error>(stmt.error());
  int rc;
  while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
  }
  sqlite3_reset(*stmt);
  if (rc != SQLITE_DONE) {
    // Only a key taken twice is the caller's conflict; a trigger's abort, a
    // NOT NULL or a full disk is the agent's own failure.
    int code = sqlite3_extended_errcode(db_);
    bool taken = code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY;
    return FailWithInternalWords(taken ? Errc::kConflict : Errc::kInternal,
                                 std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  return {};
}

Status Tx::Query(std::string_view sql, const std::vector<Value>& args,
                 const std::function<void(const Row&)>& each) {
  auto stmt = Prepare(sql, args);
  if (!stmt) return tl::unexpected<Error>(stmt.error());
  int rc;
  while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
    int n = sqlite3_column_count(*stmt);
    std::vector<Value> cols;
    cols.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(*stmt, i)) {
        case SQLITE_INTEGER:
          cols.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(*stmt, i)));
          break;
        case SQLITE_FLOAT:
          cols.emplace_back(sqlite3_column_double(*stmt, i));
          break;
        case SQLITE_NULL:
          cols.emplace_back(nullptr);
          break;
        default:
          cols.emplace_back(
              std::string(reinterpret_cast<const char*>(sqlite3_column_text(*stmt, i)),
                          static_cast<std::size_t>(sqlite3_column_bytes(*stmt, i))));
      }
    }
    each(Row(std::move(cols)));
  }
  sqlite3_reset(*stmt);
  if (rc != SQLITE_DONE)
    return FailWithInternalWords(Errc::kInternal, std::string("sqlite: ") + sqlite3_errmsg(db_));
  return {};
}

std::int64_t Tx::Changes() const { return sqlite3_changes(db_); }

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, StoreOptions options) {
  auto db = OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return tl::unexpected<Error>(db.error());
  std::unique_ptr<Store> store(new Store(*db, options));
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON"}) {
    if (auto st = store->ExecRaw(pragma); !st) return tl::unexpected<Error>(st.error());
  }
  auto reader = OpenConnection(path, SQLITE_OPEN_READONLY);
  if (!reader) return tl::unexpected<Error>(reader.error());
  store->reader_ = *reader;
  if (auto st = store->ExecRaw(options.synchronous_full ? "PRAGMA synchronous=FULL"
                                                        : "PRAGMA synchronous=NORMAL");
      !st) {
    return tl::unexpected<Error>(st.error());
  }
  if (options.checkpoint_pages > 0) {
    auto c = Checkpointer::Start(path, store->db_, options.checkpoint_pages);
    if (!c) return tl::unexpected<Error>(c.error());
    store->checkpointer_ = std::move(*c);
  }
  return store;
}

Store::Store(sqlite3* db, StoreOptions options) : db_(db), options_(options) {}

Store::~Store() {
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
    idle_cv_.wait(lock, [&] { return !leading_; });
  }
  checkpointer_.reset();
  Close(db_, statements_);
  if (reader_) Close(reader_, read_statements_);
}

Status Store::ExecRaw(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return FailWithInternalWords(Errc::kInternal, std::string("sqlite: ") + sql + ": " + msg);
  }
  return {};
}

Status Store::Write(std::function<Status(Tx&)> work) { return Write(std::move(work), {}); }

Status Store::Write(std::function<Status(Tx&)> work, const std::function<void()>& queued) {
  auto job = std::make_shared<Job>();
  job->work = std::move(work);
  bool lead;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      if (queued) queued();
      return Fail(Errc::kInternal, "store is closing");
    }
    queue_.push_back(job);
    lead = !leading_;
    leading_ = true;
  }
  if (queued) queued();
  if (!lead) {
    std::unique_lock lock(mu_);
    job->cv.wait(lock, [&] { return job->finished || job->lead; });
    if (job->finished) return std::move(job->result);
  }
  // This caller's job is at the head of the queue (it found the store idle,
  // or was handed the queue as its oldest waiter), so this batch takes it.
  std::vector<std::shared_ptr<Job>> batch;
  {
    std::lock_guard lock(mu_);
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  CommitBatch(batch);
  std::shared_ptr<Job> next;
  {
    std::lock_guard lock(mu_);
    ++stats_.commits;
    stats_.writes += static_cast<std::int64_t>(batch.size());
    for (auto& j : batch) j->finished = true;
    // Hand the queue on to the oldest waiter, rather than keep committing for
    // others while this caller's own reply waits.
    if (queue_.empty()) {
      leading_ = false;
      idle_cv_.notify_all();  // under the lock: the destructor may be waiting
    } else {
      next = queue_.front();
      next->lead = true;
    }
  }
  for (auto& j : batch) {
    if (j != job) j->cv.notify_one();
  }
  if (next) next->cv.notify_one();
  return std::move(job->result);
}

void Store::CommitBatch(std::vector<std::shared_ptr<Job>>& batch) {
  Tx tx(db_, &statements_);
  Status begun = ExecRaw("BEGIN IMMEDIATE");
  for (auto& job : batch) {
    if (!begun) {
      job->result = begun;
      continue;
    }
    (void)ExecRaw("SAVEPOINT op");
    job->result = job->work(tx);
    if (!job->result) (void)ExecRaw("ROLLBACK TO op");
    (void)ExecRaw("RELEASE op");
  }
  Status committed = begun ? ExecRaw("COMMIT") : begun;
  if (!committed && begun) (void)ExecRaw("ROLLBACK");
  if (!committed) {
    for (auto& job : batch) job->result = committed;
  }
}

Status Store::Read(const std::function<Status(Tx&)>& work) {
  std::lock_guard lock(read_mu_);
  Tx tx(reader_, &read_statements_);
  // One read transaction, so a multi-statement read sees one snapshot.
  char* err = nullptr;
  if (sqlite3_exec(reader_, "BEGIN", nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return FailWithInternalWords(Errc::kInternal, "sqlite: BEGIN: " + msg);
  }
  Status st = work(tx);
  (void)sqlite3_exec(reader_, "COMMIT", nullptr, nullptr, nullptr);
  return st;
}

StoreStats Store::stats() const {
  std::lock_guard lock(mu_);
  StoreStats s = stats_;
  if (checkpointer_) s.checkpoints = checkpointer_->checkpoints();
  return s;
}

}  // namespace tripmesh::runtime
