#include "protocol_floor.h"

#include <sqlite3.h>
#include <sys/resource.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

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

// One company's store: one-row transactions, as a saga step writes.
class FloorStore {
 public:
  FloorStore(const std::string& path, bool sync_full) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) Die("floor: cannot open " + path);
    Exec(db_, "PRAGMA journal_mode=WAL");
    Exec(db_, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    Exec(db_, "CREATE TABLE IF NOT EXISTS steps(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    sqlite3_prepare_v2(db_, "INSERT INTO steps(body) VALUES(?)", -1, &insert_, nullptr);
  }
  ~FloorStore() {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }
  FloorStore(const FloorStore&) = delete;
  FloorStore& operator=(const FloorStore&) = delete;

  void Commit(int rows = 1) {
    Exec(db_, "BEGIN IMMEDIATE");
    for (int i = 0; i < rows; ++i) {
      sqlite3_reset(insert_);
      sqlite3_bind_text(insert_, 1, body_.data(), static_cast<int>(body_.size()), SQLITE_STATIC);
      if (sqlite3_step(insert_) != SQLITE_DONE) Die("floor: insert");
    }
    Exec(db_, "COMMIT");
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  const std::string body_ = std::string(600, 'b');  // about a saga row's size
};

// The participants of a step: the caller commits the first store, a thread
// of its own each of the others, all at once; Commit returns when all did.
class Participants {
 public:
  Participants(const std::string& dir, int n, bool sync_full) {
    for (int i = 0; i < std::max(n, 1); ++i) {
      stores_.push_back(std::make_unique<FloorStore>(
          dir + "/floor-participant-" + std::to_string(i) + ".db", sync_full));
    }
    for (std::size_t i = 1; i < stores_.size(); ++i) threads_.emplace_back([this, i] { Run(i); });
  }
  ~Participants() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  Participants(const Participants&) = delete;
  Participants& operator=(const Participants&) = delete;

  void Commit() {
    {
      std::lock_guard lock(mu_);
      ++generation_;
      pending_ = static_cast<int>(threads_.size());
    }
    cv_.notify_all();
    stores_.front()->Commit();
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [&] { return pending_ == 0; });
  }

 private:
  void Run(std::size_t i) {
    long seen = 0;
    while (true) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
      }
      stores_[i]->Commit();
      std::lock_guard lock(mu_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }

  std::vector<std::unique_ptr<FloorStore>> stores_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  long generation_ = 0;
  int pending_ = 0;
  bool stopping_ = false;
};

}  // namespace

WriteCost WriteCostOf(const std::string& dir, int rows_per_commit, bool sync_full, double seconds) {
  FloorStore store(dir + "/floor-writes.db", sync_full);
  rows_per_commit = std::max(rows_per_commit, 1);
  store.Commit(rows_per_commit);  // the table's first pages, outside the count
  long rows = 0;
  WriteCost before = UsageSoFar(RUSAGE_THREAD);
  auto until = Steady::now() +
               std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seconds));
  while (Steady::now() < until) {
    store.Commit(rows_per_commit);
    rows += rows_per_commit;
  }
  WriteCost after = UsageSoFar(RUSAGE_THREAD);
  auto n = static_cast<double>(rows);
  return {.cpu_ms = (after.cpu_ms - before.cpu_ms) / n,
          .switches = (after.switches - before.switches) / n};
}

Latencies ProtocolFloor(const std::string& broker, const std::string& dir, FloorOptions options,
                        double warmup, double seconds) {
  FloorStore coordinator(dir + "/floor.db", options.sync_full);
  Participants participants(dir, options.participants, options.sync_full);

  auto responder = Client(broker, "bench-floor-responder");
  auto requester = Client(broker, "bench-floor-requester");
  responder->SetReceiver([&](const runtime::InboundMessage&) {
    (void)responder->Publish({.topic = "bench/floor/reply", .payload = std::string(700, 'r')});
  });
  std::mutex mu;
  std::condition_variable cv;
  bool answered = false;
  requester->SetReceiver([&](const runtime::InboundMessage&) {
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
  // The coordinator writes before its requests and its commits (the first
  // and third commits), the participants before their acks.
  auto commit = [&](int i) { i % 2 == 0 ? coordinator.Commit() : participants.Commit(); };

  Latencies out;
  auto start = Steady::now();
  auto from =
      start + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(warmup));
  auto until =
      from + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seconds));
  while (Steady::now() < until) {
    auto t0 = Steady::now();
    for (int i = 0; i < std::max(options.round_trips, options.commits); ++i) {
      if (i < options.commits) commit(i);
      if (i < options.round_trips) round_trip();
    }
    auto t1 = Steady::now();
    if (t0 >= from && t1 <= until)
      out.Add(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  requester->Disconnect();
  responder->Disconnect();
  return out;
}

}  // namespace tripmesh::bench
