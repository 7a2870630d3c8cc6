// This machine and its processes, as a refusal names them.
#pragma once

#include <cstdint>
#include <string>

namespace tripmesh::runtime {

// This machine's host name, or "" when it cannot be read.
std::string HostName();
// True when no process `pid` runs on this machine any more.
bool ProcessIsGone(std::int64_t pid);
// Names the calling thread as `top -H`, `ps -L` and profilers show it (the
// kernel keeps 15 characters): "lane-3", "net", "checkpoint"...
void NameThisThread(const std::string& name);

}  // namespace tripmesh::runtime
