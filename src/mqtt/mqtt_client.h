// One MQTT connection with libmosquitto (mqtt.md §1): clean session, keep-alive 60 s,
// last will `offline` (QoS 1, retained), optional user/password. A network thread of
// its own connects (asynchronously: a broker that is down never blocks anyone), gives
// each attempt 5 s to get its CONNACK, waits 1 s doubling to 30 s after every failed
// attempt or lost connection (MqttReconnect), and runs the callbacks. publish()
// may be called from any thread and never blocks; while disconnected it drops.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "mqtt/mqtt_reconnect.h"
#include "util/clock.h"
#include "util/worker.h"

struct mosquitto;
struct mosquitto_message;

namespace vigil {

// What MqttService needs of a broker connection: MqttClient, or a fake in tests.
class MqttConnection {
 public:
  virtual ~MqttConnection() = default;
  virtual void start() = 0;
  // Publishes `final_payload` on `final_topic` (retained) if connected, then disconnects.
  virtual void stop(const std::string& final_topic = "", const std::string& final_payload = "") = 0;
  // QoS 0; never blocks. False when not connected (the message is dropped).
  virtual bool publish(const std::string& topic, const std::string& payload, bool retain) = 0;
  virtual bool subscribe(const std::string& pattern) = 0;
  virtual bool connected() const = 0;
  // Connection attempts that failed or connections that were lost (each backed off).
  virtual uint64_t failed_attempts() const = 0;
};

class MqttClient final : public MqttConnection {
 public:
  struct Options {
    std::string host;
    int port = 1883;
    std::string client_id = "frigate";
    std::optional<std::string> user, password;
    std::string will_topic;  // receives `offline` (retained) from the broker
    std::string will_payload = "offline";
    int keepalive = 60;
  };
  // On the network thread after every successful connect (first and reconnects).
  using ConnectHandler = std::function<void()>;
  // On the network thread for every message of a subscription.
  using MessageHandler = std::function<void(const std::string& topic, const std::string& payload, bool retained)>;
  // On the network thread when it starts waiting `delay` s of the clock before the next
  // connection attempt (tests wait on it).
  using BackoffHandler = std::function<void(double delay)>;

  // Waits (CONNACK deadline, backoff) run on `clock`.
  MqttClient(Options opts, ConnectHandler on_connect, MessageHandler on_message,
             const Clock& clock = SystemClock::instance());
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Before start().
  void set_backoff_handler(BackoffHandler h) { on_backoff_ = std::move(h); }

  void start() override;
  // Publishes `final_payload` on `final_topic` (retained) if connected, disconnects
  // cleanly (so the broker does not send the will) and joins the thread.
  void stop(const std::string& final_topic = "", const std::string& final_payload = "") override;

  // QoS 0. False when not connected (the message is dropped).
  bool publish(const std::string& topic, const std::string& payload, bool retain) override;
  bool subscribe(const std::string& pattern) override;
  bool connected() const override { return connected_; }
  uint64_t failed_attempts() const override { return failed_attempts_; }

 private:
  void run();
  void report(const std::string& state, bool warn);
  static void on_connect_cb(mosquitto*, void* self, int rc);
  static void on_disconnect_cb(mosquitto*, void* self, int rc);
  static void on_message_cb(mosquitto*, void* self, const mosquitto_message* m);

  Options opts_;
  ConnectHandler on_connect_;
  MessageHandler on_message_;
  BackoffHandler on_backoff_;  // set before start()
  const Clock& clock_;
  mosquitto* mosq_ = nullptr;
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> failed_attempts_{0};  // counted by the network thread at each backoff
  std::string final_topic_, final_payload_;   // guarded by worker_.mutex(); set before the stop request
  MqttReconnect reconnect_{clock_};           // network thread: deadline, backoff
  bool had_connection_ = false;               // network thread: connected since the last attempt
  std::string last_state_;                    // network thread: last logged connection state
  Worker worker_{clock_};                     // the network thread (last: stopped first)
};

}  // namespace vigil
