// Child processes and a local mosquitto, for the demo and the integration
// tests (which run real agents and a real broker, never mocks).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tripmesh/base/result.h"

namespace tripmesh::harness {

class Process {
 public:
  // Starts argv[0] (searched on PATH) with stdout and stderr appended to
  // `log_path`, or inherited when it is empty.
  [[nodiscard]] static Result<std::unique_ptr<Process>> Spawn(std::vector<std::string> argv,
                                                              const std::string& log_path = "");
  ~Process();  // SIGTERM, then SIGKILL after a grace period, if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits for the exit; false on timeout. `status` is the exit code, or 128+signal.
  bool Wait(std::chrono::milliseconds timeout, int* status = nullptr);
  bool Running();
  // SIGTERM, wait up to `grace`, then SIGKILL.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  explicit Process(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
  int status_ = 0;
};

// Whether a listener could bind 127.0.0.1:port now: the port, else 0 (with
// port 0, one the kernel picks).
int TryBindLoopback(int port);
// A free TCP port on 127.0.0.1 (bound once to find it, then released).
int FreeLoopbackPort();
// The path of the running executable.
std::string SelfExe();

// A mosquitto config `line` moved from listening on `from` to `to`; any other
// line as it is. The whole port is matched: 18837 is not 1883.
std::string MoveListener(const std::string& line, int from, int to);

// A mosquitto on 127.0.0.1 and a free port, with its own persistence folder.
class LocalBroker {
 public:
  LocalBroker(const LocalBroker&) = delete;
  LocalBroker& operator=(const LocalBroker&) = delete;
  // `conf` is a mosquitto config whose "listener 1883" line is rewritten to
  // `port` (0: a free one), and its "listener 9001" (websockets), if any, to a
  // free one; empty: the built-in development config.
  [[nodiscard]] static Result<std::unique_ptr<LocalBroker>> Start(const std::string& dir,
                                                                  const std::string& conf = "",
                                                                  int port = 0);
  ~LocalBroker();
  int port() const { return port_; }
  int ws_port() const { return ws_port_; }  // 0: the config has no websockets listener
  std::string uri() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  void Kill();                     // SIGKILL
  [[nodiscard]] Status Restart();  // start again on the same port and persistence folder

 private:
  LocalBroker() = default;
  [[nodiscard]] Status Launch();
  std::string dir_, conf_path_;
  int port_ = 0, ws_port_ = 0;
  std::unique_ptr<Process> process_;
};

// True once something accepts TCP connections on 127.0.0.1:port.
bool WaitForPort(int port, std::chrono::milliseconds timeout);

}  // namespace tripmesh::harness
