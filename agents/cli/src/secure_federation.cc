// tripmesh secure --federation: a private CA, and per company the broker
// config, accounts, ACL and certificates of a federation bridged over TLS.
#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "secure_files.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct BrokerAt {
  std::string host;
  int port = 8883, bridge_port = 8884, ws_port = 9443;
};

// Each company's broker: host and ports from --broker-of, else broker-<c> on the defaults.
Result<std::map<std::string, BrokerAt>> Addresses(const FederationFlags& f,
                                                  const std::vector<std::string>& companies) {
  std::map<std::string, BrokerAt> out;
  for (const auto& c : companies) out[c].host = "broker-" + c;
  for (const auto& spec : f.brokers) {
    auto eq = spec.find('=');
    std::string company = spec.substr(0, eq);
    if (eq == std::string::npos || out.count(company) == 0) {
      return Fail(Errc::kInvalidRequest,
                  "--broker-of must be company=host:port:bridge_port:ws_port with a company of "
                  "data/, not " +
                      spec,
                  "broker-of");
    }
    BrokerAt& b = out[company];
    std::string rest = spec.substr(eq + 1);
    char host[256] = {};
    if (std::sscanf(rest.c_str(), "%255[^:]:%d:%d:%d", host, &b.port, &b.bridge_port, &b.ws_port) !=
        4) {
      return Fail(Errc::kInvalidRequest,
                  "--broker-of must be company=host:port:bridge_port:ws_port, not " + spec,
                  "broker-of");
    }
    b.host = host;
  }
  return out;
}

// openssl with `args`; what it printed is in `log`.
Status Openssl(std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), "openssl");
  std::filesystem::remove(log);
  auto p = harness::Process::Spawn(args, log);
  int status = -1;
  if (!p || !(*p)->Wait(std::chrono::seconds(60), &status) || status != 0) {
    auto said = worldfiles::ReadFile(log);
    return Fail(Errc::kInternal, "openssl " + args[1] + " failed (is openssl installed?): " +
                                     (said ? said->substr(0, 300) : ""));
  }
  return {};
}

// The federation's CA: kept when it exists, so that re-running renews the
// brokers' certificates under the CA every company already trusts.
Status MakeCa(const std::string& ca, int days, const std::string& log) {
  if (std::filesystem::exists(ca + "/ca.key")) return {};
  std::filesystem::create_directories(ca);
  chmod(ca.c_str(), 0700);
  return Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                  "-nodes", "-keyout", ca + "/ca.key", "-out", ca + "/ca.crt", "-days",
                  std::to_string(days * 2), "-subj", "/CN=tripmesh federation CA"},
                 log);
}

// A key and a certificate for `cn` signed by the CA, with the extensions in `ext`.
Status Issue(const std::string& ca, const std::string& stem, const std::string& cn,
             const std::string& ext, int days, const std::string& log) {
  std::ofstream(stem + ".ext") << ext;
  if (auto st =
          Openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                   "-keyout", stem + ".key", "-out", stem + ".csr", "-subj", "/CN=" + cn},
                  log);
      !st) {
    return st;
  }
  std::random_device rd;
  auto st = Openssl({"x509", "-req", "-in", stem + ".csr", "-CA", ca + "/ca.crt", "-CAkey",
                     ca + "/ca.key", "-set_serial", std::to_string(rd()), "-out", stem + ".crt",
                     "-days", std::to_string(days), "-extfile", stem + ".ext"},
                    log);
  std::filesystem::remove(stem + ".csr");
  std::filesystem::remove(stem + ".ext");
  return st;
}

// The names a broker's certificate is valid for: its federation name, the
// host it is reached at, and loopback.
std::string ServerExtensions(const std::string& company, const std::string& host) {
  auto name = [](const std::string& h) {
    bool ip = h.find_first_not_of("0123456789.") == std::string::npos;
    return (ip ? "IP:" : "DNS:") + h;
  };
  std::string sans = "DNS:broker-" + company + ",DNS:localhost,IP:127.0.0.1";
  if (host != "broker-" + company && host != "localhost" && host != "127.0.0.1") {
    sans += "," + name(host);
  }
  return "subjectAltName=" + sans + "\nextendedKeyUsage=serverAuth\n";
}

