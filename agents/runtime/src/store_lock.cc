#include "tripmesh/runtime/store_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

#include "tripmesh/runtime/host.h"
#include "tripmesh/runtime/local_time.h"

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

}  // namespace

Result<std::unique_ptr<StoreLock>> StoreLock::Acquire(const std::string& store_path,
                                                      const std::string& owner) {
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
  std::string text = fmt::format("{}, pid {} on {}, since {}\n", owner, getpid(),
                                 HostName().empty() ? "an unknown host" : HostName(), LocalNow());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, text.data(), text.size(), 0) < 0) {
    // The lock holds all the same; only the refusal of a second agent reads less.
  }
  return std::unique_ptr<StoreLock>(new StoreLock(fd, std::move(path)));
}

StoreLock::~StoreLock() { ::close(fd_); }

}  // namespace tripmesh::runtime
