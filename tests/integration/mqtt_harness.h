// MQTT test helpers: a real mosquitto broker on a free port and a subscriber that
// records every message (libmosquitto, as any client would).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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

struct MqttMessage {
  std::string topic, payload;
  bool retain = false;
  double t = 0;  // now_mono() when received
};

// Subscribes to `<filter>` on every (re)connect and keeps every message.
class Subscriber {
 public:
  Subscriber(int port, std::string filter = "#", std::optional<std::pair<std::string, std::string>> user = std::nullopt);
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
  void publish(const std::string& topic, const std::string& payload, bool retain = false);
  bool connected() const;

 private:
  struct State;
  std::unique_ptr<State> st_;
  mosquitto* mosq_ = nullptr;
};

}  // namespace vigil::test