std::string TlsFiles(const std::string& dir) {
  return fmt::format(
      "cafile {0}/ca.crt\ncertfile {0}/server.crt\nkeyfile {0}/server.key\ntls_version "
      "tlsv1.2\n",
      dir);
}

// Outwards only, so the bridges cannot loop.
std::string BridgeConf(const std::string& self, const std::string& peer, const BrokerAt& there,
                       const std::string& dir) {
  std::string conf = fmt::format(
      "\n# Outwards only, so the bridges cannot loop.\nconnection {0}-to-{1}\naddress {2}:{3}\n"
      "bridge_protocol_version mqttv50\nremote_clientid bridge-{0}-to-{1}\ncleansession false\n"
      "try_private true\nrestart_timeout 1 10\nbridge_cafile {4}/ca.crt\n"
      "bridge_certfile {4}/bridge.crt\nbridge_keyfile {4}/bridge.key\n"
      "bridge_tls_version tlsv1.2\n"
      "# \"1\" here and there while connected; there, \"0\" as its will when this broker dies.\n"
      "notifications true\nnotification_topic {5}\n",
      self, peer, there.host, there.bridge_port, dir, topics::BridgeLink(self, peer));
  for (const auto& t : topics::BridgeTopics(self, peer)) conf += fmt::format("topic {} out 1\n", t);
  return conf;
}

std::string BrokerConf(const std::string& self, const std::string& dir, const std::string& bind,
                       const std::map<std::string, BrokerAt>& at) {
  const BrokerAt& me = at.at(self);
  std::string conf = fmt::format(
      "# The broker of {0} in a federation, written by `tripmesh secure --federation`: every\n"
      "# connection is TLS; agents, vehicles and operators log in with a password,\n"
      "# the other companies' bridges with a certificate of the federation's CA whose\n"
      "# name is their account; the ACL lets each publish only as itself.\n"
      "per_listener_settings true\npersistence true\npersistence_location {1}/\n"
      "autosave_interval 1\nmax_queued_messages 100000\nset_tcp_nodelay true\n"
      "log_type error\nlog_type warning\n\n"
      "# Agents, vehicles, operators.\nlistener {2} {3}\nallow_anonymous false\n"
      "password_file {1}/passwd\nacl_file {1}/acl\n{6}\n"
      "# The peers' bridges: a client certificate is the only way in.\nlistener {4} {3}\n"
      "allow_anonymous false\nrequire_certificate true\nuse_identity_as_username true\n"
      "acl_file {1}/acl\n{6}\n"
      "# Monitors, over websockets.\nlistener {5} {3}\nprotocol websockets\n"
      "allow_anonymous false\npassword_file {1}/passwd\nacl_file {1}/acl\n{6}",
      self, dir, me.port, bind, me.bridge_port, me.ws_port, TlsFiles(dir));
  for (const auto& [peer, there] : at) {
    if (peer != self) conf += BridgeConf(self, peer, there, dir);
  }
  return conf;
}

