#include "harness.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "tripmesh/airline/air_consistency.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/vehicle/vehicle_client.h"

namespace tripmesh::bench {
namespace {

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};
const std::vector<std::string> kAirlines = {"jangada", "sabia", "tucano"};

// utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15).
double CpuSeconds(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Adds the context switches, voluntary and not, of every live thread of
// `pid` to `by_role`, under its name up to "-<i>" ("lane-3": "lane").
void AddContextSwitches(pid_t pid, std::map<std::string, double>& by_role) {
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
    std::ifstream in(task.path() / "status");
    std::string role;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("Name:", 0) == 0) {
        role = line.substr(line.find_first_not_of(" \t", 5));
        role = role.substr(0, role.find('-'));
      } else if (line.find("ctxt_switches:") != std::string::npos) {
        by_role[role] += std::atof(line.c_str() + line.find(':') + 1);
      }
    }
  }
}

// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM).
long StatusKiB(pid_t pid, const std::string& field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return 0;
}

}  // namespace

ResourceUse UsageSoFar(int who) {
  rusage u{};
  getrusage(who, &u);
  auto ms = [](const timeval& t) {
    return 1e3 * static_cast<double>(t.tv_sec) + 1e-3 * static_cast<double>(t.tv_usec);
  };
  return {.cpu_ms = ms(u.ru_utime) + ms(u.ru_stime),
          .switches = static_cast<double>(u.ru_nvcsw + u.ru_nivcsw)};
}

void Die(const std::string& message) {
  std::fprintf(stderr, "e2e_bench: %s\n", message.c_str());
  // Other threads may still run: end the process without the exit handlers
  // that std::exit would run under them, once what was printed is out.
  std::fflush(nullptr);
  std::_Exit(1);
}

namespace {

std::string& CaFile() {  // the TLS broker's certificate, which clients trust
  static std::string path;
  return path;
}

// A TLS copy of `conf` in `dir`: a self-signed certificate for 127.0.0.1, on
// the listener the harness points at a free port.
std::string TlsConf(const std::string& conf, const std::string& dir) {
  std::filesystem::create_directories(dir);
  auto openssl = harness::Process::Spawn(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-keyout", dir + "/server.key", "-out", dir + "/server.crt", "-days", "2", "-subj",
       "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
      dir + "/openssl.log");
  int status = -1;
  if (!openssl || !(*openssl)->Wait(std::chrono::seconds(60), &status) || status != 0) {
    Die("openssl could not make the broker's certificate; see " + dir + "/openssl.log");
  }
  std::ifstream in(conf);
  if (!in) Die("cannot read " + conf);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    out += line;
    out += '\n';
    if (line.rfind("listener 1883", 0) == 0) {
      out += fmt::format("certfile {0}/server.crt\nkeyfile {0}/server.key\n", dir);
    }
  }
  std::ofstream(dir + "/tls.conf") << out;
  CaFile() = dir + "/server.crt";
  return dir + "/tls.conf";
}

}  // namespace

runtime::TransportOptions ClientOptions(const std::string& broker) {
  runtime::TransportOptions o;
  o.broker = broker;
  if (broker.rfind("mqtts://", 0) == 0) o.cafile = CaFile();
  return o;
}

std::unique_ptr<runtime::Transport> PlainClient(const std::string& broker, const std::string& id) {
  runtime::TransportOptions o = ClientOptions(broker);
  o.client_id = id;
  o.clean_start = true;
  return runtime::NewMosquittoTransport(o);
}

Time RealNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string TempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) Die("cannot make a temp folder");
  return pattern;
}

std::string CpuShares::Format() const {
  return fmt::format("{:.2f} / {:.2f} / {:.2f}", cores.count("broker") ? cores.at("broker") : 0,
                     cores.count("agents") ? cores.at("agents") : 0,
                     cores.count("vehicles") ? cores.at("vehicles") : 0);
}

double CpuShares::AgentSwitches() const {
  double n = 0;
  for (const auto& [role, count] : agent_switches) n += count;
  return n;
}

