#include "tripmesh/runtime/store.h"

#include "postgres_store.h"
#include "sqlite_store.h"

namespace tripmesh::runtime {

// A queued write. `finished`, `lead` and `result` are guarded by Store::mu_.
struct Store::Job {
  std::function<Status(Tx&)> work;
  std::condition_variable cv;
  bool finished = false;  // its transaction has ended; `result` is final
  bool lead = false;      // the previous leader handed the queue to it
  Status result;
};

std::int64_t Row::Int(std::size_t i) const {
  const Value& v = cols_.at(i);
  if (auto* p = std::get_if<std::int64_t>(&v)) return *p;
  if (auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  return 0;
}

double Row::Real(std::size_t i) const {
  const Value& v = cols_.at(i);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  return 0;
}

std::string Row::Str(std::size_t i) const {
  const Value& v = cols_.at(i);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

Result<bool> HasTable(Tx& tx, const std::string& name) {
  bool present = false;
  auto st = tx.Query(tx.kind() == StoreKind::kPostgres
                         ? "SELECT 1 FROM information_schema.tables WHERE table_name = ?"
                           " AND table_schema = current_schema()"
                         : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                     {name}, [&](const Row&) { present = true; });
  if (!st) return tl::unexpected<Error>(st.error());
  return present;
}

Result<bool> HasColumn(Tx& tx, const std::string& table, const std::string& column) {
  bool present = false;
  auto st = tx.kind() == StoreKind::kPostgres
                ? tx.Query(
                      "SELECT 1 FROM information_schema.columns WHERE table_name = ?"
                      " AND column_name = ? AND table_schema = current_schema()",
                      {table, column}, [&](const Row&) { present = true; })
                : tx.Query("SELECT name FROM pragma_table_info(?)", {table},
                           [&](const Row& row) { present = present || row.Str(0) == column; });
  if (!st) return tl::unexpected<Error>(st.error());
  return present;
}

bool IsPostgresUri(std::string_view where) {
  return where.starts_with("postgresql://") || where.starts_with("postgres://");
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& where, StoreOptions options) {
  if (IsPostgresUri(where)) return OpenPostgresStore(where, std::move(options));
  return OpenSqliteStore(where, std::move(options));
}

Store::~Store() = default;

void Store::StopWriting() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  idle_cv_.wait(lock, [&] { return !leading_; });
}

Status Store::Write(std::function<Status(Tx&)> work) { return Write(std::move(work), {}); }

Status Store::Write(std::function<Status(Tx&)> work, const std::function<void()>& queued) {
  auto job = std::make_shared<Job>();
  job->work = std::move(work);
  bool lead;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      if (queued) queued();
      return Fail(Errc::kInternal, "store is closing");
    }
    queue_.push_back(job);
    lead = !leading_;
    leading_ = true;
  }
  if (queued) queued();
  if (!lead) {
    std::unique_lock lock(mu_);
    job->cv.wait(lock, [&] { return job->finished || job->lead; });
    if (job->finished) return std::move(job->result);
  }
  // This caller's job is at the head of the queue (it found the store idle,
  // or was handed the queue as its oldest waiter), so this batch takes it.
  std::vector<std::shared_ptr<Job>> batch;
  {
    std::lock_guard lock(mu_);
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  CommitBatch(batch);
  std::shared_ptr<Job> next;
  {
    std::lock_guard lock(mu_);
    ++stats_.commits;
    stats_.writes += static_cast<std::int64_t>(batch.size());
    for (auto& j : batch) j->finished = true;
    // Hand the queue on to the oldest waiter, rather than keep committing for
    // others while this caller's own reply waits.
    if (queue_.empty()) {
      leading_ = false;
      idle_cv_.notify_all();  // under the lock: the destructor may be waiting
    } else {
      next = queue_.front();
      next->lead = true;
    }
  }
  for (auto& j : batch) {
    if (j != job) j->cv.notify_one();
  }
  if (next) next->cv.notify_one();
  return std::move(job->result);
}

void Store::CommitBatch(std::vector<std::shared_ptr<Job>>& batch) {
  Tx& tx = Writer();
  Status begun = Control(BeginSql());
  if (begun && options_.fence) {
    if (Status fenced = options_.fence(tx); !fenced) {
      (void)Control("ROLLBACK");
      begun = fenced;  // every job below fails with it
    }
  }
  for (auto& job : batch) {
    if (!begun) {
      job->result = begun;
      continue;
    }
    (void)Control("SAVEPOINT op");
    job->result = job->work(tx);
    if (!job->result) (void)Control("ROLLBACK TO op");
    (void)Control("RELEASE op");
  }
  Status committed = begun ? Commit() : begun;
  if (!committed && begun) (void)Control("ROLLBACK");
  if (!committed) {
    for (auto& job : batch) job->result = committed;
  }
}

StoreStats Store::stats() const {
  std::lock_guard lock(mu_);
  StoreStats s = stats_;
  s.checkpoints = Checkpoints();
  return s;
}

}  // namespace tripmesh::runtime
