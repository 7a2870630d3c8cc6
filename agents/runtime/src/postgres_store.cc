#include "postgres_store.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

namespace tripmesh::runtime {
namespace {

// Type oids of the catalogue (pg_type.h), for the columns read back as numbers.
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701,
              kNumeric = 1700;

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string Said(PGconn* conn) {
  std::string msg = PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

// A unique or exclusion violation is the caller's conflict (a key or a time
// range taken twice); anything else is the agent's own failure.
tl::unexpected<Error> Failed(PGconn* conn, const PGresult* res) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  bool taken = code == "23505" || code == "23P01";
  return FailWithInternalWords(taken ? Errc::kConflict : Errc::kInternal,
                               "postgresql: " + Said(conn));
}

std::string Numbered(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

Value Column(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return nullptr;
  const char* text = PQgetvalue(res, row, col);
  std::string_view v(text, static_cast<std::size_t>(PQgetlength(res, row, col)));
  switch (PQftype(res, col)) {
    case kInt2:
    case kInt4:
    case kInt8: {
      std::int64_t n = 0;
      std::from_chars(v.data(), v.data() + v.size(), n);
      return n;
    }
    case kFloat4:
    case kFloat8:
    case kNumeric:
      return std::strtod(text, nullptr);
    case kBool:
      return std::int64_t{v == "t"};
    default:
      return std::string(v);
  }
}

// Names this writer among every writer the database has had.
std::string WriterId() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}{:08x}", rd(), rd(), rd());
}

class PgTx final : public Tx {
 public:
  explicit PgTx(PGconn* conn) : conn_(conn) {}
  Status Exec(std::string_view sql, const std::vector<Value>& args) override {
    auto res = Run(sql, args);
    if (!res) return tl::unexpected<Error>(res.error());
    const char* n = PQcmdTuples(res->get());
    changes_ = n && *n ? std::strtoll(n, nullptr, 10) : 0;
    return {};
  }
  Status Query(std::string_view sql, const std::vector<Value>& args,
               const std::function<void(const Row&)>& each) override {
    auto res = Run(sql, args);
    if (!res) return tl::unexpected<Error>(res.error());
    PGresult* r = res->get();
    int rows = PQntuples(r), cols = PQnfields(r);
    for (int i = 0; i < rows; ++i) {
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(cols));
      for (int c = 0; c < cols; ++c) values.push_back(Column(r, i, c));
      each(Row(std::move(values)));
    }
    return {};
  }
  std::int64_t Changes() const override { return changes_; }
  StoreKind kind() const override { return StoreKind::kPostgres; }
  // After a reconnection the server knows none of this connection's statements.
  void Forget() { prepared_.clear(); }

 private:
  Result<ResultPtr> Run(std::string_view sql, const std::vector<Value>& args) {
    auto name = Prepared(sql);
    if (!name) return tl::unexpected<Error>(name.error());
    std::vector<std::string> text(args.size());
    std::vector<const char*> values(args.size(), nullptr);
    for (std::size_t i = 0; i < args.size(); ++i) {
      const Value& v = args[i];
      if (auto* n = std::get_if<std::int64_t>(&v)) {
        text[i] = std::to_string(*n);
      } else if (auto* d = std::get_if<double>(&v)) {
        char buf[32];
        auto end = std::to_chars(buf, buf + sizeof buf, *d).ptr;
        text[i].assign(buf, end);
      } else if (auto* s = std::get_if<std::string>(&v)) {
        text[i] = *s;
      } else {
        continue;  // NULL
      }
      values[i] = text[i].c_str();
    }
    ResultPtr res(PQexecPrepared(conn_, name->c_str(), static_cast<int>(args.size()), values.data(),
                                 nullptr, nullptr, 0),
                  &PQclear);
    auto status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Failed(conn_, res.get());
    return res;
  }
  Result<std::string> Prepared(std::string_view sql) {
    auto it = prepared_.find(std::string(sql));
    if (it != prepared_.end()) return it->second;
    std::string name = "s" + std::to_string(prepared_.size());
    ResultPtr res(PQprepare(conn_, name.c_str(), Numbered(sql).c_str(), 0, nullptr), &PQclear);
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return Failed(conn_, res.get());
    prepared_.emplace(std::string(sql), name);
    return name;
  }

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
  std::int64_t changes_ = 0;
};

// A session frozen inside a transaction (its agent stopped by a signal, or
// cut off) loses it after a second, and with it the locks it held: a standby
// taking over waits for nothing longer (see Leadership).
Status Session(PGconn* conn) {
  ResultPtr res(PQexec(conn, "SET idle_in_transaction_session_timeout = '1s'"), &PQclear);
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return Failed(conn, res.get());
  return {};
}

