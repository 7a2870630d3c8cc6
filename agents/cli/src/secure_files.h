// What `tripmesh secure` writes for one broker, shared by the single secured
// broker and the federation's brokers.
#pragma once

#include <string>
#include <vector>

#include "tripmesh/base/result.h"

namespace tripmesh::cli {

// DIR/passwd (hashed by mosquitto_passwd) and DIR/credentials (the clear
// passwords, readable by the owner only), a new random password per user.
[[nodiscard]] Status WriteAccounts(const std::string& dir, const std::vector<std::string>& users);
// Started as root, mosquitto drops to its own user before it reads its
// password file, ACL and keys and writes its persistence: they must be that
// user's. (Not root, or no such user: nothing to do.)
[[nodiscard]] Status HandToBrokerUser(const std::vector<std::string>& paths);

// A federation's brokers, one per company, bridged over TLS.
struct FederationFlags {
  std::string out = "var/federation";
  std::string bind = "0.0.0.0";
  // company=host:port:bridge_port:ws_port (default broker-<c>:8883:8884:9443)
  std::vector<std::string> brokers;
  int days = 825;                 // how long the certificates last
  std::string agent = "company";  // the subcommand the companies run (airline for the air profile)
};

// Writes, under `out`, a private CA (ca/, kept apart: it signs, no broker
// reads its key) and per company a folder of what that company's broker runs:
// mosquitto.conf, passwd, acl, credentials, its server certificate and key,
// its bridges' client certificate and key, and the CA's certificate.
// Returns the exit code; says what it wrote and when the certificates expire.
int RunSecureFederation(const FederationFlags& f, const std::vector<std::string>& companies,
                        const std::vector<std::string>& vehicles);

}  // namespace tripmesh::cli
