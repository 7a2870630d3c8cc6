#include "protocol_floor.h"

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>

#include "tripmesh/runtime/transport.h"

namespace tripmesh::bench {
namespace {

using Steady = std::chrono::steady_clock;

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    Die(std::string("floor: ") + sql + ": " + msg);
  }
}

std::unique_ptr<runtime::Transport> Client(const std::string& broker, const std::string& id) {
  auto t = PlainClient(broker, id);
  if (!t->Connect(std::chrono::seconds(5))) Die("floor: cannot connect to " + broker);
  return t;
}

}  // namespace

Latencies ProtocolFloor(const std::string& broker, const std::string& dir, FloorOptions options,
                        double warmup, double seconds) {
  sqlite3* db = nullptr;
  std::string path = dir + "/floor.db";
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die("floor: cannot open " + path);
  Exec(db, "PRAGMA journal_mode=WAL");
  Exec(db, options.sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  Exec(db, "CREATE TABLE IF NOT EXISTS steps(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO steps(body) VALUES(?)", -1, &insert, nullptr);
  const std::string body(600, 'b');  // about a saga row's size

  auto responder = Client(broker, "bench-floor-responder");
  auto requester = Client(broker, "bench-floor-requester");
  responder->SetReceiver([&](runtime::InboundMessage) {
    (void)responder->Publish({.topic = "bench/floor/reply", .payload = std::string(700, 'r')});
  });
  std::mutex mu;
  std::condition_variable cv;
  bool answered = false;
  requester->SetReceiver([&](runtime::InboundMessage) {
    std::lock_guard lock(mu);
    answered = true;
    cv.notify_one();
  });
  if (!responder->Subscribe("bench/floor/req", 1) ||
      !requester->Subscribe("bench/floor/reply", 1)) {
    Die("floor: cannot subscribe");
  }
  auto round_trip = [&] {
    {
      std::lock_guard lock(mu);
      answered = false;
    }
    if (!requester->Publish({.topic = "bench/floor/req", .payload = std::string(400, 'q')})) {
      Die("floor: publish");
    }
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return answered; })) {
      Die("floor: no reply within 10 s");
    }
  };
  auto commit = [&] {
    Exec(db, "BEGIN IMMEDIATE");
    sqlite3_reset(insert);
    sqlite3_bind_text(insert, 1, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) Die("floor: insert");
    Exec(db, "COMMIT");
  };

  Latencies out;
  auto start = Steady::now();
  auto from =
      start + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(warmup));
  auto until =
      from + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seconds));
  while (Steady::now() < until) {
    auto t0 = Steady::now();
    for (int i = 0; i < std::max(options.round_trips, options.commits); ++i) {
      if (i < options.commits) commit();
      if (i < options.round_trips) round_trip();
    }
    auto t1 = Steady::now();
    if (t0 >= from && t1 <= until)
      out.Add(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  requester->Disconnect();
  responder->Disconnect();
  return out;
}

}  // namespace tripmesh::bench