Result<PGconn*> Connect(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = conn ? Said(conn) : "out of memory";
    PQfinish(conn);
    return FailWithInternalWords(Errc::kInternal, "cannot open database: " + msg);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  if (auto st = Session(conn); !st) {
    PQfinish(conn);
    return tl::unexpected<Error>(st.error());
  }
  return conn;
}

class PgStore final : public Store {
 public:
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;
  PgStore(PgStore&&) = delete;
  PgStore& operator=(PgStore&&) = delete;
  PgStore(PGconn* writer, PGconn* reader, StoreOptions options)
      : Store(std::move(options)),
        writer_conn_(writer),
        reader_conn_(reader),
        writer_(writer),
        reader_(reader) {}
  ~PgStore() override {
    StopWriting();
    PQfinish(writer_conn_);
    PQfinish(reader_conn_);
  }
  Status Read(const std::function<Status(Tx&)>& work) override {
    std::lock_guard lock(read_mu_);
    if (auto st = Plain(reader_conn_, reader_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        !st) {
      return st;
    }
    Status st = work(reader_);
    (void)Plain(reader_conn_, reader_, st ? "COMMIT" : "ROLLBACK");
    return st;
  }
  StoreKind kind() const override { return StoreKind::kPostgres; }
  Status Init() {
    // This writer's row of commit counts (see Commit).
    auto st = Plain(writer_conn_, writer_,
                    "CREATE TABLE IF NOT EXISTS store_commits(writer TEXT PRIMARY KEY,"
                    " n BIGINT NOT NULL)");
    if (!st) return st;
    return writer_.Exec("INSERT INTO store_commits(writer, n) VALUES(?, 0)", {writer_id_});
  }

 protected:
  Tx& Writer() override { return writer_; }
  Status Control(const char* sql) override { return Plain(writer_conn_, writer_, sql); }
  // A commit whose answer the connection lost (the server died, a standby
  // is being promoted) may or may not have happened. Each transaction counts
  // itself in this writer's row; once a server takes writes again, the count
  // says which it was, so a commit that happened is never reported as failed
  // (its vehicle would be told no while the booking stays).
  Status Commit() override {
    ++commits_;
    auto counted =
        writer_.Exec("UPDATE store_commits SET n = ? WHERE writer = ?", {commits_, writer_id_});
    if (!counted) return counted;
    ResultPtr res(PQexec(writer_conn_, "COMMIT"), &PQclear);
    if (PQresultStatus(res.get()) == PGRES_COMMAND_OK) return {};
    if (PQstatus(writer_conn_) != CONNECTION_BAD) return Failed(writer_conn_, res.get());
    return CommittedAfterAll();
  }

 private:
  // A plain statement. A transaction that cannot begin because the server
  // went away (or a standby was promoted) is begun again on a new connection.
  static Status Plain(PGconn* conn, PgTx& tx, const char* sql) {
    ResultPtr res(PQexec(conn, sql), &PQclear);
    if (PQresultStatus(res.get()) == PGRES_COMMAND_OK) return {};
    bool begin = std::string_view(sql).starts_with("BEGIN");
    if (begin && PQstatus(conn) == CONNECTION_BAD) {
      PQreset(conn);
      tx.Forget();
      if (PQstatus(conn) == CONNECTION_OK && Session(conn)) {
        res.reset(PQexec(conn, sql));
        if (PQresultStatus(res.get()) == PGRES_COMMAND_OK) return {};
      }
    }
    return Failed(conn, res.get());
  }

  Status CommittedAfterAll() {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until) {
      PQreset(writer_conn_);
      writer_.Forget();
      if (PQstatus(writer_conn_) == CONNECTION_OK && Session(writer_conn_)) {
        std::int64_t n = -1;
        auto st = writer_.Query("SELECT n FROM store_commits WHERE writer = ?", {writer_id_},
                                [&](const Row& row) { n = row.Int(0); });
        if (st && n == commits_) return {};
        if (st) {
          --commits_;
          return Fail(Errc::kInternal, "the database went away before the commit");
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return Fail(Errc::kInternal,
                "the database went away during a commit and did not come back within 30 s: "
                "whether it committed is unknown");
  }

  PGconn* writer_conn_;
  PGconn* reader_conn_;
  std::string writer_id_ = WriterId();
  std::int64_t commits_ = 0;  // the leader only
  PgTx writer_;
  std::mutex read_mu_;  // guards the reader connection
  PgTx reader_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri, StoreOptions options) {
  auto writer = Connect(uri);
  if (!writer) return tl::unexpected<Error>(writer.error());
  auto reader = Connect(uri);
  if (!reader) {
    PQfinish(*writer);
    return tl::unexpected<Error>(reader.error());
  }
  auto store = std::make_unique<PgStore>(*writer, *reader, std::move(options));
  if (auto st = store->Init(); !st) return tl::unexpected<Error>(st.error());
  return store;
}

}  // namespace tripmesh::runtime
