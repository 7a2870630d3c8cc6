#include "checkpointer.h"

#include <sqlite3.h>

#include "tripmesh/runtime/host.h"
#include "tripmesh/runtime/log.h"

namespace tripmesh::runtime {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path, sqlite3* writer,
                                                          int pages) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Fail(Errc::kInternal, "cannot open database " + path + " to checkpoint: " + msg);
  }
  // A connection finds the log only once it has read the database.
  if (sqlite3_exec(db, "PRAGMA schema_version", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    return Fail(Errc::kInternal, "cannot read database " + path + " to checkpoint: " + msg);
  }
  std::unique_ptr<Checkpointer> c(new Checkpointer(db, writer, pages));
  sqlite3_wal_hook(writer, &Checkpointer::OnCommit, c.get());
  c->thread_ = std::thread([p = c.get()] {
    NameThisThread("checkpoint");
    p->Run();
  });
  return c;
}

Checkpointer::Checkpointer(sqlite3* db, sqlite3* writer, int pages)
    : db_(db), writer_(writer), pages_(pages) {}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  sqlite3_close(db_);
}

// On the committing thread, right after its commit. The commit's own
// checkpoints run under `running_`, as the thread's do: two at once would
// leave one of them refused (SQLITE_BUSY) and the log growing.
int Checkpointer::OnCommit(void* self, sqlite3* writer, const char* schema, int pages) {
  auto* c = static_cast<Checkpointer*>(self);
  if (pages >= kFallbackFactor * c->pages_) {
    std::lock_guard run(c->running_);
    sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  if (c->catch_up_.load()) {
    std::unique_lock run(c->running_, std::try_to_lock);
    if (run.owns_lock()) {
      c->catch_up_ = false;
      sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      return SQLITE_OK;
    }
  }
  if (pages < c->pages_ || c->signalled_.exchange(true)) return SQLITE_OK;
  {
    std::lock_guard lock(c->mu_);
    c->wanted_ = true;
  }
  c->cv_.notify_one();
  return SQLITE_OK;
}

void Checkpointer::Run() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return wanted_ || stopping_; });
      if (stopping_) return;
      wanted_ = false;
    }
    // Each pass copies what commits wrote during the last one, so a few
    // passes usually find the log whole, and the next commit starts it over.
    std::lock_guard run(running_);
    int log = 0, copied = 0, rc = SQLITE_OK;
    for (int pass = 0; pass < kPasses && rc == SQLITE_OK && (pass == 0 || copied < log); ++pass) {
      rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    }
    if (rc == SQLITE_OK && copied < log) catch_up_ = true;
    // BUSY: another checkpoint is running; the next commit asks again.
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      Log(LogLevel::kWarn, "checkpoint failed: {}", sqlite3_errmsg(db_));
    }
    ++checkpoints_;
    signalled_ = false;
  }
}

}  // namespace tripmesh::runtime
