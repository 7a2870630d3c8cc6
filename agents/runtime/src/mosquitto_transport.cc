// libmosquitto behind runtime::Transport: one client, its own network thread,
// MQTT v5, TCP_NODELAY, persistent session.
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "tripmesh/runtime/host.h"
#include "tripmesh/runtime/transport.h"

namespace tripmesh::runtime {
namespace {

std::once_flag lib_init;

class MosquittoTransport final : public Transport {
 public:
  explicit MosquittoTransport(TransportOptions options) : options_(std::move(options)) {
    std::call_once(lib_init, [] { mosquitto_lib_init(); });
    mosq_ = mosquitto_new(options_.client_id.empty() ? nullptr : options_.client_id.c_str(),
                          options_.clean_start, this);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }

  ~MosquittoTransport() override {
    Disconnect();
    mosquitto_destroy(mosq_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  MosquittoTransport(const MosquittoTransport&) = delete;
  MosquittoTransport& operator=(const MosquittoTransport&) = delete;

  void SetReceiver(std::function<void(InboundMessage)> receiver) override {
    receiver_ = std::move(receiver);
  }
  void SetConnectionHandler(std::function<void(ConnectionEvent)> handler) override {
    connection_handler_ = std::move(handler);
  }

  Status Connect(std::chrono::milliseconds timeout) override {
    if (!mosq_) return Fail(Errc::kInternal, "mosquitto_new failed");
    auto address = ParseBrokerUri(options_.broker);
    if (!address) return tl::unexpected<Error>(address.error());
    const std::string& host = address->host;
    int port = address->port;
    tls_ = address->tls;
    if (tls_) {
      if (auto st = SetTls(); !st) return st;
    }
    mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
    if (!options_.username.empty()) {
      mosquitto_username_pw_set(mosq_, options_.username.c_str(),
                                options_.password.empty() ? nullptr : options_.password.c_str());
    }
    if (options_.will) {
      const auto& w = *options_.will;
      mosquitto_will_set_v5(mosq_, w.topic.c_str(), static_cast<int>(w.payload.size()),
                            w.payload.data(), w.qos, w.retain, nullptr);
    }
    mosquitto_connect_v5_callback_set(mosq_, OnConnect);
    mosquitto_disconnect_v5_callback_set(mosq_, OnDisconnect);
    mosquitto_message_v5_callback_set(mosq_, OnMessage);
    mosquitto_subscribe_v5_callback_set(mosq_, OnSubscribe);
    mosquitto_publish_v5_callback_set(mosq_, OnPublish);

    mosquitto_property* props = nullptr;
    if (!options_.clean_start) {
      mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                   static_cast<uint32_t>(options_.session_expiry_s));
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // A refused connection or an unknown host is an answer: say so at once.
    int rc =
        mosquitto_connect_bind_v5(mosq_, host.c_str(), port, options_.keepalive_s, nullptr, props);
    mosquitto_property_free_all(&props);
    if (rc != MOSQ_ERR_SUCCESS) {
      std::string why = rc == MOSQ_ERR_EAI ? "unknown host " + host : mosquitto_strerror(rc);
      return Fail(Errc::kOffline, "cannot reach the broker at " + options_.broker + ": " + why);
    }
    // Not mosquitto_loop_start: with it every publish is queued for the
    // network thread, which a byte on a socket pair wakes to write it. Left
    // unthreaded, libmosquitto writes a publish on the caller's thread at
    // once (under its own lock), and the network thread only reads, pings,
    // reconnects and finishes writes the socket could not take whole.
    stopping_ = false;
    loop_ = std::thread([this] {
      NameThisThread("net");
      Loop();
    });
    loop_started_ = true;
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return connack_ != -1; })) {
      lock.unlock();
      Disconnect();
      return Fail(Errc::kTimeout, "the broker at " + options_.broker + " did not answer CONNECT");
    }
    if (connack_ != 0) {
      int reason = connack_;
      lock.unlock();
      Disconnect();
      return Fail(
          reason == MQTT_RC_NOT_AUTHORIZED || reason == MQTT_RC_BAD_USERNAME_OR_PASSWORD
              ? Errc::kForbidden
              : Errc::kInternal,
          std::string("the broker refused the connection: ") + mosquitto_reason_string(reason));
    }
    return {};
  }

