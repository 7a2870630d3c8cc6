#include "tripmesh/runtime/store_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>
#include <vector>

#include "tripmesh/runtime/host.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/runtime/store.h"

namespace tripmesh::runtime {
namespace {

// The machine's local time with its zone and full date, as a person reads it
// in a refusal on another day.
std::string LocalNow() {
  auto now = static_cast<Time>(std::time(nullptr));
  return FormatLocal(now, MachineZone(), 0);
}

std::string ReadHolder(int fd) {
  char buf[512] = {};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "another process";
  std::string text(buf, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string Holder(const std::string& owner) {
  return fmt::format("{}, pid {} on {}, since {}", owner, getpid(),
                     HostName().empty() ? "an unknown host" : HostName(), LocalNow());
}

// One row's first column of a query with text parameters, "" when none.
std::string QueryOne(PGconn* conn, const char* sql, const std::vector<const char*>& params) {
  PGresult* res = PQexecParams(conn, sql, static_cast<int>(params.size()), nullptr, params.data(),
                               nullptr, nullptr, 0);
  std::string v;
  if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) v = PQgetvalue(res, 0, 0);
  PQclear(res);
  return v;
}

}  // namespace

Result<std::unique_ptr<StoreLock>> StoreLock::AcquireOnPostgres(const std::string& uri,
                                                                const std::string& owner) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return Fail(Errc::kInternal, "cannot open database: " + msg);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  // Who holds it, within the 63 bytes of a name (the server knows since when).
  std::string holder = fmt::format("{}, pid {} on {}", owner, getpid(),
                                   HostName().empty() ? "an unknown host" : HostName());
  (void)QueryOne(conn, "SELECT set_config('application_name', $1, false)", {holder.c_str()});
  std::string got =
      QueryOne(conn, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", {owner.c_str()});
  if (got != "t") {
    std::string pattern = owner + ",%";
    std::string other = QueryOne(conn,
                                 "SELECT application_name FROM pg_stat_activity WHERE"
                                 " application_name LIKE $1 AND pid <> pg_backend_pid() LIMIT 1",
                                 {pattern.c_str()});
    PQfinish(conn);
    if (got.empty()) return Fail(Errc::kInternal, "cannot take the writer's lock on the database");
    return Fail(
        Errc::kConflict,
        fmt::format("the database is in use by {}; one agent per store: stop that one first",
                    other.empty() ? "another agent of " + owner : other));
  }
  return std::unique_ptr<StoreLock>(new StoreLock(conn, uri));
}

Result<std::unique_ptr<StoreLock>> StoreLock::Acquire(const std::string& store_path,
                                                      const std::string& owner) {
  if (IsPostgresUri(store_path)) return AcquireOnPostgres(store_path, owner);
  std::string path = store_path + ".lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Fail(Errc::kInternal,
                fmt::format("cannot open {}: {}", path, std::system_category().message(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::string holder = err == EWOULDBLOCK ? ReadHolder(fd) : "";
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return Fail(Errc::kInternal,
                  fmt::format("cannot lock {}: {}", path, std::system_category().message(err)));
    }
    return Fail(Errc::kConflict,
                fmt::format("store {} is in use by {}; one agent per store: stop that one first",
                            store_path, holder));
  }
  std::string text = Holder(owner) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, text.data(), text.size(), 0) < 0) {
    // The lock holds all the same; only the refusal of a second agent reads less.
  }
  return std::unique_ptr<StoreLock>(new StoreLock(fd, std::move(path)));
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);
  if (pg_) PQfinish(pg_);
}

}  // namespace tripmesh::runtime
