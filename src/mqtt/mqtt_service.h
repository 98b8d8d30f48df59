// vigil's MQTT surface (mqtt.md): availability, per-camera and per-zone counts, best
// snapshots, events, stats, and the detect/clips/snapshots switches; and alongside, what
// today's Home Assistant integration reads (ha-current.md §3): `<cam>/motion`, `all` and
// `/active` counts, review_status, the 0.14 switches and numbers. Enabled when the
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
#include "review/review_maintainer.h"
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
  // A camera's review messages (ha-current.md §7.3): the announced ones on `<p>/reviews`
  // (not retained), and `<cam>/review_status` after them (0.17: ALERT / DETECTION on
  // new and update, NONE on end).
  void on_reviews(const std::vector<ReviewMessage>& messages);

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
  // with state_mu_ held: 0.14's motion, active counts and `all` of a frame
  void on_frame_014(const CameraConfig& cam, const FrameSummary& s);
  // with state_mu_ held: sets zone × label's count from `camera` to `n` in `tally` and
  // publishes the new total on `<zone>/<label><suffix>` if it changed.
  struct ZoneTally {
    std::map<std::string, std::map<std::string, std::map<std::string, int>>> per_camera;  // zone → label → camera → n
    std::map<std::string, std::map<std::string, int>> totals;                             // zone → label → total
  };
  void set_zone_count(ZoneTally& tally, const std::string& zone, const std::string& label, const std::string& camera,
                      int n, const std::string& suffix);

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
  // 0.14 (ha-current.md §3), guarded by state_mu_ like the counts: `all` and active
  // (non-stationary) counts, republished on connect.
  std::map<std::string, std::map<std::string, int>> all_counts_;     // camera → "" / "active" → all
  std::map<std::string, std::map<std::string, int>> active_counts_;  // camera → label (and "all") → active
  ZoneTally zone_all_, zone_active_;  // label "all" of every label; active per label and "all"
  struct MotionState {
    bool on = false;         // `<cam>/motion` last published ON (reset to OFF on connect)
    double last_motion = 0;  // frame time of the latest frame with motion boxes
  };
  std::map<std::string, MotionState> motion_;         // camera → its motion topic state
  std::map<std::string, std::string> review_status_;  // camera → NONE / DETECTION / ALERT of its segments

  std::vector<EventMessage> recovered_ends_;  // network thread after start()

  Worker worker_{clock_};             // the publishing thread; its mutex() guards the queue
  std::deque<Outgoing> queue_;        // guarded by worker_.mutex()
  bool overflow_warned_ = false;      // guarded by worker_.mutex(): the overflow was logged, not since below half
  std::atomic<uint64_t> dropped_{0};  // messages the full queue dropped
};

}  // namespace vigil
