#include "sqlite_store.h"

#include <sqlite3.h>

#include <functional>
#include <string_view>

#include "checkpointer.h"

namespace tripmesh::runtime {
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

// Prepared statements by their SQL, found without copying the SQL to a key.
struct SqlHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
};
using StatementCache = std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>>;

void Close(sqlite3* db, StatementCache& statements) {
  for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
  sqlite3_close(db);
}

class SqliteTx final : public Tx {
 public:
  using Cache = StatementCache;
  SqliteTx(sqlite3* db, Cache* cache) : db_(db), cache_(cache) {}
  Status Exec(std::string_view sql, const std::vector<Value>& args) override;
  Status Query(std::string_view sql, const std::vector<Value>& args,
               const std::function<void(const Row&)>& each) override;
  std::int64_t Changes() const override;
  StoreKind kind() const override { return StoreKind::kSqlite; }

 private:
  [[nodiscard]] Result<sqlite3_stmt*> Prepare(std::string_view sql, const std::vector<Value>& args);
  sqlite3* db_;
  Cache* cache_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  SqliteStore(SqliteStore&&) = delete;
  SqliteStore& operator=(SqliteStore&&) = delete;
  SqliteStore(sqlite3* db, StoreOptions options)
      : Store(std::move(options)), db_(db), writer_(db, &statements_) {}
  ~SqliteStore() override;
  Status Read(const std::function<Status(Tx&)>& work) override;
  StoreKind kind() const override { return StoreKind::kSqlite; }

  Status Control(const char* sql) override;
  Status Init(const std::string& path);

 protected:
  Tx& Writer() override { return writer_; }
  const char* BeginSql() const override { return "BEGIN IMMEDIATE"; }
  std::int64_t Checkpoints() const override {
    return checkpointer_ ? checkpointer_->checkpoints() : 0;
  }

 private:
  sqlite3* db_;
  SqliteTx::Cache statements_;  // the leader only
  SqliteTx writer_;
  std::mutex read_mu_;  // guards the reader connection and its statements
  sqlite3* reader_ = nullptr;
  SqliteTx::Cache read_statements_;
  std::unique_ptr<Checkpointer> checkpointer_;
};

}  // namespace

Result<sqlite3_stmt*> SqliteTx::Prepare(std::string_view sql, const std::vector<Value>& args) {
  auto& cache = *cache_;
  auto it = cache.find(sql);
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

Status SqliteTx::Exec(std::string_view sql, const std::vector<Value>& args) {
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

Status SqliteTx::Query(std::string_view sql, const std::vector<Value>& args,
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

std::int64_t SqliteTx::Changes() const { return sqlite3_changes(db_); }

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, StoreOptions options) {
  auto db = OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return tl::unexpected<Error>(db.error());
  auto store = std::make_unique<SqliteStore>(*db, std::move(options));
  if (auto st = store->Init(path); !st) return tl::unexpected<Error>(st.error());
  return store;
}

Status SqliteStore::Init(const std::string& path) {
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON"}) {
    if (auto st = Control(pragma); !st) return st;
  }
  auto reader = OpenConnection(path, SQLITE_OPEN_READONLY);
  if (!reader) return tl::unexpected<Error>(reader.error());
  reader_ = *reader;
  if (auto st = Control(options().synchronous_full ? "PRAGMA synchronous=FULL"
                                                   : "PRAGMA synchronous=NORMAL");
      !st) {
    return st;
  }
  if (options().checkpoint_pages > 0) {
    auto c = Checkpointer::Start(path, db_, options().checkpoint_pages);
    if (!c) return tl::unexpected<Error>(c.error());
    checkpointer_ = std::move(*c);
  }
  return {};
}

SqliteStore::~SqliteStore() {
  StopWriting();
  checkpointer_.reset();
  Close(db_, statements_);
  if (reader_) Close(reader_, read_statements_);
}

namespace {

// Transaction control runs at every commit, savepoint and read: each
// statement is prepared once and kept with the connection's others, not parsed
// again each time.
Status RunControl(sqlite3* db, SqliteTx& tx, const char* sql) {
  if (auto st = tx.Exec(sql, {}); !st) {
    return FailWithInternalWords(Errc::kInternal,
                                 std::string("sqlite: ") + sql + ": " + sqlite3_errmsg(db));
  }
  return {};
}

}  // namespace

Status SqliteStore::Control(const char* sql) { return RunControl(db_, writer_, sql); }

Status SqliteStore::Read(const std::function<Status(Tx&)>& work) {
  std::lock_guard lock(read_mu_);
  SqliteTx tx(reader_, &read_statements_);
  // One read transaction, so a multi-statement read sees one snapshot.
  if (auto st = RunControl(reader_, tx, "BEGIN"); !st) return st;
  Status st = work(tx);
  (void)RunControl(reader_, tx, "COMMIT");
  return st;
}

}  // namespace tripmesh::runtime
