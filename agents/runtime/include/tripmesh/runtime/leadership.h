// One serving agent among several on one PostgreSQL database: a lease row
// with a fencing epoch. The leader renews its lease on a connection and a
// thread of its own; a standby polls until the lease has run out and takes
// it with the next epoch. Every write transaction of the leader first checks,
// on the writer's connection, that its epoch still holds an unexpired lease
// (Fence), and keeps that row share-locked until it commits, so a takeover
// waits for it and no write of an older epoch lands after one. A leader frozen
// in the middle of a transaction loses its session to the server's
// idle-in-transaction timeout (the store sets it), so the lock cannot outlive
// the freeze. Times are the database's (clock_timestamp()), so the agents'
// clocks need not agree.
// Thread safety: Fence may run on any thread; the rest on the owner's.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tripmesh/base/result.h"
#include "tripmesh/runtime/store.h"

struct pg_conn;  // libpq's PGconn

namespace tripmesh::runtime {

struct LeaseOptions {
  std::chrono::milliseconds lease{1500};       // how long a leader serves without renewing
  std::chrono::milliseconds renew_every{400};  // well inside the lease
  std::chrono::milliseconds poll_every{200};   // a standby's look at the lease
};

// What a claim does while another agent holds a live lease.
enum class WhenHeld { kRefuse, kStandBy };

class Leadership {
 public:
  // Takes the lease `name` (e.g. "company voltpoint") on the database at `uri`
  // for `holder` (who: host, pid). When it is held, it waits one lease for it
  // to run out (a holder that died); when it is still renewed then, the holder
  // is live: kConflict naming it (kRefuse), or (kStandBy) polls until it is free, calling
  // `waiting` with the holder once, and gives up (kTimeout) when `stop`
  // says so.
  [[nodiscard]] static Result<std::unique_ptr<Leadership>> Claim(
      const std::string& uri, const std::string& name, const std::string& holder,
      WhenHeld when_held, LeaseOptions options = {},
      const std::function<void(const std::string&)>& waiting = {},
      const std::function<bool()>& stop = {});
  // Stops renewing and lets the lease go at once, so a standby takes over
  // without waiting for it to run out (unless the lease was lost).
  ~Leadership();
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  std::int64_t epoch() const { return epoch_; }
  // Renews the lease until destroyed. `lost` is called once, from the
  // renewing thread, when a renewal finds another epoch in the row. While the
  // database cannot be reached it keeps trying (a failover): writes are
  // fenced meanwhile, and it serves on only if nobody took the lease.
  void KeepAlive(std::function<void(const std::string& why)> lost);
  // The first statement of each write transaction: kInternal ("fenced")
  // unless this epoch still holds an unexpired lease.
  [[nodiscard]] Status Fence(Tx& tx) const;

 private:
  Leadership(::pg_conn* conn, std::string name, std::int64_t epoch, LeaseOptions options)
      : conn_(conn), name_(std::move(name)), epoch_(epoch), options_(options) {}
  void Renew();

  ::pg_conn* conn_;
  std::string name_;
  std::int64_t epoch_;
  LeaseOptions options_;
  std::function<void(const std::string&)> lost_;
  std::atomic<bool> lost_once_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread renewer_;
};

}  // namespace tripmesh::runtime
