// paho.mqtt.cpp behind runtime::Transport, the alternative to libmosquitto.
// Its pitfalls (MQTT-NOTES.md): v5 must be asked for twice, the buffer cap is
// 100 by default, throughput collapses with many publishes in flight, and it
// has no TCP_NODELAY option.
#include <dirent.h>
#include <mqtt/async_client.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "tripmesh/runtime/transport.h"

namespace tripmesh::runtime {
namespace {

constexpr std::size_t kInFlightWindow = 32;
constexpr int kMaxBuffered = 100000;

std::chrono::milliseconds Until(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

// paho 1.2.0 cannot set TCP_NODELAY: find our sockets to the broker's port and
// set it on them (again after every reconnection). Without it a QoS 1 round
// trip costs tens of milliseconds.
void SetNoDelayOnSocketsTo(int port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): this DIR is this call's own.
  while (dirent* e = readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) continue;
    int peer_port =
        peer.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port)
        : peer.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port)
                                     : -1;
    if (peer_port != port) continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  closedir(dir);
}

// paho.mqtt.cpp 1.2.0 signals a token's condition variable after waking its
// waiter, so a token must outlive the wait: every token we wait on is kept
// until the client is destroyed, and publishes are counted through paho's
// delivery callback instead of by waiting on their tokens.
class PahoTransport final : public Transport, private mqtt::callback {
 public:
  PahoTransport(const PahoTransport&) = delete;
  PahoTransport& operator=(const PahoTransport&) = delete;
  explicit PahoTransport(TransportOptions options) : options_(std::move(options)) {}

  ~PahoTransport() override { Disconnect(); }

  // The broker's certificate must chain to the CA and name the host; a
  // client certificate is sent when one is given.
  mqtt::ssl_options TlsOptions() const {
    mqtt::ssl_options_builder tls;
    tls.enable_server_cert_auth(true).verify(true);
    // A file, not a folder: paho.mqtt.cpp 1.2 loses the folder's name when
    // it copies the options.
    tls.trust_store(options_.cafile.empty() ? kSystemCaFile : options_.cafile);
    if (!options_.certfile.empty()) tls.key_store(options_.certfile);
    if (!options_.keyfile.empty()) tls.private_key(options_.keyfile);
    return tls.finalize();
  }

  void SetReceiver(std::function<void(InboundMessage)> receiver) override {
    receiver_ = std::move(receiver);
  }
  void SetConnectionHandler(std::function<void(ConnectionEvent)> handler) override {
    connection_handler_ = std::move(handler);
  }

