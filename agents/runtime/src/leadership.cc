#include "tripmesh/runtime/leadership.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <thread>
#include <vector>

#include "tripmesh/runtime/host.h"

namespace tripmesh::runtime {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

constexpr const char* kTable =
    "CREATE TABLE IF NOT EXISTS leases(name TEXT PRIMARY KEY, epoch BIGINT NOT NULL,"
    " holder TEXT NOT NULL, lease_until TIMESTAMPTZ NOT NULL)";
// A lease that has run out (or none yet) goes to the claimant with the next epoch.
constexpr const char* kClaim =
    "INSERT INTO leases AS l(name, epoch, holder, lease_until)"
    " VALUES($1, 1, $2, clock_timestamp() + $3::interval)"
    " ON CONFLICT (name) DO UPDATE SET epoch = l.epoch + 1, holder = excluded.holder,"
    " lease_until = excluded.lease_until WHERE l.lease_until < clock_timestamp()"
    " RETURNING epoch";
// Its own epoch renews even a lease that ran out: nobody took it meanwhile.
constexpr const char* kRenew =
    "UPDATE leases SET lease_until = clock_timestamp() + $3::interval"
    " WHERE name = $1 AND epoch = $2";
constexpr const char* kRelease =
    "UPDATE leases SET lease_until = clock_timestamp() - interval '1 second'"
    " WHERE name = $1 AND epoch = $2";

ResultPtr Run(PGconn* conn, const char* sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  return ResultPtr(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(),
                                nullptr, nullptr, 0),
                   &PQclear);
}

bool Ok(const ResultPtr& r) {
  auto s = PQresultStatus(r.get());
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::string Said(PGconn* conn) {
  std::string msg = PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

std::string Interval(std::chrono::milliseconds d) {
  return fmt::format("{} milliseconds", d.count());
}

}  // namespace

Result<std::unique_ptr<Leadership>> Leadership::Claim(
    const std::string& uri, const std::string& name, const std::string& holder, WhenHeld when_held,
    LeaseOptions options, const std::function<void(const std::string&)>& waiting,
    const std::function<bool()>& stop) {
  PGconn* conn = PQconnectdb(uri.c_str());
  auto fail = [&](Errc code, const std::string& msg) {
    PQfinish(conn);
    return Fail(code, msg);
  };
  if (PQstatus(conn) != CONNECTION_OK) {
    return fail(Errc::kInternal, "cannot open database: " + Said(conn));
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  if (!Ok(Run(conn, kTable, {}))) return fail(Errc::kInternal, "leases: " + Said(conn));
  bool stand_by = when_held == WhenHeld::kStandBy;
  bool told = false;
  // A holder that renews no more within one lease was gone already (an agent
  // restarted after a crash takes its own lease back); one that does is live.
  auto give_up = std::chrono::steady_clock::now() + options.lease + 2 * options.poll_every;
  while (true) {
    auto claimed = Run(conn, kClaim, {name, holder, Interval(options.lease)});
    if (!Ok(claimed)) {
      // Two claimants creating the row at once: one of them looks again.
      if (PQstatus(conn) == CONNECTION_BAD) return fail(Errc::kInternal, Said(conn));
    } else if (PQntuples(claimed.get()) == 1) {
      std::int64_t epoch = std::strtoll(PQgetvalue(claimed.get(), 0, 0), nullptr, 10);
      return std::unique_ptr<Leadership>(new Leadership(conn, name, epoch, options));
    }
    auto who = Run(conn, "SELECT holder FROM leases WHERE name = $1", {name});
    std::string by = Ok(who) && PQntuples(who.get()) == 1 ? PQgetvalue(who.get(), 0, 0) : "";
    if (!stand_by && std::chrono::steady_clock::now() > give_up) {
      return fail(Errc::kConflict,
                  fmt::format("the database is in use by {}; one agent serves a company: stop "
                              "that one first, or start this one with --standby",
                              by.empty() ? "another agent of " + name : by));
    }
    if (stand_by && !told && waiting) waiting(by);
    told = told || stand_by;
    if (stop && stop()) return fail(Errc::kTimeout, "stopped while standing by");
    std::this_thread::sleep_for(options.poll_every);
  }
}

Leadership::~Leadership() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  if (!lost_once_.load()) (void)Run(conn_, kRelease, {name_, std::to_string(epoch_)});
  PQfinish(conn_);
}

void Leadership::KeepAlive(std::function<void(const std::string& why)> lost) {
  lost_ = std::move(lost);
  renewer_ = std::thread([this] {
    NameThisThread("lease");
    Renew();
  });
}

void Leadership::Renew() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, options_.renew_every, [&] { return stopping_; })) {
    lock.unlock();
    auto res = Run(conn_, kRenew, {name_, std::to_string(epoch_), Interval(options_.lease)});
    std::string why;
    bool answered = Ok(res);
    if (answered && std::string_view(PQcmdTuples(res.get())) != "1") {
      why = "another instance took the lease";
    } else if (!answered && PQstatus(conn_) == CONNECTION_BAD) {
      // The database went away (or failed over): renew on a new connection.
      // Meanwhile this agent writes nothing (its writes are fenced), and once
      // back it serves on only if nobody took the lease in between.
      PQreset(conn_);
    }
    lock.lock();
    if (!why.empty()) {
      if (!lost_once_.exchange(true) && lost_) {
        lock.unlock();
        lost_(why);
        lock.lock();
      }
      return;
    }
  }
}

Status Leadership::Fence(Tx& tx) const {
  bool holds = false;
  auto st = tx.Query(
      "SELECT 1 FROM leases WHERE name = ? AND epoch = ? AND lease_until > clock_timestamp()"
      " FOR SHARE",
      {name_, epoch_}, [&](const Row&) { holds = true; });
  if (!st) return st;
  if (!holds) {
    return Fail(Errc::kInternal,
                "fenced: the lease of epoch " + std::to_string(epoch_) + " is no longer held");
  }
  return {};
}

}  // namespace tripmesh::runtime
