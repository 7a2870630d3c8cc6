#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "tripmesh/base/time.h"

namespace tripmesh::cli {

void AddBrokerFlags(CLI::App* cmd, BrokerFlags& f) {
  cmd->add_option("--broker", f.broker,
                  "MQTT broker, mqtt://host:port or mqtts://host:port for TLS ($TRIPMESH_BROKER)");
  cmd->add_option("--username", f.username, "MQTT user name ($TRIPMESH_USERNAME)");
  cmd->add_option("--password", f.password, "MQTT password ($TRIPMESH_PASSWORD)");
  cmd->add_option("--cafile", f.cafile,
                  "CA certificate (PEM) the broker's must chain to, with mqtts:// "
                  "($TRIPMESH_CAFILE; default: the system's)");
  cmd->add_option("--cert", f.certfile,
                  "This client's certificate (PEM), with mqtts:// ($TRIPMESH_CERT)");
  cmd->add_option("--key", f.keyfile,
                  "This client's private key (PEM), with --cert ($TRIPMESH_KEY)");
  cmd->add_option("--transport", f.transport, "MQTT client library")
      ->check(CLI::IsMember({"mosquitto", "paho"}))
      ->capture_default_str();
}

vehicle::VehicleOptions RequesterOptions(const std::string& id, const std::string& home,
                                         const BrokerFlags& flags, double timeout_s) {
  vehicle::VehicleOptions options;
  options.id = id;
  options.home = home;
  options.mqtt = flags.Resolve();
  auto kind = runtime::ParseTransportKind(flags.transport);
  options.transport = kind ? *kind : runtime::TransportKind::kMosquitto;
  options.timeout = std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  return options;
}

int PrintError(const Error& e) {
  std::fprintf(stderr, "tripmesh: %s: %s\n", std::string(ErrcName(e.code)).c_str(),
               e.message.c_str());
  return kError;
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
  o.cafile = !cafile.empty() ? cafile : env("TRIPMESH_CAFILE");
  o.certfile = !certfile.empty() ? certfile : env("TRIPMESH_CERT");
  o.keyfile = !keyfile.empty() ? keyfile : env("TRIPMESH_KEY");
  return o;
}

void AddClockFlags(CLI::App* cmd, double& time_scale, Time& clock_start, Time& clock_origin,
                   double min_scale) {
  cmd->add_option("--time-scale", time_scale,
                  "Run the clock this many times faster than real time (simulation); the "
                  "companies and the fleet must share --time-scale, --clock-start and "
                  "--clock-origin")
      ->check(CLI::Range(min_scale, 100000.0))
      ->capture_default_str();
  auto time_flag = [cmd](const std::string& name, Time& into, const std::string& help) {
    cmd->add_option_function<std::string>(
        name,
        [&into, name](const std::string& text) {
          auto t = ParseTime(text);
          if (!t) throw CLI::ValidationError(name, t.error().message);
          into = *t;
        },
        help);
  };
  time_flag("--clock-start", clock_start,
            "RFC 3339 time the accelerated clock starts from (default: now)");
  time_flag("--clock-origin", clock_origin,
            "RFC 3339 real moment at which the accelerated clock read --clock-start (default: "
            "when this process starts); processes started apart share it to read one time");
}

}  // namespace tripmesh::cli
