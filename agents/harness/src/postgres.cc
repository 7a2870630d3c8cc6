#include "tripmesh/harness/postgres.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

namespace tripmesh::harness {
namespace {

// argv run as the `postgres` user when this process is root: setpriv execs the
// program itself, so the pid is the server's and a SIGKILL reaches it.
std::vector<std::string> AsServerUser(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  std::vector<std::string> wrapped = {"setpriv", "--reuid=postgres", "--regid=postgres",
                                      "--init-groups", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

Status GiveToServerUser(const std::string& path) {
  if (geteuid() != 0) return {};
  passwd entry{};
  passwd* pw = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r("postgres", &entry, buf.data(), buf.size(), &pw) != 0 || !pw) {
    return Fail(Errc::kNotFound, "no user postgres: install Debian's postgresql");
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
    if (chown(entry.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Fail(Errc::kInternal, "cannot hand " + entry.path().string() + " to postgres");
    }
  }
  if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    return Fail(Errc::kInternal, "cannot hand " + path + " to postgres");
  }
  // The server's user must reach it: a private temp folder above (mkdtemp's
  // 0700) gets the right to pass through, and no more.
  namespace fs = std::filesystem;
  for (auto p = fs::absolute(path).parent_path(); p != p.root_path(); p = p.parent_path()) {
    std::error_code ec;
    auto perms = fs::status(p, ec).permissions();
    if (!ec && (perms & fs::perms::others_exec) == fs::perms::none) {
      fs::permissions(p, fs::perms::others_exec, fs::perm_options::add, ec);
    }
  }
  return {};
}

Status RunToEnd(std::vector<std::string> argv, const std::string& log, const std::string& what) {
  auto p = Process::Spawn(std::move(argv), log);
  if (!p) return tl::unexpected<Error>(p.error());
  int status = -1;
  if (!(*p)->Wait(std::chrono::seconds(60), &status) || status != 0) {
    return Fail(Errc::kInternal, what + " failed (see " + log + ")");
  }
  return {};
}

}  // namespace

std::string PostgresBinDir() {
  std::error_code ec;
  std::string best;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    std::string bin = e.path().string() + "/bin";
    if (std::filesystem::exists(bin + "/initdb") && bin > best) best = bin;
  }
  return best;
}

std::string LocalPostgres::uri() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/tripmesh";
}

