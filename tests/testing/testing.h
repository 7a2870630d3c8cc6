// Test-only helpers: temp folders, the tripmesh binary, a real broker, real
// company agents as child processes, and a recorder of every message on the
// tree (its log is checked against schemas/ after the integration tests).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/core/world.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/vehicle/vehicle_client.h"

namespace tripmesh::testing {

std::string SourceDir();
std::string BinaryDir();  // the build tree
// The default world of data/, loaded once per test binary.
const core::World& DefaultWorld();
std::string DataDir();
std::string TripmeshBinary();
// A fresh folder under the build tree, unique to this process and call.
std::string NewTempDir(const std::string& name);
// NewTempDir named after the running test ("Suite-Name", '/' as '-').
std::string NewTestDir();

// Where a store lives: the suites that own the store's behaviour run on both.
enum class Backend { kSqlite, kPostgres };
std::string BackendName(Backend b);  // "sqlite", "postgresql": a test parameter's name
void PrintTo(Backend b, std::ostream* os);
// A suite on every backend:
//   INSTANTIATE_TEST_SUITE_P(Backends, MyTest, EveryBackend(), NameOfBackend());
inline auto EveryBackend() { return ::testing::Values(Backend::kSqlite, Backend::kPostgres); }
struct NameOfBackend {
  std::string operator()(const ::testing::TestParamInfo<Backend>& info) const {
    return BackendName(info.param);
  }
};
// A new empty store of `b`: a SQLite file in a fresh folder, or a fresh
// database on this test binary's own PostgreSQL server (started at first use).
std::string NewStore(Backend b, const std::string& name);

// Records every message under tripmesh/v1/# and appends it to
// <build>/emitted/<name>.jsonl as "topic<TAB>payload" lines.
class Recorder {
 public:
  static std::unique_ptr<Recorder> Start(const std::string& broker, const std::string& name,
                                         const std::string& username = "",
                                         const std::string& password = "");
  // With these connection options (TLS, an account).
  static std::unique_ptr<Recorder> Start(runtime::TransportOptions o, const std::string& name);
  // Named after the running test ("Suite.Name").
  static std::unique_ptr<Recorder> ForThisTest(const std::string& broker);
  ~Recorder();
  std::vector<runtime::InboundMessage> Messages();
  bool WaitFor(const std::function<bool(const runtime::InboundMessage&)>& match,
               std::chrono::milliseconds timeout);
  // A malformed message the test is about to publish on purpose: kept in
  // Messages(), left out of the log that is checked against the schemas
  // (that check is about what tripmesh emits). Once per publish.
  void Unchecked(const std::string& topic, const std::string& payload);

 private:
  std::unique_ptr<runtime::Transport> transport_;
  std::mutex mu_;
  std::vector<runtime::InboundMessage> messages_;
  std::multiset<std::pair<std::string, std::string>> unchecked_;
  std::FILE* log_ = nullptr;
};

// Starts `tripmesh company` and waits until its retained status says online.
std::unique_ptr<harness::Process> StartCompany(const std::string& id, const std::string& broker,
                                               const std::string& dir,
                                               std::vector<std::string> extra = {});
// Starts it with `extra` flags, and watches its status with `watch`.
std::unique_ptr<harness::Process> StartCompany(const std::string& id,
                                               const runtime::TransportOptions& watch,
                                               const std::string& dir,
                                               std::vector<std::string> extra);
bool WaitOnline(const std::string& broker, const std::string& company, bool online = true,
                std::chrono::milliseconds timeout = std::chrono::seconds(20),
                const std::string& username = "", const std::string& password = "");
bool WaitOnline(runtime::TransportOptions o, const std::string& company, bool online = true,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

std::unique_ptr<vehicle::VehicleClient> ConnectVehicle(
    const std::string& broker, const std::string& id, const std::string& home,
    const std::string& password = "", std::chrono::milliseconds timeout = std::chrono::seconds(20));
// With these connection options (TLS, an account).
std::unique_ptr<vehicle::VehicleClient> ConnectVehicle(
    const runtime::TransportOptions& mqtt, const std::string& id, const std::string& home,
    std::chrono::milliseconds timeout = std::chrono::seconds(20));

// What `request` answers once its client has heard the restarted home
// company say online. A long-lived client learns it from the status topic a
// moment after the test's own watcher does, and until then answers kOffline
// at once (as it should: the company was offline when it last heard).
template <typename Request>
auto OnceHomeIsBack(Request request, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto r = request();
    if (r || r.error().code != Errc::kOffline || std::chrono::steady_clock::now() > deadline) {
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The whitespace-separated words of `text`.
std::vector<std::string> Words(std::string_view text);
// The line of `text` that starts (after spaces) with `start`, at or after
// offset `from`; "" when none.
std::string LineStartingWith(const std::string& text, const std::string& start,
                             std::size_t from = 0);

// Runs a shell command and returns its exit code and standard output.
int RunCommand(const std::string& command, std::string* output = nullptr);

// "leg/seat" -> owner of every seat an airline's store (a SQLite file) has
// sold or holds, read while its agent runs.
std::map<std::string, std::string> AirSeatsIn(const std::string& db);

}  // namespace tripmesh::testing
