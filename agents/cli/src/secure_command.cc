// tripmesh secure: the password file, the ACL and the broker config of a
// secured deployment, generated from data/.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#include "commands.h"
#include "secure_files.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct SecureFlags {
  std::string data = "data";
  std::string out = "var/secure";
  std::string conf = "mosquitto/secure.conf";
  std::vector<std::string> vehicles;
  int sim_vehicles = 0;
  int port = 1883, ws_port = 9001;
  bool federation = false;
  FederationFlags federated;
  std::string profile = "ev";
};

// The template's "listener 1883" and "listener 9001" lines, on the ports asked
// for; line by line, so that one port's new number is never taken for the other's.
std::string WithPorts(const std::string& text, int port, int ws_port) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto moved = harness::MoveListener(line, 1883, port);
    out += (moved != line ? moved : harness::MoveListener(line, 9001, ws_port)) + "\n";
  }
  return out;
}

int Fail(const std::string& why) {
  std::fprintf(stderr, "tripmesh secure: %s\n", why.c_str());
  return 1;
}

int RunSecure(const SecureFlags& f) {
  topics::AclAccounts accounts;
  if (f.profile == "air") {
    // The airlines are the companies; passengers are the requesters (--vehicle).
    auto air = worldfiles::ReadAirFiles(f.data + "/air");
    if (!air) return Fail(air.error().message);
    for (const auto& a : air->airlines) accounts.companies.push_back(a.info.id);
  } else {
    auto world = worldfiles::LoadWorld(f.data);
    if (!world) return Fail(world.error().message);
    for (const auto& c : world->catalogues()) accounts.companies.push_back(c.info.company);
  }
  accounts.vehicles = f.vehicles;
  for (int i = 1; i <= f.sim_vehicles; ++i) accounts.vehicles.push_back("sim-" + std::to_string(i));
  for (const auto& v : accounts.vehicles) {
    if (!topics::IsVehicleId(v)) return Fail("vehicle id must match [A-Za-z0-9_-]{1,64}: " + v);
  }
  if (f.federation) {
    FederationFlags fed = f.federated;
    fed.out = f.out;
    fed.agent = f.profile == "air" ? "airline" : "company";
    return RunSecureFederation(fed, accounts.companies, accounts.vehicles);
  }
  auto conf = worldfiles::ReadFile(f.conf);
  if (!conf) return Fail(conf.error().message);

  std::error_code ec;
  std::filesystem::create_directories(f.out, ec);
  std::string dir = std::filesystem::absolute(f.out).lexically_normal().string();
  std::vector<std::string> users;
  for (const auto& c : accounts.companies) {
    users.push_back(c);
    users.push_back(c + "-admin");
  }
  users.insert(users.end(), accounts.vehicles.begin(), accounts.vehicles.end());
  users.push_back(accounts.monitor);

  if (auto st = WriteAccounts(dir, users); !st) return Fail(st.error().message);
  std::ofstream(dir + "/acl") << topics::MosquittoAcl(accounts);
  std::string text = WithPorts(*conf, f.port, f.ws_port);
  for (std::size_t at; (at = text.find("@DIR@")) != std::string::npos;) text.replace(at, 5, dir);
  std::ofstream(dir + "/mosquitto.conf") << text;
  if (auto st = HandToBrokerUser({dir, dir + "/passwd", dir + "/acl"}); !st)
    return Fail(st.error().message);
  std::printf(
      "wrote %s/{mosquitto.conf,passwd,acl,credentials}: %zu accounts (%zu companies with admins, "
      "%zu vehicles, 1 monitor)\n",
      dir.c_str(), users.size(), accounts.companies.size(), accounts.vehicles.size());
  std::printf("start the broker:  mosquitto -c %s/mosquitto.conf\n", dir.c_str());
  std::printf(
      "each agent logs in as itself, e.g.  tripmesh %s --id %s --username %s --password "
      "\"$(awk '$1==\"%s\"{print $2}' %s/credentials)\"\n",
      f.profile == "air" ? "airline" : "company", accounts.companies.front().c_str(),
      accounts.companies.front().c_str(), accounts.companies.front().c_str(), dir.c_str());
  return 0;
}

}  // namespace

Status HandToBrokerUser(const std::vector<std::string>& paths) {
  if (geteuid() != 0) return {};
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the command runs no other thread.
  const passwd* user = getpwnam("mosquitto");
  if (!user) return {};  // no such user: mosquitto stays root and reads them as they are
  for (const auto& path : paths) {
    if (chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
      return tripmesh::Fail(Errc::kInternal, "cannot hand " + path + " to user mosquitto: " +
                                                 std::system_category().message(errno));
    }
  }
  return {};
}

Status WriteAccounts(const std::string& dir, const std::vector<std::string>& users) {
  // Plain "user:password" lines, hashed in place by mosquitto_passwd -U; the
  // clear passwords go to a credentials file only the owner can read.
  auto old_mask = umask(077);
  std::ofstream passwd(dir + "/passwd"), credentials(dir + "/credentials");
  for (const auto& u : users) {
    std::random_device rd;
    std::string pw;
    for (int i = 0; i < 24; ++i) pw += "0123456789abcdef"[rd() % 16];
    passwd << u << ":" << pw << "\n";
    credentials << u << " " << pw << "\n";
  }
  passwd.close();
  credentials.close();
  umask(old_mask);
  auto hash = harness::Process::Spawn({"mosquitto_passwd", "-U", dir + "/passwd"});
  int status = -1;
  if (!hash || !(*hash)->Wait(std::chrono::seconds(60), &status) || status != 0) {
    return tripmesh::Fail(Errc::kInternal, "mosquitto_passwd -U failed (is mosquitto installed?)");
  }
  return {};
}

void AddSecure(CLI::App& app, Runner& run) {
  auto f = std::make_shared<SecureFlags>();
  auto* cmd = app.add_subcommand("secure",
                                 "Generate the password file, ACL and config of a secured broker");
  cmd->add_option("--data", f->data, "Folder of map.json and companies/")->capture_default_str();
  cmd->add_option("--out", f->out, "Folder to write into")->capture_default_str();
  cmd->add_option("--conf", f->conf, "Broker config template")->capture_default_str();
  cmd->add_option("--vehicle", f->vehicles,
                  "A vehicle account, or a passenger's with --profile air (repeatable)");
  cmd->add_option("--profile", f->profile,
                  "ev: accounts for the charging companies of data/; air: for the airlines of "
                  "data/air")
      ->check(CLI::IsMember({"ev", "air"}))
      ->capture_default_str();
  cmd->add_option("--sim-vehicles", f->sim_vehicles, "Accounts sim-1 .. sim-N for the simulator");
  cmd->add_option("--port", f->port, "The broker's MQTT port")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--ws-port", f->ws_port, "The broker's websockets port (monitoring)")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_flag("--federation", f->federation,
                "A federation instead: a private CA, and per company a broker bridged to the "
                "others over TLS (OUT/<company>/)");
  cmd->add_option("--bind", f->federated.bind, "With --federation: the address brokers listen on")
      ->capture_default_str();
  cmd->add_option("--broker-of", f->federated.brokers,
                  "With --federation: company=host:port:bridge_port:ws_port (repeatable; "
                  "default broker-<company>:8883:8884:9443)");
  cmd->add_option("--days", f->federated.days, "With --federation: certificates last this long")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  cmd->callback([&run, f] { run = [f] { return RunSecure(*f); }; });
}

}  // namespace tripmesh::cli