Result<std::string> LocalPostgres::NewDatabase(const std::string& name) {
  auto made = RunToEnd({PostgresBinDir() + "/createdb", "-h", "127.0.0.1", "-p",
                        std::to_string(port_), "-U", "postgres", name},
                       dir_ + "/createdb.log", "createdb " + name);
  if (!made) return tl::unexpected<Error>(made.error());
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

Status LocalPostgres::Sql(const std::string& sql) {
  return RunToEnd(
      {PostgresBinDir() + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
       std::to_string(port_), "-U", "postgres", "-d", "postgres", "-c", sql},
      dir_ + "/psql.log", "psql " + sql);
}

Result<std::unique_ptr<LocalPostgres>> LocalPostgres::StartStandby(const std::string& dir,
                                                                   Replication replication) {
  std::unique_ptr<LocalPostgres> standby(new LocalPostgres());
  standby->dir_ = dir;
  std::filesystem::create_directories(dir + "/socket");
  if (auto st = GiveToServerUser(dir); !st) return tl::unexpected<Error>(st.error());
  // -R: the copy starts as a standby that streams from this server.
  if (auto st = RunToEnd(AsServerUser({PostgresBinDir() + "/pg_basebackup", "-h", "127.0.0.1", "-p",
                                       std::to_string(port_), "-U", "postgres", "-D", dir + "/data",
                                       "-R", "-X", "stream", "-c", "fast"}),
                         dir + "/basebackup.log", "pg_basebackup");
      !st) {
    return tl::unexpected<Error>(st.error());
  }
  standby->port_ = FreeLoopbackPort();
  if (auto st = standby->Launch(); !st) return tl::unexpected<Error>(st.error());
  if (replication == Replication::kSynchronous) {
    for (const char* sql :
         {"ALTER SYSTEM SET synchronous_standby_names = '*'", "SELECT pg_reload_conf()"}) {
      if (auto st = Sql(sql); !st) return tl::unexpected<Error>(st.error());
    }
  }
  // Until the standby streams, a synchronous commit would wait: wait for it.
  for (int i = 0; i < 100; ++i) {
    if (Sql("DO $$ BEGIN IF (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming')"
            " = 0 THEN RAISE EXCEPTION 'not yet'; END IF; END $$")) {
      return standby;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Fail(Errc::kTimeout, "the standby never streamed (see " + dir + "/postgres.log)");
}

Status LocalPostgres::Promote() {
  if (auto st = Sql("SELECT pg_promote(true, 30)"); !st) return st;
  return Sql(
      "DO $$ BEGIN IF pg_is_in_recovery() THEN RAISE EXCEPTION 'still a standby'; END IF;"
      " END $$");
}

Result<std::unique_ptr<LocalPostgres>> LocalPostgres::Start(const std::string& dir) {
  std::string bin = PostgresBinDir();
  if (bin.empty()) {
    return Fail(Errc::kNotFound, "no PostgreSQL under /usr/lib/postgresql: install postgresql");
  }
  std::unique_ptr<LocalPostgres> pg(new LocalPostgres());
  pg->dir_ = dir;
  std::filesystem::create_directories(dir + "/data");
  std::filesystem::create_directories(dir + "/socket");
  if (auto st = GiveToServerUser(dir); !st) return tl::unexpected<Error>(st.error());
  if (auto st = RunToEnd(AsServerUser({bin + "/initdb", "-D", dir + "/data", "-U", "postgres", "-A",
                                       "trust", "-E", "UTF8", "--no-locale"}),
                         dir + "/initdb.log", "initdb");
      !st) {
    return tl::unexpected<Error>(st.error());
  }
  pg->port_ = FreeLoopbackPort();
  if (auto st = pg->Launch(); !st) return tl::unexpected<Error>(st.error());
  // The server takes connections a moment after it listens.
  Status made = Fail(Errc::kTimeout, "createdb never ran");
  for (int i = 0; i < 50 && !made; ++i) {
    made = RunToEnd({bin + "/createdb", "-h", "127.0.0.1", "-p", std::to_string(pg->port_), "-U",
                     "postgres", "tripmesh"},
                    dir + "/createdb.log", "createdb");
    if (!made) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!made) return tl::unexpected<Error>(made.error());
  return pg;
}

Status LocalPostgres::Launch() {
  auto p = Process::Spawn(AsServerUser({PostgresBinDir() + "/postgres", "-D", dir_ + "/data", "-p",
                                        std::to_string(port_), "-k", dir_ + "/socket", "-c",
                                        "listen_addresses=127.0.0.1", "-c", "max_connections=200",
                                        "-c", "shared_buffers=32MB"}),
                          dir_ + "/postgres.log");
  if (!p) return tl::unexpected<Error>(p.error());
  process_ = std::move(*p);
  if (!WaitForPort(port_, std::chrono::seconds(30))) {
    return Fail(Errc::kTimeout, "postgres did not listen on port " + std::to_string(port_) +
                                    " (see " + dir_ + "/postgres.log)");
  }
  return {};
}

LocalPostgres::~LocalPostgres() {
  // SIGINT is PostgreSQL's fast shutdown: sessions end, nothing is lost.
  if (process_ && process_->Running()) {
    process_->Signal(SIGINT);
    if (!process_->Wait(std::chrono::seconds(10))) Kill();
  }
}

void LocalPostgres::Kill() {
  if (!process_) return;
  process_->Signal(SIGKILL);
  process_->Wait(std::chrono::seconds(10));
}

Status LocalPostgres::Restart() {
  if (process_ && process_->Running()) Kill();
  return Launch();
}

}  // namespace tripmesh::harness
