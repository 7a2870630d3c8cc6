#include "tripmesh/runtime/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include "tripmesh/base/time.h"

namespace tripmesh::runtime {
namespace {

std::mutex mu;
std::string name = "tripmesh";
std::atomic<LogLevel> min_level{LogLevel::kInfo};

}  // namespace

void SetLogName(std::string_view n) {
  std::lock_guard lock(mu);
  name = n;
}

void SetLogLevel(LogLevel level) { min_level = level; }

void LogLine(LogLevel level, std::string_view message) {
  if (level < min_level) return;
  static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::lock_guard lock(mu);
  std::fprintf(stderr, "%s %s %s %.*s\n", FormatTime(now).c_str(), name.c_str(),
               kNames[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
}

}  // namespace tripmesh::runtime