CpuShares CpuSnapshot::Since(const CpuSnapshot& before) const {
  CpuShares out;
  out.wall_s = wall_s - before.wall_s;
  for (const auto& [name, s] : cpu_s) {
    auto it = before.cpu_s.find(name);
    out.cores[name] = (s - (it == before.cpu_s.end() ? 0 : it->second)) / out.wall_s;
  }
  for (const auto& [role, n] : agent_switches) {
    auto it = before.agent_switches.find(role);
    out.agent_switches[role] = n - (it == before.agent_switches.end() ? 0 : it->second);
  }
  return out;
}

std::unique_ptr<Agents> Agents::Start(const std::string& tripmesh, const std::string& data,
                                      const std::string& conf, const std::string& dir,
                                      const std::vector<std::string>& agent_args, bool tls,
                                      bool postgresql) {
  auto a = std::make_unique<Agents>();
  a->dir_ = dir;
  a->tripmesh_ = tripmesh;
  a->data_ = data;
  a->agent_args_ = agent_args;
  a->tls_ = tls;
  if (postgresql) {
    auto pg = harness::LocalPostgres::Start(dir + "/postgres");
    if (!pg) Die("postgres: " + pg.error().message);
    a->postgres_ = std::move(*pg);
  }
  for (const auto& c : kCompanies) {
    if (!a->postgres_) {
      a->stores_[c] = fmt::format("{}/{}.db", dir, c);
      continue;
    }
    auto uri = a->postgres_->NewDatabase(c);
    if (!uri) Die("postgres: " + uri.error().message);
    a->stores_[c] = *uri;
  }
  auto broker =
      harness::LocalBroker::Start(dir + "/broker", tls ? TlsConf(conf, dir + "/tls") : conf);
  if (!broker) Die("broker: " + broker.error().message);
  a->broker_ = std::move(*broker);
  for (const auto& c : kCompanies) {
    auto p = harness::Process::Spawn(a->AgentArgv(c), fmt::format("{}/{}.log", dir, c));
    if (!p) Die(fmt::format("{}: {}", c, p.error().message));
    a->companies_[c] = std::move(*p);
  }
  runtime::TransportOptions watch = ClientOptions(a->broker_uri());
  if (auto st = vehicle::WaitForCompanies(watch, kCompanies, std::chrono::seconds(30)); !st) {
    Die(fmt::format("{}; see {}/*.log", st.error().message, dir));
  }
  return a;
}

std::unique_ptr<Agents> Agents::StartAirlines(const std::string& tripmesh, const std::string& data,
                                              const std::string& conf, const std::string& dir) {
  auto a = std::make_unique<Agents>();
  a->dir_ = dir;
  a->tripmesh_ = tripmesh;
  a->data_ = data;
  a->air_ = true;
  for (const auto& c : kAirlines) a->stores_[c] = fmt::format("{}/{}.db", dir, c);
  auto broker = harness::LocalBroker::Start(dir + "/broker", conf);
  if (!broker) Die("broker: " + broker.error().message);
  a->broker_ = std::move(*broker);
  for (const auto& c : kAirlines) {
    auto p = harness::Process::Spawn(a->AgentArgv(c), fmt::format("{}/{}.log", dir, c));
    if (!p) Die(fmt::format("{}: {}", c, p.error().message));
    a->companies_[c] = std::move(*p);
  }
  runtime::TransportOptions watch = ClientOptions(a->broker_uri());
  if (auto st = vehicle::WaitForCompanies(watch, kAirlines, std::chrono::seconds(30)); !st) {
    Die(fmt::format("{}; see {}/*.log", st.error().message, dir));
  }
  return a;
}

Agents::~Agents() {
  companies_.clear();  // the agents stop before their database
}

