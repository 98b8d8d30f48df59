// One MQTT connection with libmosquitto (mqtt.md §1): clean session, keep-alive 60 s,
// last will `offline` (QoS 1, retained), optional user/password. A network thread of
// its own connects (asynchronously: a broker that is down never blocks anyone), gives
// each attempt 5 s to get its CONNACK, waits 1 s doubling to 30 s after every failed
// attempt or lost connection (MqttReconnect), and runs the callbacks. publish()
// may be called from any thread and never blocks; while disconnected it drops.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "mqtt/mqtt_reconnect.h"
#include "util/clock.h"

struct mosquitto;
struct mosquitto_message;

namespace vigil {

class MqttClient {
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

  MqttClient(Options opts, ConnectHandler on_connect, MessageHandler on_message);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void start();
  // Publishes `final_payload` on `final_topic` (retained) if connected, disconnects
  // cleanly (so the broker does not send the will) and joins the thread.
  void stop(const std::string& final_topic = "", const std::string& final_payload = "");

  // QoS 0. False when not connected (the message is dropped).
  bool publish(const std::string& topic, const std::string& payload, bool retain);
  bool subscribe(const std::string& pattern);
  bool connected() const { return connected_; }

 private:
  void run();
  bool sleep_for(double seconds);  // false when stopping
  void report(const std::string& state, bool warn);
  static void on_connect_cb(mosquitto*, void* self, int rc);
  static void on_disconnect_cb(mosquitto*, void* self, int rc);
  static void on_message_cb(mosquitto*, void* self, const mosquitto_message* m);

  Options opts_;
  ConnectHandler on_connect_;
  MessageHandler on_message_;
  mosquitto* mosq_ = nullptr;
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopping_{false};
  std::string final_topic_, final_payload_;           // set before stopping_
  MqttReconnect reconnect_{SystemClock::instance()};  // network thread: deadline, backoff
  bool had_connection_ = false;                       // network thread: connected since the last attempt
  std::string last_state_;                            // network thread: last logged connection state
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace vigil
