#include "tripmesh/runtime/transport.h"

#include <charconv>

namespace tripmesh::runtime {

Result<TransportKind> ParseTransportKind(std::string_view name) {
  if (name == "mosquitto") return TransportKind::kMosquitto;
  if (name == "paho") return TransportKind::kPaho;
  return Fail(Errc::kInvalidRequest, "transport must be mosquitto or paho", "transport");
}

std::unique_ptr<Transport> NewTransport(TransportKind kind, TransportOptions options) {
  return kind == TransportKind::kPaho ? NewPahoTransport(std::move(options))
                                      : NewMosquittoTransport(std::move(options));
}

Result<BrokerAddress> ParseBrokerUri(const std::string& uri) {
  BrokerAddress out;
  std::string_view rest = uri;
  for (std::string_view scheme : {"mqtt://", "tcp://", "mqtts://", "ssl://"}) {
    if (rest.substr(0, scheme.size()) != scheme) continue;
    rest.remove_prefix(scheme.size());
    out.tls = scheme == "mqtts://" || scheme == "ssl://";
    break;
  }
  int& port = out.port;
  port = out.tls ? 8883 : 1883;
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    auto digits = rest.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || port <= 0 || port > 65535) {
      return Fail(Errc::kInvalidRequest, "bad broker port in " + uri, "broker");
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return Fail(Errc::kInvalidRequest,
                "broker must look like mqtt://host:port or mqtts://host:port, not " + uri,
                "broker");
  }
  out.host = std::string(rest);
  return out;
}

}  // namespace tripmesh::runtime
