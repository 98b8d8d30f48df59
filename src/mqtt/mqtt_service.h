// vigil's MQTT surface (mqtt.md): availability, per-camera and per-zone counts, best
// snapshots, events, stats, and the detect/clips/snapshots switches. Enabled when the
// config has an `mqtt` section.
//
// Cameras call on_frame/on_events from their processing threads; those only update
// counters and queue messages (bounded: 1000, the oldest non-retained dropped first).
// A worker thread renders snapshots and hands messages to the MqttClient, which drops
// them while disconnected. On every connect the availability, switch states and all
// counts are republished and the `…/set` topics re-subscribed (§1.1).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "camera/frame_summary.h"
#include "config/config.h"
#include "config/switches.h"
#include "events/event_lifecycle.h"
#include "mqtt/mqtt_client.h"
#include "util/clock.h"
#include "util/worker.h"

namespace vigil {

class MqttService {
 public:
  static constexpr size_t kMaxQueue = 1000;
  static constexpr double kFirstStats = 10;  // seconds after start

  // Makes the broker connection; the default is an MqttClient on the service's clock.
  using ConnectionFactory = std::function<std::unique_ptr<MqttConnection>(
      MqttClient::Options, MqttClient::ConnectHandler, MqttClient::MessageHandler)>;

  // The stats timer and the client's waits run on `clock`.
  MqttService(const Config& cfg, SwitchesMap switches, std::function<std::string()> stats_json,
              const Clock& clock = SystemClock::instance(), ConnectionFactory connect = {});
  ~MqttService();
  MqttService(const MqttService&) = delete;
  MqttService& operator=(const MqttService&) = delete;

  // `end` messages of events recovered after a crash, sent once on the first connect
  // (mqtt.md §1.1 step 5). Call before start().
  void set_recovered_ends(std::vector<EventMessage> ends) { recovered_ends_ = std::move(ends); }

  void start();
  // Sends what is queued, publishes `offline` and disconnects.
  void stop();

  // The broker connection's state (service.degraded.mqtt of /api/stats), from any thread.
  // `dropped`: messages dropped because more than kMaxQueue were waiting.
  struct Health {
    bool connected = false;
    uint64_t failed_attempts = 0, dropped = 0;
  };
  Health health() const;

  // From camera processing threads.
  void on_frame(const std::string& camera, const FrameSummary& s);
  void on_events(const std::vector<EventMessage>& messages);

 private:
  struct Outgoing {
    std::string topic, payload;
    bool retain = false;
    std::optional<TrackedObject> snapshot;  // render this object's best image as payload
    const CameraConfig* cam = nullptr;
  };
  void enqueue(Outgoing m);
  void enqueue_locked(Outgoing m);  // with mu_ held
  void queue_snapshot(const CameraConfig& cam, const TrackedObject& o);
  void run(double started);  // the worker's loop; `started`: clock mono() at start()
  void on_connect();         // network thread
  void on_message(const std::string& topic, const std::string& payload, bool);  // network thread
  std::string topic(const std::string& a, const std::string& b = "", const std::string& c = "") const;

  const Config& cfg_;
  const std::string prefix_;
  SwitchesMap switches_;
  std::function<std::string()> stats_json_;
  const Clock& clock_;
  std::unique_ptr<MqttConnection> client_;

  std::mutex state_mu_;  // counts and best objects; held while their messages are queued
  std::map<std::string, std::map<std::string, int>> counts_;                              // camera → label → count
  std::map<std::string, std::map<std::string, std::map<std::string, int>>> zone_counts_;  // zone → label → camera → n
  std::map<std::string, std::map<std::string, int>> zone_totals_;                         // zone → label → total
  std::map<std::string, std::map<std::string, TrackedObject>> best_;  // camera → label → best object

  std::vector<EventMessage> recovered_ends_;  // network thread after start()

  Worker worker_{clock_};             // the publishing thread; its mutex() guards the queue
  std::deque<Outgoing> queue_;        // guarded by worker_.mutex()
  bool overflow_warned_ = false;      // guarded by worker_.mutex(): the overflow was logged, not since below half
  std::atomic<uint64_t> dropped_{0};  // messages the full queue dropped
};

}  // namespace vigil
