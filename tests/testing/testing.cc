#include "testing.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "tripmesh/harness/postgres.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {

std::string SourceDir() { return TRIPMESH_SOURCE_DIR; }
std::string BinaryDir() { return TRIPMESH_BINARY_DIR; }
std::string DataDir() { return SourceDir() + "/data"; }

const core::World& DefaultWorld() {
  static const core::World world = [] {
    auto w = worldfiles::LoadWorld(DataDir());
    if (!w) {
      std::fprintf(stderr, "cannot load the default world: %s\n", w.error().message.c_str());
      std::abort();
    }
    return std::move(*w);
  }();
  return world;
}
std::string TripmeshBinary() { return TRIPMESH_BINARY; }

namespace {

std::mutex temp_mu;
std::vector<std::string> temp_dirs;  // this process's, removed when all its tests pass
std::mutex postgres_mu;
std::unique_ptr<harness::LocalPostgres> postgres;  // one server per test binary

// After the last test: the PostgreSQL server stops, and a binary whose tests
// all passed removes its folders (a failed one keeps them to be looked at), so
// that suites run again and again do not fill the disk.
class TempDirJanitor : public ::testing::Environment {
 public:
  void TearDown() override {
    std::scoped_lock lock(postgres_mu, temp_mu);
    postgres.reset();
    if (!::testing::UnitTest::GetInstance()->Passed()) return;
    std::error_code ec;
    for (const auto& dir : temp_dirs) std::filesystem::remove_all(dir, ec);
    temp_dirs.clear();
  }
};
[[maybe_unused]] ::testing::Environment* const janitor =
    ::testing::AddGlobalTestEnvironment(new TempDirJanitor);

}  // namespace

std::string NewTempDir(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string dir = std::string(TRIPMESH_BINARY_DIR) + "/test-tmp/" + name + "-" +
                    std::to_string(getpid()) + "-" + std::to_string(counter++);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::lock_guard lock(temp_mu);
  temp_dirs.push_back(dir);
  return dir;
}

std::string NewTestDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "-" + info->name();
  for (char& c : name) c = c == '/' ? '-' : c;
  return NewTempDir(name);
}

std::string BackendName(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgresql"; }

void PrintTo(Backend b, std::ostream* os) { *os << BackendName(b); }

std::string NewStore(Backend b, const std::string& name) {
  if (b == Backend::kSqlite) return NewTempDir(name) + "/store.db";
  // One server per test binary, stopped after its last test; a database per store.
  static std::atomic<int> databases{0};
  std::lock_guard lock(postgres_mu);
  if (!postgres) {
    auto started = harness::LocalPostgres::Start(NewTempDir("postgres"));
    if (!started) {
      ADD_FAILURE() << started.error().message;
      return "postgresql://127.0.0.1:1/none";
    }
    postgres = std::move(*started);
  }
  std::string db = "s" + std::to_string(databases++);
  auto uri = postgres->NewDatabase(db);
  if (!uri) {
    ADD_FAILURE() << uri.error().message;
    return "postgresql://127.0.0.1:1/none";
  }
  return *uri;
}

std::unique_ptr<Recorder> Recorder::ForThisTest(const std::string& broker) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return Start(broker, std::string(info->test_suite_name()) + "." + info->name());
}

std::unique_ptr<Recorder> Recorder::Start(const std::string& broker, const std::string& name,
                                          const std::string& username,
                                          const std::string& password) {
  runtime::TransportOptions o;
  o.broker = broker;
  o.username = username;
  o.password = password;
  return Start(std::move(o), name);
}

std::unique_ptr<Recorder> Recorder::Start(runtime::TransportOptions o, const std::string& name) {
  auto r = std::make_unique<Recorder>();
  std::string dir = std::string(TRIPMESH_BINARY_DIR) + "/emitted";
  std::filesystem::create_directories(dir);
  std::string file = name;  // parameterized tests have '/' in their names
  std::replace(file.begin(), file.end(), '/', '_');
  r->log_ = std::fopen((dir + "/" + file + ".jsonl").c_str(), "a");
  EXPECT_TRUE(r->log_) << "cannot write " << dir << "/" << file << ".jsonl";
  // Each line in one append of its own: two recorders of a test (one replaced
  // after a restart, or a second broker's) never split each other's lines,
  // and a test process killed mid-run leaves only whole ones. A recorded line
  // (payload under 64 KiB) fits the buffer.
  if (r->log_) std::setvbuf(r->log_, nullptr, _IOLBF, std::size_t{1} << 17);
  o.client_id = "recorder-" + name + "-" + std::to_string(getpid());
  o.clean_start = true;
  r->transport_ = runtime::NewMosquittoTransport(o);
  auto* raw = r.get();
  r->transport_->SetReceiver([raw](runtime::InboundMessage m) {
    std::lock_guard lock(raw->mu_);
    auto unchecked = raw->unchecked_.find({m.topic, m.payload});
    if (unchecked != raw->unchecked_.end()) {
      raw->unchecked_.erase(unchecked);
    } else if (raw->log_ && m.payload.size() < 65536 && m.payload.find('\n') == std::string::npos) {
      std::fprintf(raw->log_, "%s\t%s\n", m.topic.c_str(), m.payload.c_str());
    }
    raw->messages_.push_back(std::move(m));
  });
  EXPECT_TRUE(r->transport_->Connect(std::chrono::seconds(5)));
  EXPECT_TRUE(r->transport_->Subscribe("tripmesh/v1/#", 1));
  return r;
}

