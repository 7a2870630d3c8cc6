// One writer per store: an advisory lock (flock) on "<store>.lock", held for
// the life of the process that took it. The kernel drops it when the process
// ends, however it ends, so a crash never leaves a stale lock behind; the
// file's text only says who holds it (pid, host, since), for the refusal.
// Thread safety: a StoreLock is not shared; the lock is the process's.
#pragma once

#include <memory>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"

namespace tripmesh::runtime {

class StoreLock {
 public:
  // Takes the lock of the store at `store_path` for `owner` (e.g. "company
  // voltpoint"), or kConflict naming the process that holds it.
  [[nodiscard]] static Result<std::unique_ptr<StoreLock>> Acquire(const std::string& store_path,
                                                                  const std::string& owner);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  StoreLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace tripmesh::runtime
