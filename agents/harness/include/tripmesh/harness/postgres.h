// A throwaway PostgreSQL server for the tests and the benchmarks: initdb in
// its own folder, the server on 127.0.0.1 and a free port (as the `postgres`
// user when run as root, since the server refuses to run as root), and one
// database, "tripmesh". Real servers from Debian's packages, never mocks.
#pragma once

#include <memory>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/harness/process.h"

namespace tripmesh::harness {

class LocalPostgres {
 public:
  LocalPostgres(const LocalPostgres&) = delete;
  LocalPostgres& operator=(const LocalPostgres&) = delete;
  [[nodiscard]] static Result<std::unique_ptr<LocalPostgres>> Start(const std::string& dir);
  ~LocalPostgres();
  int port() const { return port_; }
  // postgresql://postgres@127.0.0.1:<port>/tripmesh
  std::string uri() const;
  // A new empty database `name` on this server, and its URI.
  [[nodiscard]] Result<std::string> NewDatabase(const std::string& name);
  enum class Replication {
    kSynchronous,  // this server's commits wait until the standby has them
    kAsynchronous
  };
  // A hot standby of this server in `dir` (pg_basebackup, streaming), on a
  // port of its own. Synchronous (synchronous_standby_names): a commit that
  // returned is on both.
  [[nodiscard]] Result<std::unique_ptr<LocalPostgres>> StartStandby(
      const std::string& dir, Replication replication = Replication::kSynchronous);
  // Makes a standby the primary (pg_promote), and waits until it takes writes.
  [[nodiscard]] Status Promote();
  // Runs one SQL statement on this server's "postgres" database.
  [[nodiscard]] Status Sql(const std::string& sql);
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  void Kill();                     // SIGKILL
  [[nodiscard]] Status Restart();  // start again on the same port and data folder

 private:
  LocalPostgres() = default;
  [[nodiscard]] Status Launch();
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// The folder of Debian's PostgreSQL programs (initdb, postgres...), or "".
std::string PostgresBinDir();

}  // namespace tripmesh::harness