  // The broker's certificate must chain to the CA and name the host; a
  // client certificate is sent when one is given.
  Status SetTls() {
    auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
    const char* capath = options_.cafile.empty() ? kSystemCaPath : nullptr;
    int rc = mosquitto_tls_set(mosq_, opt(options_.cafile), capath, opt(options_.certfile),
                               opt(options_.keyfile), nullptr);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(mosq_, 1, "tlsv1.2", nullptr);
    // One TLS session must not be written by a caller while the network
    // thread reads it: under TLS a publish is queued for the network thread
    // (woken by its socket pair) instead of written on the caller's thread.
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_threaded_set(mosq_, true);
    if (rc != MOSQ_ERR_SUCCESS) {
      return Fail(Errc::kInvalidRequest,
                  std::string("TLS: ") + mosquitto_strerror(rc) +
                      " (are --cafile, --cert and --key readable PEM files?)",
                  "cafile");
    }
    return {};
  }

  Status Subscribe(const std::string& filter, int qos) override {
    int mid = 0;
    {
      std::lock_guard lock(mu_);
      subscriptions_.emplace_back(filter, qos);
    }
    int rc = mosquitto_subscribe_v5(mosq_, &mid, filter.c_str(), qos, 0, nullptr);
    WakeIfWriteLeft();
    if (rc != MOSQ_ERR_SUCCESS) {
      return Fail(Errc::kInternal, "subscribe " + filter + ": " + mosquitto_strerror(rc));
    }
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return subacked_.count(mid) > 0; })) {
      return Fail(Errc::kTimeout, "no SUBACK for " + filter);
    }
    subacked_.erase(mid);
    return {};
  }

  Status Publish(OutboundMessage msg) override {
    mosquitto_property* props = nullptr;
    if (!msg.response_topic.empty()) {
      mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, msg.response_topic.c_str());
    }
    if (!msg.correlation_data.empty()) {
      mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, msg.correlation_data.data(),
                                    static_cast<uint16_t>(msg.correlation_data.size()));
    }
    if (msg.expiry_s > 0) {
      mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL,
                                   static_cast<uint32_t>(msg.expiry_s));
    }
    published_.fetch_add(1);
    int rc = mosquitto_publish_v5(mosq_, nullptr, msg.topic.c_str(),
                                  static_cast<int>(msg.payload.size()), msg.payload.data(), msg.qos,
                                  msg.retain, props);
    mosquitto_property_free_all(&props);
    WakeIfWriteLeft();
    // While disconnected libmosquitto keeps a QoS >= 1 message queued and sends
    // it after reconnecting, but still answers MOSQ_ERR_NO_CONN.
    if (rc == MOSQ_ERR_NO_CONN && msg.qos > 0) return {};
    if (rc != MOSQ_ERR_SUCCESS) {
      published_.fetch_sub(1);
      return Fail(Errc::kInternal, "publish " + msg.topic + ": " + mosquitto_strerror(rc));
    }
    return {};
  }

  Status Flush(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (acked_.load() < published_.load()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return Fail(Errc::kTimeout, "publishes still unacknowledged");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return {};
  }

  void Disconnect() override {
    if (!loop_started_) return;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;  // before the DISCONNECT: the loop must not reconnect
    }
    cv_.notify_all();
    // Threaded from here on: libmosquitto queues the DISCONNECT and wakes the
    // loop instead of writing it on this thread, so the socket is never
    // written here while the loop closes it (the broker hangs up on a
    // DISCONNECT at once).
    mosquitto_threaded_set(mosq_, true);
    mosquitto_disconnect_v5(mosq_, MQTT_RC_NORMAL_DISCONNECTION, nullptr);
    Wake();
    loop_.join();
    // What the loop did not write before it stopped (the DISCONNECT, or one
    // queued during a callback) goes out now, with no other thread on it.
    mosquitto_loop_write(mosq_, 1);
    loop_started_ = false;
  }

 private:
  // What mosquitto_loop_forever does, but stoppable while it waits to
  // reconnect: reads, pings, writes what publishes left, and after a lost
  // connection tries again after 1, 2, 4 ... 10 s.
  void Loop() {
    int delay_s = 1;
    while (!stopping_.load()) {
      int rc = tls_ ? mosquitto_loop(mosq_, kPollMs, 1) : PollOnce();
      if (rc == MOSQ_ERR_SUCCESS) {
        delay_s = 1;
        continue;
      }
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::seconds(delay_s), [&] { return stopping_.load(); });
      }
      if (stopping_.load()) return;
      if (options_.may_reconnect && !options_.may_reconnect()) {
        if (connection_handler_) connection_handler_(ConnectionEvent::kTakenOver);
        return;
      }
      delay_s = std::min(2 * delay_s, 10);
      (void)mosquitto_reconnect(mosq_);
    }
  }

  // One turn of the network thread without TLS: mosquitto_loop, but waiting
  // on the MQTT socket and our own wake-up only. libmosquitto also writes a
  // byte to a socket pair at every publish so that mosquitto_loop wakes up,
  // which is only needed when the network thread writes the publishes (with
  // TLS, see SetTls); here the caller's thread wrote it, and waking the
  // network thread for nothing cost a context switch and three system calls
  // per message. (The pair is non-blocking: once full, its writes fail.)
  int PollOnce() {
    int sock = mosquitto_socket(mosq_);
    if (sock < 0) return MOSQ_ERR_NO_CONN;
    pollfd fds[2] = {
        {.fd = sock,
         .events = static_cast<short>(POLLIN | (mosquitto_want_write(mosq_) ? POLLOUT : 0)),
         .revents = 0},
        {.fd = wake_fd_, .events = POLLIN, .revents = 0}};
    int n = poll(fds, wake_fd_ >= 0 ? 2 : 1, kPollMs);
    if (n < 0) return errno == EINTR ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ERRNO;
    if (fds[1].revents & POLLIN) {
      std::uint64_t count = 0;
      (void)!::read(wake_fd_, &count, sizeof count);
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (int rc = mosquitto_loop_read(mosq_, 1); rc != MOSQ_ERR_SUCCESS) return rc;
    }
    if (mosquitto_want_write(mosq_)) {
      if (int rc = mosquitto_loop_write(mosq_, 1); rc != MOSQ_ERR_SUCCESS) return rc;
    }
    return mosquitto_loop_misc(mosq_);
  }

  void Wake() {
    std::uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  }

  // A packet the caller's thread could not write whole (the socket was full),
  // or queued in a callback, is the network thread's to finish: it must not
  // wait for the next read or the poll's timeout to notice.
  void WakeIfWriteLeft() {
    if (!tls_ && mosquitto_want_write(mosq_)) Wake();
  }

  static MosquittoTransport* Self(void* obj) { return static_cast<MosquittoTransport*>(obj); }

  static void OnConnect(mosquitto* mosq, void* obj, int rc, int, const mosquitto_property*) {
    auto* self = Self(obj);
    if (rc == 0) {
      std::vector<std::pair<std::string, int>> subs;
      {
        std::lock_guard lock(self->mu_);
        subs = self->subscriptions_;
      }
      for (const auto& [filter, qos] : subs) {
        mosquitto_subscribe_v5(mosq, nullptr, filter.c_str(), qos, 0, nullptr);
      }
    }
    {
      std::lock_guard lock(self->mu_);
      self->connack_ = rc;
    }
    self->cv_.notify_all();
    if (rc == 0 && self->connection_handler_) self->connection_handler_(ConnectionEvent::kUp);
  }

  static void OnDisconnect(mosquitto*, void* obj, int, const mosquitto_property*) {
    auto* self = Self(obj);
    if (self->connection_handler_) self->connection_handler_(ConnectionEvent::kLost);
  }

  static void OnSubscribe(mosquitto*, void* obj, int mid, int, const int*,
                          const mosquitto_property*) {
    auto* self = Self(obj);
    {
      std::lock_guard lock(self->mu_);
      self->subacked_.insert(mid);
    }
    self->cv_.notify_all();
  }

  static void OnPublish(mosquitto*, void* obj, int, int, const mosquitto_property*) {
    Self(obj)->acked_.fetch_add(1);
  }

  static void OnMessage(mosquitto*, void* obj, const mosquitto_message* m,
                        const mosquitto_property* props) {
    auto* self = Self(obj);
    if (!self->receiver_) return;
    InboundMessage in;
    in.topic = m->topic;
    in.payload.assign(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
    in.retained = m->retain;
    char* response = nullptr;
    if (mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &response, false)) {
      in.response_topic = response;
      std::free(response);
    }
    void* corr = nullptr;
    uint16_t corr_len = 0;
    if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &corr, &corr_len,
                                       false)) {
      in.correlation_data.assign(static_cast<const char*>(corr), corr_len);
      std::free(corr);
    }
    self->receiver_(std::move(in));
  }

  TransportOptions options_;
  mosquitto* mosq_ = nullptr;
  static constexpr int kPollMs = 500;  // how soon an idle loop sees Disconnect
  bool loop_started_ = false;
  bool tls_ = false;
  int wake_fd_ = -1;  // eventfd: wakes PollOnce
  std::thread loop_;
  std::atomic<bool> stopping_{false};
  std::function<void(InboundMessage)> receiver_;
  std::function<void(ConnectionEvent)> connection_handler_;
  std::atomic<std::int64_t> published_{0}, acked_{0};

  std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  int connack_ = -1;
  std::set<int> subacked_;
  std::vector<std::pair<std::string, int>> subscriptions_;
};

}  // namespace

std::unique_ptr<Transport> NewMosquittoTransport(TransportOptions options) {
  return std::make_unique<MosquittoTransport>(std::move(options));
}

}  // namespace tripmesh::runtime
