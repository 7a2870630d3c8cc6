// What the end-to-end benchmark runs on: a local mosquitto and the three
// company agents as child processes, with their CPU time and memory read from
// /proc, and latencies collected per call.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tripmesh/base/time.h"
#include "tripmesh/crowd/crowd.h"
#include "tripmesh/harness/postgres.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/runtime/transport.h"

namespace tripmesh::bench {

[[noreturn]] void Die(const std::string& message);
Time RealNow();
std::string TempDir(const std::string& prefix);
// How every client of the benchmark reaches `broker`: over TLS (trusting the
// broker's certificate) when the broker is mqtts://.
runtime::TransportOptions ClientOptions(const std::string& broker);
// A plain libmosquitto client with a clean session, not yet connected.
std::unique_ptr<runtime::Transport> PlainClient(const std::string& broker, const std::string& id);

using crowd::Latencies;

// CPU (user and system) and context switches (voluntary or not).
struct ResourceUse {
  double cpu_ms = 0, switches = 0;
};
// So far, of this process (RUSAGE_SELF) or of the calling thread (RUSAGE_THREAD).
ResourceUse UsageSoFar(int who);

// Cores each process used over an interval.
struct CpuShares {
  double wall_s = 0;
  std::map<std::string, double> cores;  // "broker", "agents", "vehicles"
  // The agents' threads' context switches, by the threads' role: "lane",
  // "peer", "net", "checkpoint", ... (a thread's name up to its "-<i>").
  std::map<std::string, double> agent_switches;
  double AgentSwitches() const;  // over every role
  std::string Format() const;
};

struct CpuSnapshot {
  double wall_s = 0;
  std::map<std::string, double> cpu_s;
  std::map<std::string, double> agent_switches;  // so far, over the agents' live threads
  CpuShares Since(const CpuSnapshot& before) const;
};

class Agents {
 public:
  // Starts mosquitto with `conf` and `tripmesh company` for each company, in
  // `dir`, and waits until all three say online. With `tls` the broker's
  // listener takes TLS only, with a certificate made for 127.0.0.1, and every
  // client (agents, vehicles, the raw broker baseline) speaks mqtts://.
  // With `postgresql`, each agent's store is a database of a PostgreSQL
  // server the benchmark starts in `dir` (else a SQLite file).
  static std::unique_ptr<Agents> Start(const std::string& tripmesh, const std::string& data,
                                       const std::string& conf, const std::string& dir,
                                       const std::vector<std::string>& agent_args = {},
                                       bool tls = false, bool postgresql = false);
  // The air profile: `tripmesh airline` for each of the three airlines of
  // <data>/air, on SQLite stores.
  static std::unique_ptr<Agents> StartAirlines(const std::string& tripmesh, const std::string& data,
                                               const std::string& conf, const std::string& dir);
  ~Agents();
  Agents() = default;
  Agents(const Agents&) = delete;
  Agents& operator=(const Agents&) = delete;
  std::string broker_uri() const;
  // Starts a standby of company `c` (PostgreSQL only) and waits until it
  // stands by; SIGKILLs the agent that serves `c` and returns how long until
  // the standby says online on the broker, which then serves `c`.
  double TakeOverMs(const std::string& c);
  // CPU seconds so far of the broker, the agents together, and this process.
  CpuSnapshot SampleCpu() const;
  // Resident and peak memory of each agent, and its store's size.
  std::string MemoryReport() const;
  double MaxAgentRssMiB() const;
  // The consistency checker over the three stores (the companies' or the
  // airlines'), as one line.
  std::string CheckConsistency() const;

 private:
  std::vector<std::string> AgentArgv(const std::string& c) const;
  std::string dir_, tripmesh_, data_;
  std::vector<std::string> agent_args_;
  bool tls_ = false;
  bool air_ = false;
  std::unique_ptr<harness::LocalPostgres> postgres_;
  std::map<std::string, std::string> stores_;  // company -> its store
  std::unique_ptr<harness::LocalBroker> broker_;
  std::map<std::string, std::unique_ptr<harness::Process>> companies_;
};

}  // namespace tripmesh::bench