  Status Connect(std::chrono::milliseconds timeout) override {
    auto address = ParseBrokerUri(options_.broker);
    if (!address) return tl::unexpected<Error>(address.error());
    port_ = address->port;
    try {
      client_ = std::make_unique<mqtt::async_client>(
          (address->tls ? "ssl://" : "tcp://") + address->host + ":" + std::to_string(port_),
          options_.client_id, mqtt::create_options(MQTTVERSION_5, kMaxBuffered));
      client_->set_callback(*this);
      auto builder =
          mqtt::connect_options_builder()
              .mqtt_version(MQTTVERSION_5)
              .clean_start(options_.clean_start)
              .keep_alive_interval(std::chrono::seconds(options_.keepalive_s))
              .connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout) +
                               std::chrono::seconds(1))
              .automatic_reconnect(std::chrono::seconds(1), std::chrono::seconds(10));
      if (!options_.clean_start) {
        builder.properties({{mqtt::property::SESSION_EXPIRY_INTERVAL, options_.session_expiry_s}});
      }
      if (!options_.username.empty())
        builder.user_name(options_.username).password(options_.password);
      if (address->tls) builder.ssl(TlsOptions());
      if (options_.will) {
        const auto& w = *options_.will;
        builder.will(mqtt::message(w.topic, w.payload, w.qos, w.retain));
      }
      auto deadline = std::chrono::steady_clock::now() + timeout;
      // The first connect does not retry on its own: try until the broker listens.
      while (true) {
        try {
          auto tok = Keep(client_->connect(builder.finalize()));
          if (!tok->wait_for(Until(deadline))) {
            return Fail(Errc::kTimeout,
                        "the broker at " + options_.broker + " did not answer CONNECT");
          }
          break;
        } catch (const mqtt::exception& e) {
          int rc = e.get_reason_code();
          if (rc == mqtt::ReasonCode::NOT_AUTHORIZED ||
              rc == mqtt::ReasonCode::BAD_USER_NAME_OR_PASSWORD) {
            return Fail(Errc::kForbidden,
                        std::string("the broker refused the connection: ") + e.what());
          }
          // A refused connection or an unknown host is an answer: say so at once.
          return Fail(Errc::kOffline,
                      "cannot reach the broker at " + options_.broker + ": " + e.what());
        }
      }
      SetNoDelayOnSocketsTo(port_);
      return {};
    } catch (const mqtt::exception& e) {
      return Fail(Errc::kInternal, std::string("paho: ") + e.what());
    }
  }

  Status Subscribe(const std::string& filter, int qos) override {
    {
      std::lock_guard lock(mu_);
      subscriptions_.emplace_back(filter, qos);
    }
    try {
      if (!Keep(client_->subscribe(filter, qos))->wait_for(std::chrono::seconds(10))) {
        return Fail(Errc::kTimeout, "no SUBACK for " + filter);
      }
      return {};
    } catch (const mqtt::exception& e) {
      return Fail(Errc::kInternal, "subscribe " + filter + ": " + e.what());
    }
  }

  Status Publish(OutboundMessage msg) override {
    try {
      mqtt::properties props;
      if (!msg.response_topic.empty())
        props.add({mqtt::property::RESPONSE_TOPIC, msg.response_topic});
      if (!msg.correlation_data.empty()) {
        props.add({mqtt::property::CORRELATION_DATA, msg.correlation_data});
      }
      if (msg.expiry_s > 0) props.add({mqtt::property::MESSAGE_EXPIRY_INTERVAL, msg.expiry_s});
      auto m = mqtt::message::create(msg.topic, msg.payload, msg.qos, msg.retain, props);
      if (msg.qos > 0) {
        // Keep about kInFlightWindow publishes in flight; our lock is never held
        // while calling paho, whose callbacks take it while holding paho's own.
        std::unique_lock lock(mu_);
        window_.wait_for(lock, std::chrono::seconds(5),
                         [&] { return in_flight_ < kInFlightWindow; });
        ++in_flight_;
      }
      client_->publish(m);
      return {};
    } catch (const mqtt::exception& e) {
      if (msg.qos > 0) Delivered();
      return Fail(Errc::kInternal, "publish " + msg.topic + ": " + e.what());
    }
  }

  Status Flush(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    if (!window_.wait_for(lock, timeout, [&] { return in_flight_ == 0; })) {
      return Fail(Errc::kTimeout, "publishes still unacknowledged");
    }
    return {};
  }

  void Disconnect() override {
    if (guard_.joinable()) guard_.join();
    if (!client_) return;
    try {
      if (client_->is_connected()) Keep(client_->disconnect())->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
      // Already gone: nothing to release.
    }
    client_.reset();  // stops paho's threads; only then may the tokens go
    std::lock_guard lock(mu_);
    kept_.clear();
  }

 private:
  mqtt::token_ptr Keep(mqtt::token_ptr tok) {
    std::lock_guard lock(mu_);
    kept_.push_back(tok);
    return tok;
  }

  void Delivered() {
    {
      std::lock_guard lock(mu_);
      if (in_flight_ > 0) --in_flight_;
    }
    window_.notify_all();
  }

  // mqtt::callback, on paho's callback thread: no waiting here.
  void delivery_complete(mqtt::delivery_token_ptr) override { Delivered(); }

  void connected(const std::string&) override {  // resubscribe without waiting
    SetNoDelayOnSocketsTo(port_);
    std::vector<std::pair<std::string, int>> subs;
    {
      std::lock_guard lock(mu_);
      subs = subscriptions_;
    }
    for (const auto& [filter, qos] : subs) {
      try {
        client_->subscribe(filter, qos);
      } catch (const mqtt::exception&) {
        // The next reconnection tries again.
      }
    }
    if (connection_handler_) connection_handler_(ConnectionEvent::kUp);
  }

  void connection_lost(const std::string&) override {
    if (connection_handler_) connection_handler_(ConnectionEvent::kLost);
    // paho reconnects on its own after a second: ask first, off its thread.
    if (!options_.may_reconnect || guarding_.exchange(true)) return;
    if (guard_.joinable()) guard_.join();
    guard_ = std::thread([this] {
      if (!options_.may_reconnect()) {
        try {
          client_->disconnect()->wait_for(std::chrono::seconds(1));
        } catch (const mqtt::exception&) {
          // Not connected: the disconnect still ends the reconnection attempts.
        }
        if (connection_handler_) connection_handler_(ConnectionEvent::kTakenOver);
      }
      guarding_ = false;
    });
  }

  void message_arrived(mqtt::const_message_ptr m) override {
    if (!receiver_ || !m) return;
    InboundMessage in;
    in.topic = m->get_topic();
    in.payload = m->get_payload_str();
    in.retained = m->is_retained();
    const auto& props = m->get_properties();
    if (props.contains(mqtt::property::RESPONSE_TOPIC)) {
      in.response_topic = mqtt::get<std::string>(props, mqtt::property::RESPONSE_TOPIC);
    }
    if (props.contains(mqtt::property::CORRELATION_DATA)) {
      in.correlation_data = mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA);
    }
    receiver_(std::move(in));
  }

  TransportOptions options_;
  int port_ = 1883;
  std::unique_ptr<mqtt::async_client> client_;
  std::function<void(InboundMessage)> receiver_;
  std::function<void(ConnectionEvent)> connection_handler_;
  std::atomic<bool> guarding_{false};
  std::thread guard_;  // asks may_reconnect after a loss

  std::mutex mu_;  // guards the fields below; never held while calling paho
  std::condition_variable window_;
  std::size_t in_flight_ = 0;
  std::vector<mqtt::token_ptr> kept_;
  std::vector<std::pair<std::string, int>> subscriptions_;
};

}  // namespace

std::unique_ptr<Transport> NewPahoTransport(TransportOptions options) {
  return std::make_unique<PahoTransport>(std::move(options));
}

}  // namespace tripmesh::runtime