Recorder::~Recorder() {
  transport_->Disconnect();
  if (log_) std::fclose(log_);
}

void Recorder::Unchecked(const std::string& topic, const std::string& payload) {
  std::lock_guard lock(mu_);
  unchecked_.emplace(topic, payload);
}

std::vector<runtime::InboundMessage> Recorder::Messages() {
  std::lock_guard lock(mu_);
  return messages_;
}

bool Recorder::WaitFor(const std::function<bool(const runtime::InboundMessage&)>& match,
                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      for (const auto& m : messages_) {
        if (match(m)) return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool WaitOnline(const std::string& broker, const std::string& company, bool online,
                std::chrono::milliseconds timeout, const std::string& username,
                const std::string& password) {
  runtime::TransportOptions o;
  o.broker = broker;
  o.username = username;
  o.password = password;
  return WaitOnline(std::move(o), company, online, timeout);
}

bool WaitOnline(runtime::TransportOptions o, const std::string& company, bool online,
                std::chrono::milliseconds timeout) {
  o.client_id = "wait-" + company + "-" + std::to_string(getpid());
  o.clean_start = true;
  auto t = runtime::NewMosquittoTransport(o);
  std::atomic<bool> seen{false};
  t->SetReceiver([&](runtime::InboundMessage m) {
    auto s = schemas::Decode<schemas::CompanyStatus>(m.payload);
    if (s && s->online == online) seen = true;
  });
  if (!t->Connect(std::chrono::seconds(5))) return false;
  // A retained status is re-sent on every subscribe: poll by resubscribing.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    (void)t->Subscribe("tripmesh/v1/companies/" + company + "/status", 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  t->Disconnect();
  return seen;
}

std::unique_ptr<harness::Process> StartCompany(const std::string& id, const std::string& broker,
                                               const std::string& dir,
                                               std::vector<std::string> extra) {
  runtime::TransportOptions watch;
  watch.broker = broker;
  return StartCompany(id, watch, dir, std::move(extra));
}

std::unique_ptr<harness::Process> StartCompany(const std::string& id,
                                               const runtime::TransportOptions& watch,
                                               const std::string& dir,
                                               std::vector<std::string> extra) {
  const std::string& broker = watch.broker;
  std::vector<std::string> argv = {TripmeshBinary(), "company", "--id",   id,
                                   "--broker",       broker,    "--data", DataDir()};
  // A store of the caller's (--db in `extra`), or a SQLite file in `dir`.
  if (std::find(extra.begin(), extra.end(), "--db") == extra.end()) {
    argv.insert(argv.end(), {"--db", dir + "/" + id + ".db"});
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto p = harness::Process::Spawn(argv, dir + "/" + id + ".log");
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  if (!p) return nullptr;
  EXPECT_TRUE(WaitOnline(watch, id))
      << id << " did not come online; see " << dir << "/" << id << ".log";
  return std::move(*p);
}

std::unique_ptr<vehicle::VehicleClient> ConnectVehicle(const std::string& broker,
                                                       const std::string& id,
                                                       const std::string& home,
                                                       const std::string& password,
                                                       std::chrono::milliseconds timeout) {
  runtime::TransportOptions mqtt;
  mqtt.broker = broker;
  if (!password.empty()) {
    mqtt.username = id;
    mqtt.password = password;
  }
  return ConnectVehicle(mqtt, id, home, timeout);
}

std::unique_ptr<vehicle::VehicleClient> ConnectVehicle(const runtime::TransportOptions& mqtt,
                                                       const std::string& id,
                                                       const std::string& home,
                                                       std::chrono::milliseconds timeout) {
  vehicle::VehicleOptions o;
  o.id = id;
  o.home = home;
  o.mqtt = mqtt;
  o.timeout = timeout;
  auto c = vehicle::VehicleClient::Connect(o);
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return c ? std::move(*c) : nullptr;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = text.find_first_not_of(" \t\n", at)) != std::string_view::npos) {
    std::size_t end = text.find_first_of(" \t\n", at);
    out.emplace_back(text.substr(at, end == std::string_view::npos ? end : end - at));
    at = end;
  }
  return out;
}

std::string LineStartingWith(const std::string& text, const std::string& start, std::size_t from) {
  for (std::size_t at = from; at < text.size();) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + at, end - at);
    std::size_t first = line.find_first_not_of(' ');
    if (first != std::string_view::npos && line.substr(first).rfind(start, 0) == 0) {
      return std::string(line.substr(first));
    }
    at = end + 1;
  }
  return "";
}

int RunCommand(const std::string& command, std::string* output) {
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return -1;
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  int status = pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::map<std::string, std::string> AirSeatsIn(const std::string& db) {
  std::map<std::string, std::string> seats;
  auto store = runtime::Store::Open(db);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return seats;
  auto st = (*store)->Read([&](runtime::Tx& tx) {
    return tx.Query("SELECT leg_id, seat, owner FROM air_seats", {},
                    [&](const runtime::Row& r) { seats[r.Str(0) + "/" + r.Str(1)] = r.Str(2); });
  });
  EXPECT_TRUE(st) << st.error().message;
  return seats;
}

}  // namespace tripmesh::testing
