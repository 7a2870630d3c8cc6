#include <cstdlib>

#include "commands.h"

namespace tripmesh::cli {

void AddBrokerFlags(CLI::App* cmd, BrokerFlags& f) {
  cmd->add_option("--broker", f.broker, "MQTT broker, mqtt://host:port ($TRIPMESH_BROKER)");
  cmd->add_option("--username", f.username, "MQTT user name ($TRIPMESH_USERNAME)");
  cmd->add_option("--password", f.password, "MQTT password ($TRIPMESH_PASSWORD)");
  cmd->add_option("--transport", f.transport, "MQTT client library")
      ->check(CLI::IsMember({"mosquitto", "paho"}))
      ->capture_default_str();
}

runtime::TransportOptions BrokerFlags::Resolve() const {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before threads start
    return std::string(v ? v : "");
  };
  runtime::TransportOptions o;
  o.broker = !broker.empty()                   ? broker
             : !env("TRIPMESH_BROKER").empty() ? env("TRIPMESH_BROKER")
                                               : "mqtt://127.0.0.1:1883";
  o.username = !username.empty() ? username : env("TRIPMESH_USERNAME");
  o.password = !password.empty() ? password : env("TRIPMESH_PASSWORD");
  return o;
}

}  // namespace tripmesh::cli
