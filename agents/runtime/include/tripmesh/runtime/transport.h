// The MQTT transport behind a narrow interface. Two implementations:
// libmosquitto (the default) and paho.mqtt.cpp; nothing outside this target
// knows which one runs.
//
// Thread safety: every method may be called from any thread. The receiver and
// the connection handler run on the transport's network thread and must not
// block on locks or disk: hand the message to a lane and return.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "tripmesh/base/result.h"

namespace tripmesh::runtime {

struct InboundMessage {
  std::string topic;
  std::string payload;
  std::string response_topic;    // MQTT v5 Response Topic, empty when absent
  std::string correlation_data;  // MQTT v5 Correlation Data, empty when absent
  bool retained = false;
};

struct OutboundMessage {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = false;
  std::string response_topic;
  std::string correlation_data;
  // MQTT v5 Message Expiry Interval (0: none): the broker drops the message
  // rather than deliver it later than this, e.g. to a session that was away.
  int expiry_s = 0;
};

enum class TransportKind { kMosquitto, kPaho };

enum class ConnectionEvent {
  kUp,         // connected (again); subscriptions are being renewed
  kLost,       // the connection dropped; the transport reconnects on its own
  kTakenOver,  // another client owns our client id now: the transport stops for good
};

struct TransportOptions {
  std::string broker = "mqtt://127.0.0.1:1883";  // mqtt://host:port, or mqtts:// for TLS
  std::string client_id;
  std::string username, password;
  // TLS (mqtts://): the CA that signed the broker's certificate (empty: the
  // system's), and optionally this client's own certificate and key. The
  // broker's name is checked against its certificate.
  std::string cafile, certfile, keyfile;
  bool clean_start = false;          // false: a persistent session
  int session_expiry_s = 7 * 86400;  // how long the broker keeps the session while we are away
  int keepalive_s = 15;
  std::optional<OutboundMessage> will;  // Last Will, e.g. a retained status offline
  // Asked on the network thread after a lost connection, before reconnecting
  // with the same client id: false means another client now owns the id (the
  // broker closes the older connection when a newer one takes it), and the
  // transport stops for good and reports kTakenOver instead of taking it back.
  std::function<bool()> may_reconnect;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Set before Connect.
  virtual void SetReceiver(std::function<void(InboundMessage)> receiver) = 0;
  // Called on every (re)connection and every loss; after kTakenOver nothing
  // reconnects.
  virtual void SetConnectionHandler(std::function<void(ConnectionEvent)> handler) = 0;

  // Connects and waits for the broker's answer; then reconnects on its own with
  // backoff and resubscribes after every reconnection. A host that does not
  // resolve or a refused connection fails at once (kUnavailable); a broker that
  // accepts TCP but does not answer CONNECT fails after `timeout`.
  [[nodiscard]] virtual Status Connect(std::chrono::milliseconds timeout) = 0;
  // Subscriptions are remembered and renewed on reconnection. Waits for SUBACK.
  [[nodiscard]] virtual Status Subscribe(const std::string& filter, int qos) = 0;
  // Queues a message; QoS 1 messages are kept and resent across reconnections.
  [[nodiscard]] virtual Status Publish(OutboundMessage msg) = 0;
  // Waits until every queued QoS >= 1 publish was acknowledged, or the timeout.
  [[nodiscard]] virtual Status Flush(std::chrono::milliseconds timeout) = 0;
  // Clean disconnect: the broker does not send the Last Will.
  virtual void Disconnect() = 0;
};

[[nodiscard]] Result<TransportKind> ParseTransportKind(std::string_view name);
std::unique_ptr<Transport> NewTransport(TransportKind kind, TransportOptions options);
std::unique_ptr<Transport> NewMosquittoTransport(TransportOptions options);
std::unique_ptr<Transport> NewPahoTransport(TransportOptions options);

struct BrokerAddress {
  std::string host;
  int port = 1883;
  bool tls = false;
};
// Splits "mqtt://host:port" (or "tcp://", or "host:port"; port 1883) and
// "mqtts://host:port" (or "ssl://"; TLS, port 8883).
[[nodiscard]] Result<BrokerAddress> ParseBrokerUri(const std::string& uri);
// The system's CA certificates, for mqtts:// without a cafile of its own.
inline constexpr const char* kSystemCaPath = "/etc/ssl/certs";
inline constexpr const char* kSystemCaFile = "/etc/ssl/certs/ca-certificates.crt";

}  // namespace tripmesh::runtime