// One company's folder: its certificates, accounts, ACL and config.
Status WriteCompany(const std::string& out, const std::string& c,
                    const std::vector<std::string>& companies,
                    const std::vector<std::string>& vehicles,
                    const std::map<std::string, BrokerAt>& at, const FederationFlags& f) {
  std::string dir = out + "/" + c, ca = out + "/ca", log = out + "/openssl.log";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(ca + "/ca.crt", dir + "/ca.crt",
                             std::filesystem::copy_options::overwrite_existing);
  if (auto st = Issue(ca, dir + "/server", "broker-" + c, ServerExtensions(c, at.at(c).host),
                      f.days, log);
      !st) {
    return st;
  }
  if (auto st = Issue(ca, dir + "/bridge", topics::BridgeAccount(c),
                      "extendedKeyUsage=clientAuth\n", f.days, log);
      !st) {
    return st;
  }
  std::vector<std::string> users = {c, c + "-admin", "monitor"};
  users.insert(users.end(), vehicles.begin(), vehicles.end());
  if (auto st = WriteAccounts(dir, users); !st) return st;
  std::string acl = topics::MosquittoAcl({.companies = {c}, .vehicles = vehicles});
  for (const auto& peer : companies) {
    if (peer != c) acl += topics::MosquittoBridgeAcl(c, peer);
  }
  std::ofstream(dir + "/acl") << acl;
  std::ofstream(dir + "/mosquitto.conf") << BrokerConf(c, dir, f.bind, at);
  std::vector<std::string> theirs = {dir};
  for (const char* file : {"/passwd", "/acl", "/ca.crt", "/server.crt", "/server.key",
                           "/bridge.crt", "/bridge.key", "/mosquitto.conf"}) {
    theirs.push_back(dir + file);
  }
  return HandToBrokerUser(theirs);
}

std::string ExpiryOf(const std::string& crt, const std::string& log) {
  if (!Openssl({"x509", "-enddate", "-noout", "-in", crt}, log)) return "unknown";
  auto said = worldfiles::ReadFile(log);
  if (!said) return "unknown";
  std::string line = said->substr(0, said->find('\n'));
  return line.substr(line.find('=') + 1);
}

}  // namespace

int RunSecureFederation(const FederationFlags& f, const std::vector<std::string>& companies,
                        const std::vector<std::string>& vehicles) {
  auto fail = [](const std::string& why) {
    std::fprintf(stderr, "tripmesh secure --federation: %s\n", why.c_str());
    return 1;
  };
  auto at = Addresses(f, companies);
  if (!at) return fail(at.error().message);
  std::error_code ec;
  std::filesystem::create_directories(f.out, ec);
  if (ec) return fail("cannot create " + f.out + ": " + ec.message());
  std::string out = std::filesystem::absolute(f.out).lexically_normal().string();
  if (auto st = MakeCa(out + "/ca", f.days, out + "/openssl.log"); !st) {
    return fail(st.error().message);
  }
  for (const auto& c : companies) {
    if (auto st = WriteCompany(out, c, companies, vehicles, *at, f); !st) {
      return fail(c + ": " + st.error().message);
    }
    const BrokerAt& b = at->at(c);
    std::printf("%-10s %s/%s: mqtts://%s:%d (agents, vehicles), %d (bridges), wss %d\n", c.c_str(),
                out.c_str(), c.c_str(), b.host.c_str(), b.port, b.bridge_port, b.ws_port);
  }
  std::printf(
      "certificates expire %s (CA: %s); renew them by running this again (the CA "
      "stays) and restarting each broker\n",
      ExpiryOf(out + "/" + companies.front() + "/server.crt", out + "/openssl.log").c_str(),
      ExpiryOf(out + "/ca/ca.crt", out + "/openssl.log").c_str());
  std::printf("start a broker:  mosquitto -c %s/%s/mosquitto.conf\n", out.c_str(),
              companies.front().c_str());
  std::printf(
      "each agent logs in as itself over TLS, e.g.  tripmesh %s --id %s --broker "
      "mqtts://%s:%d --cafile %s/%s/ca.crt --username %s --password \"$(awk '$1==\"%s\"{print "
      "$2}' %s/%s/credentials)\"\n",
      f.agent.c_str(), companies.front().c_str(), at->at(companies.front()).host.c_str(),
      at->at(companies.front()).port, out.c_str(), companies.front().c_str(),
      companies.front().c_str(), companies.front().c_str(), out.c_str(), companies.front().c_str());
  return 0;
}

}  // namespace tripmesh::cli