std::vector<std::string> Agents::AgentArgv(const std::string& c) const {
  if (air_) {
    return {tripmesh_,    "airline", "--id",         c,      "--broker",
            broker_uri(), "--data",  data_ + "/air", "--db", stores_.at(c)};
  }
  std::vector<std::string> argv = {tripmesh_,    "company", "--id", c,      "--broker",
                                   broker_uri(), "--data",  data_,  "--db", stores_.at(c)};
  argv.insert(argv.end(), agent_args_.begin(), agent_args_.end());
  if (tls_) argv.insert(argv.end(), {"--cafile", CaFile()});
  return argv;
}

double Agents::TakeOverMs(const std::string& c) {
  if (!postgres_) Die("a takeover needs --stores postgresql");
  static int standbys = 0;
  std::string log = fmt::format("{}/{}-standby-{}.log", dir_, c, ++standbys);
  auto argv = AgentArgv(c);
  argv.push_back("--standby");
  auto standby = harness::Process::Spawn(argv, log);
  if (!standby) Die(c + " standby: " + standby.error().message);
  for (int i = 0;; ++i) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("standing by") != std::string::npos) break;
    if (i > 300) Die("the standby never stood by; see " + log);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  pid_t next = (*standby)->pid();
  std::promise<void> served;
  std::atomic<bool> said{false};
  auto watch = PlainClient(broker_uri(), fmt::format("takeover-watch-{}", standbys));
  watch->SetReceiver([&](const runtime::InboundMessage& m) {
    auto s = schemas::Decode<schemas::CompanyStatus>(m.payload);
    if (s && s->online && s->pid == next && !said.exchange(true)) served.set_value();
  });
  if (!watch->Connect(std::chrono::seconds(5))) Die("takeover watch: cannot connect");
  if (!watch->Subscribe(topics::CompanyStatus(c), 1)) Die("takeover watch: cannot subscribe");
  auto start = std::chrono::steady_clock::now();
  companies_[c]->Signal(SIGKILL);
  if (served.get_future().wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    Die("the standby never served; see " + log);
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  watch->Disconnect();
  companies_[c] = std::move(*standby);
  return ms;
}

std::string Agents::broker_uri() const {
  return tls_ ? "mqtts://127.0.0.1:" + std::to_string(broker_->port()) : broker_->uri();
}

CpuSnapshot Agents::SampleCpu() const {
  CpuSnapshot s;
  s.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  s.cpu_s["broker"] = CpuSeconds(std::to_string(broker_->pid()));
  for (const auto& [c, p] : companies_) {
    s.cpu_s["agents"] += CpuSeconds(std::to_string(p->pid()));
    AddContextSwitches(p->pid(), s.agent_switches);
  }
  s.cpu_s["vehicles"] = CpuSeconds("self");
  return s;
}

std::string Agents::MemoryReport() const {
  std::string out;
  for (const auto& [c, p] : companies_) {
    std::error_code ec;
    auto db = std::filesystem::file_size(stores_.at(c), ec);
    std::string store = postgres_
                            ? "store in PostgreSQL"
                            : fmt::format("store {:.1f} MiB", ec ? 0.0 : double(db) / (1 << 20));
    out += fmt::format("{}{} RSS {:.1f} MiB (peak {:.1f} MiB), {}", out.empty() ? "" : "; ", c,
                       static_cast<double>(StatusKiB(p->pid(), "VmRSS")) / 1024.0,
                       static_cast<double>(StatusKiB(p->pid(), "VmHWM")) / 1024.0, store);
  }
  return out;
}

double Agents::MaxAgentRssMiB() const {
  long most = 0;
  for (const auto& [c, p] : companies_) most = std::max(most, StatusKiB(p->pid(), "VmRSS"));
  return static_cast<double>(most) / 1024.0;
}

std::string Agents::CheckConsistency() const {
  if (air_) {
    auto report = airline::CheckAirStores(stores_, RealNow());
    if (!report) return "checker failed: " + report.error().message;
    return (report->ok() ? "" : "FINDINGS: ") + report->Summary();
  }
  auto report = company::CheckConsistency(stores_, RealNow());
  if (!report) return "checker failed: " + report.error().message;
  return (report->ok() ? "" : "FINDINGS: ") + report->Summary();
}

}  // namespace tripmesh::bench
