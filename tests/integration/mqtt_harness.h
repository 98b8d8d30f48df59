// MQTT test helpers: a real mosquitto broker on a free port and a subscriber that
// records every message (libmosquitto, as any client would).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

struct mosquitto;

namespace vigil::test {

// mosquitto listening on 127.0.0.1:<port>; anonymous, or with one user when given.
class Broker {
 public:
  explicit Broker(std::optional<std::pair<std::string, std::string>> user = std::nullopt, int port = free_port());
  ~Broker();
  int port() const { return port_; }
  void start();  // waits until it accepts connections
  void stop();   // SIGTERM, wait
  std::string log() const;

 private:
  int port_;
  std::string dir_;
  Process proc_;
};

// A TCP listener that plays a broken broker on 127.0.0.1:<port()>: it accepts every
// connection and then never answers (Silent), writes garbage and closes (Garbage), or
// accepts the CONNECT and closes right after its CONNACK (ConnackThenClose). It records
// each connection: when it was accepted and when the client closed it.
class FakeBroker {
 public:
  enum class Mode { Silent, Garbage, ConnackThenClose };
  struct Connection {
    double accepted = 0;  // now_mono()
    double closed = -1;   // when the client closed it (Silent only); -1 while open
  };
  explicit FakeBroker(Mode mode);
  ~FakeBroker();
  int port() const { return port_; }
  std::vector<Connection> connections() const;
  // Waits until `n` connections were accepted.
  bool wait_connections(size_t n, double timeout) const;

 private:
  void loop();
  Mode mode_;
  int listen_fd_ = -1, port_ = 0;
  mutable std::mutex mu_;
  std::vector<Connection> conns_;  // guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct MqttMessage {
  std::string topic, payload;
  bool retain = false;
  double t = 0;  // now_mono() when received
};

// Subscribes to `<filter>` on every (re)connect and keeps every message.
class Subscriber {
 public:
  Subscriber(int port, std::string filter = "#",
             std::optional<std::pair<std::string, std::string>> user = std::nullopt);
  ~Subscriber();
  // Messages received so far.
  std::vector<MqttMessage> messages() const;
  // Waits until a message from index `from` on satisfies `pred`; returns its index.
  std::optional<size_t> wait_for(const std::function<bool(const MqttMessage&)>& pred, double timeout = 60,
                                 size_t from = 0) const;
  // Waits for `topic` with `payload` (any payload if empty).
  std::optional<size_t> wait_for(const std::string& topic, const std::string& payload = "", double timeout = 60,
                                 size_t from = 0) const;
  size_t size() const;
  // Waits until the broker has acknowledged `n` subscriptions (one per (re)connect);
  // the constructor waits for the first.
  bool wait_subscribed(int n, double timeout = 20) const;
  void publish(const std::string& topic, const std::string& payload, bool retain = false);
  bool connected() const;

 private:
  struct State;
  std::unique_ptr<State> st_;
  mosquitto* mosq_ = nullptr;
};

}  // namespace vigil::test
