// One-line logs on stderr: "2026-11-22T14:05:00Z voltpoint INFO message".
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace tripmesh::runtime {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void SetLogName(std::string_view name);
void SetLogLevel(LogLevel level);
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
  LogLine(level, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace tripmesh::runtime
