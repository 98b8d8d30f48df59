// MqttService on a manual clock with a fake connection: the stats timer (first after
// 10 s of the clock, then every stats_interval), the bounded queue (oldest non-retained
// dropped first), dropping while disconnected, and what is queued sent before stop.
#include "mqtt/mqtt_service.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_media.h"

namespace vigil {
namespace {

using test::eventually;

struct Published {
  std::string topic, payload;
  bool retain = false;
};

// A broker connection that records what is published; publish() can be held until the
// test releases it, so messages pile up in the service's queue.
class FakeConnection final : public MqttConnection {
 public:
  MqttClient::ConnectHandler on_connect;
  MqttClient::MessageHandler on_message;

  void start() override {}
  void stop(const std::string& topic, const std::string& payload) override {
    if (!topic.empty()) publish(topic, payload, true);
  }
  bool publish(const std::string& topic, const std::string& payload, bool retain) override {
    std::unique_lock lock(mu_);
    if (!connected_) return false;
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !hold_; });
    published_.push_back({topic, payload, retain});
    return true;
  }
  bool subscribe(const std::string&) override { return connected_; }
  uint64_t failed_attempts() const override { return 0; }
  bool connected() const override {
    std::lock_guard lock(mu_);
    ++checks_;
    return connected_;
  }
  // connected() calls so far: the service asks before each message and each stats.
  int checks() const {
    std::lock_guard lock(mu_);
    return checks_;
  }

  void set_connected(bool c) {
    std::lock_guard lock(mu_);
    connected_ = c;
  }
  void hold(bool h) {
    std::lock_guard lock(mu_);
    hold_ = h;
    cv_.notify_all();
  }
  int entered() const {
    std::lock_guard lock(mu_);
    return entered_;
  }
  std::vector<Published> published() const {
    std::lock_guard lock(mu_);
    return published_;
  }
  // Published messages on `topic`.
  std::vector<Published> on(const std::string& topic) const {
    std::vector<Published> out;
    for (const Published& p : published())
      if (p.topic == topic) out.push_back(p);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;
  bool hold_ = false;                 // publish() waits while set
  int entered_ = 0;                   // publish() calls while connected
  mutable int checks_ = 0;            // connected() calls
  std::vector<Published> published_;  // in order
};

const std::string kYaml = R"(mqtt:
  host: 127.0.0.1
  stats_interval: 5
cameras:
  walk:
    ffmpeg:
      inputs:
        - path: rtsp://cam/walk
          roles: [detect]
    width: 640
    height: 360
)";

class MqttServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = parse_config(kYaml, false);
    for (const CameraConfig& c : cfg_.cameras) switches_[c.name] = std::make_shared<CameraSwitches>(c);
    service_ = std::make_unique<MqttService>(
        cfg_, switches_, [this] { return "{\"n\":" + std::to_string(++stats_made_) + "}"; }, clock_,
        [this](MqttClient::Options, MqttClient::ConnectHandler c, MqttClient::MessageHandler m) {
          auto conn = std::make_unique<FakeConnection>();
          conn->on_connect = std::move(c);
          conn->on_message = std::move(m);
          conn_ = conn.get();
          return conn;
        });
  }
  void TearDown() override {
    conn_->hold(false);
    service_->stop();
  }

  // A frame of camera walk with `n` people: queues frigate/walk/person when n changed.
  void people(int n) {
    FrameSummary s;
    s.counts["person"] = n;
    service_->on_frame("walk", s);
  }
  // Waits until `n` is the last count published on frigate/walk/person.
  bool count_published(int n) {
    return eventually([&] {
      auto p = conn_->on("frigate/walk/person");
      return !p.empty() && p.back().payload == std::to_string(n);
    });
  }

  ManualClock clock_;
  Config cfg_;
  SwitchesMap switches_;
  std::atomic<int> stats_made_{0};
  FakeConnection* conn_ = nullptr;  // owned by service_
  std::unique_ptr<MqttService> service_;
};

TEST_F(MqttServiceTest, StatsFollowTheClock) {
  conn_->set_connected(true);
  service_->start();
  int n = 0;
  clock_.advance(MqttService::kFirstStats - 0.5);
  people(++n);
  // The count went out after the clock reached 9.5 s: the loop saw that no stats were due.
  ASSERT_TRUE(count_published(n));
  EXPECT_TRUE(conn_->on("frigate/stats").empty()) << "stats before 10 s";
  clock_.advance(0.5);
  ASSERT_TRUE(eventually([&] { return conn_->on("frigate/stats").size() == 1; }));
  EXPECT_EQ(conn_->on("frigate/stats")[0].payload, "{\"n\":1}");
  EXPECT_FALSE(conn_->on("frigate/stats")[0].retain);
  for (int i = 2; i <= 4; ++i) {
    clock_.advance(4.5);  // stats_interval 5: not yet
    people(++n);
    ASSERT_TRUE(count_published(n));
    EXPECT_EQ(conn_->on("frigate/stats").size(), size_t(i - 1)) << "stats before the interval";
    clock_.advance(0.5);
    ASSERT_TRUE(eventually([&] { return conn_->on("frigate/stats").size() == size_t(i); })) << i;
  }
  EXPECT_EQ(stats_made_, 4);
}

TEST_F(MqttServiceTest, NothingIsSentWhileDisconnected) {
  service_->start();
  clock_.advance(MqttService::kFirstStats);
  ASSERT_TRUE(eventually([&] { return conn_->checks() == 1; }));  // the stats due now: skipped
  people(1);
  ASSERT_TRUE(eventually([&] { return conn_->checks() == 2; }));  // the count: dropped
  conn_->set_connected(true);
  people(2);
  ASSERT_TRUE(count_published(2));
  EXPECT_TRUE(conn_->on("frigate/stats").empty());
  EXPECT_EQ(conn_->on("frigate/walk/person").size(), 1u) << "a message queued while disconnected was sent";
  clock_.advance(5);
  ASSERT_TRUE(eventually([&] { return conn_->on("frigate/stats").size() == 1; }));
  EXPECT_EQ(stats_made_, 1) << "stats are not even made while disconnected";
}

TEST_F(MqttServiceTest, FullQueueDropsTheOldestNonRetainedMessages) {
  conn_->set_connected(true);
  conn_->hold(true);
  service_->start();
  people(1);  // taken by the worker, which is held in publish()
  ASSERT_TRUE(eventually([&] { return conn_->entered() == 1; }));
  conn_->on_message("frigate/walk/detect/set", "OFF", false);  // queues the retained state
  const int extra = 100;
  for (int n = 2; n <= int(MqttService::kMaxQueue) + 1 + extra; ++n) people(n);
  conn_->hold(false);
  const int last = int(MqttService::kMaxQueue) + 1 + extra;
  ASSERT_TRUE(count_published(last));
  std::vector<Published> all = conn_->published();
  ASSERT_EQ(all.size(), MqttService::kMaxQueue + 1);  // the one held, then a full queue
  EXPECT_EQ(all[0].payload, "1");
  EXPECT_EQ(all[1].topic, "frigate/walk/detect/state") << "the retained message outlives newer counts";
  EXPECT_EQ(all[1].payload, "OFF");
  EXPECT_TRUE(all[1].retain);
  EXPECT_EQ(all[2].payload, std::to_string(3 + extra)) << "the oldest counts were dropped";
  EXPECT_EQ(all.back().payload, std::to_string(last));
}

TEST_F(MqttServiceTest, StopSendsWhatIsQueuedThenOffline) {
  conn_->set_connected(true);
  conn_->hold(true);
  service_->start();
  people(1);
  ASSERT_TRUE(eventually([&] { return conn_->entered() == 1; }));
  people(2);
  people(3);
  conn_->hold(false);
  service_->stop();
  std::vector<Published> all = conn_->published();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[2].payload, "3");
  EXPECT_EQ(all[3].topic, "frigate/available");
  EXPECT_EQ(all[3].payload, "offline");
}

TEST_F(MqttServiceTest, OnConnectPublishesStateAndCounts) {
  service_->start();
  conn_->set_connected(true);
  conn_->on_connect();
  ASSERT_TRUE(count_published(0));  // counts are re-sent on connect, zeros included
  // 0.8's five messages come first; 0.14's (OnConnectPublishesHomeAssistantStates) follow.
  ASSERT_TRUE(eventually([&] { return !conn_->on("frigate/walk/all/active").empty(); }));
  std::vector<Published> all = conn_->published();
  ASSERT_GT(all.size(), 5u);
  EXPECT_EQ(all[4].topic, "frigate/walk/person");
  EXPECT_EQ(all[0].topic, "frigate/available");
  EXPECT_EQ(all[0].payload, "online");
  EXPECT_TRUE(all[0].retain);
  EXPECT_EQ(all[3].topic, "frigate/walk/detect/state");
  EXPECT_EQ(all[3].payload, "ON");
}

// ha-current.md §3.4: every switch and number's retained state, `<cam>/motion` OFF (not
// retained), review_status, `all` and `/active` counts.
TEST_F(MqttServiceTest, OnConnectPublishesHomeAssistantStates) {
  service_->start();
  conn_->set_connected(true);
  conn_->on_connect();
  ASSERT_TRUE(eventually([&] { return !conn_->on("frigate/walk/all/active").empty(); }));
  const std::map<std::string, std::string> states = {{"detect", "ON"},
                                                     {"motion", "ON"},
                                                     {"recordings", "OFF"},
                                                     {"snapshots", "OFF"},
                                                     {"improve_contrast", "OFF"},
                                                     {"review_alerts", "ON"},
                                                     {"review_detections", "ON"},
                                                     {"audio", "OFF"},
                                                     {"ptz_autotracker", "OFF"},
                                                     {"motion_threshold", "25"},
                                                     {"motion_contour_area", "100"}};
  for (const auto& [what, payload] : states) {
    auto p = conn_->on("frigate/walk/" + what + "/state");
    ASSERT_EQ(p.size(), 1u) << what;
    EXPECT_EQ(p[0].payload, payload) << what;
    EXPECT_TRUE(p[0].retain) << what;
  }
  for (const std::string t : {"frigate/walk/motion", "frigate/walk/review_status", "frigate/walk/person/active",
                              "frigate/walk/all", "frigate/walk/all/active"}) {
    auto p = conn_->on(t);
    ASSERT_EQ(p.size(), 1u) << t;
    EXPECT_FALSE(p[0].retain) << t;
  }
  EXPECT_EQ(conn_->on("frigate/walk/motion")[0].payload, "OFF");
  EXPECT_EQ(conn_->on("frigate/walk/review_status")[0].payload, "NONE");
  EXPECT_EQ(conn_->on("frigate/walk/all")[0].payload, "0");
}

// Motion ON on the transition only, OFF after mqtt_off_delay (30 s) of frame time without.
TEST_F(MqttServiceTest, MotionTopicFollowsMotionBoxesWithOffDelay) {
  service_->start();
  conn_->set_connected(true);
  auto frame = [&](double t, bool motion) {
    FrameSummary s;
    s.frame_time = t;
    s.motion = motion;
    service_->on_frame("walk", s);
  };
  auto motion_msgs = [&] {
    std::string out;
    for (const Published& p : conn_->on("frigate/walk/motion")) out += p.payload + " ";
    return out;
  };
  frame(100, true);
  frame(101, true);
  frame(110, false);
  frame(129.9, false);  // 29.9 s after the last motion: still ON
  frame(130, false);    // 30 s: OFF
  frame(131, false);
  frame(140, true);
  people(1);  // a marker queued after all of the above
  ASSERT_TRUE(count_published(1));
  EXPECT_EQ(motion_msgs(), "ON OFF ON ");
}

// Active counts exclude stationary objects; `all` sums labels; review_status is no longer
// decided per frame: it follows the review segments (on_reviews).
TEST_F(MqttServiceTest, ActiveCountsAllAndReviewStatus) {
  service_->start();
  conn_->set_connected(true);
  auto frame = [&](int person, int active_person, int car_active) {
    FrameSummary s;
    s.counts = {{"person", person}, {"car", car_active}};
    s.active_counts = {{"person", active_person}, {"car", car_active}};
    for (int i = 0; i < active_person; ++i) s.active.push_back({"person", {}, "", {}});
    for (int i = 0; i < car_active; ++i) s.active.push_back({"car", {}, "", {}});
    service_->on_frame("walk", s);
  };
  auto last = [&](const std::string& t) {
    auto p = conn_->on(t);
    return p.empty() ? std::string("-") : p.back().payload;
  };
  frame(2, 1, 0);
  people(9);  // marker
  ASSERT_TRUE(count_published(9));
  EXPECT_EQ(last("frigate/walk/person/active"), "1");
  EXPECT_EQ(last("frigate/walk/all"), "2");
  EXPECT_EQ(last("frigate/walk/all/active"), "1");
  EXPECT_EQ(last("frigate/walk/review_status"), "-");  // active objects alone: no status

  // A segment: new (alert) → ALERT, a silent update publishes nothing, end → NONE; each
  // announced message on `reviews`, not retained.
  ReviewSegment seg;
  seg.id = "1600000000.000000-abc123";
  seg.camera = "walk";
  seg.severity = ReviewSeverity::kAlert;
  ReviewSegment ended = seg;
  ended.end_time = 1600000010.0;
  service_->on_reviews({{ReviewMessage::kNew, seg, seg, nullptr, {}, true}});
  service_->on_reviews({{ReviewMessage::kUpdate, seg, seg, nullptr, {}, false}});
  people(8);
  ASSERT_TRUE(count_published(8));
  EXPECT_EQ(last("frigate/walk/review_status"), "ALERT");
  service_->on_reviews({{ReviewMessage::kEnd, seg, ended, nullptr, {}, true}});
  people(7);
  ASSERT_TRUE(count_published(7));
  EXPECT_EQ(last("frigate/walk/review_status"), "NONE");
  auto reviews = conn_->on("frigate/reviews");
  ASSERT_EQ(reviews.size(), 2u);
  for (const auto& r : reviews) EXPECT_FALSE(r.retain);
  auto j = nlohmann::json::parse(reviews[0].payload);
  EXPECT_EQ(j["type"], "new");
  EXPECT_EQ(j["before"], j["after"]);
  EXPECT_EQ(j["after"]["severity"], "alert");
  EXPECT_TRUE(j["after"]["end_time"].is_null());
  j = nlohmann::json::parse(reviews[1].payload);
  EXPECT_EQ(j["type"], "end");
  EXPECT_EQ(j["after"]["end_time"], 1600000010.0);
  EXPECT_TRUE(j["before"]["end_time"].is_null());
}

// `/set` of the 0.14 switches and numbers: applied, `/state` published back; refusals as
// 0.14 (no state); bad numbers leave the value and republish it.
TEST_F(MqttServiceTest, HomeAssistantSetCommands) {
  service_->start();
  conn_->set_connected(true);
  CameraSwitches& sw = *switches_.at("walk");
  auto last = [&](const std::string& t) {
    auto p = conn_->on(t);
    return p.empty() ? std::string("-") : p.back().payload;
  };
  auto settle = [&](int marker) {
    people(marker);
    return count_published(marker);
  };
  conn_->on_message("frigate/walk/motion/set", "OFF", false);     // refused: detect is on
  conn_->on_message("frigate/walk/recordings/set", "ON", false);  // refused: record not enabled
  conn_->on_message("frigate/walk/audio/set", "ON", false);       // refused: no audio
  conn_->on_message("frigate/walk/motion_threshold/set", "50", false);
  conn_->on_message("frigate/walk/motion_contour_area/set", "200", false);  // out of 5–100
  conn_->on_message("frigate/walk/motion_contour_area/set", "x", false);
  conn_->on_message("frigate/walk/improve_contrast/set", "ON", false);
  ASSERT_TRUE(settle(3));
  EXPECT_TRUE(sw.motion);
  EXPECT_FALSE(sw.recordings);
  EXPECT_EQ(last("frigate/walk/motion/state"), "-");
  EXPECT_EQ(last("frigate/walk/recordings/state"), "-");
  EXPECT_EQ(last("frigate/walk/audio/state"), "-");
  EXPECT_EQ(sw.motion_threshold.load(), 50);
  EXPECT_EQ(last("frigate/walk/motion_threshold/state"), "50");
  EXPECT_EQ(sw.motion_contour_area.load(), 100);
  EXPECT_EQ(conn_->on("frigate/walk/motion_contour_area/state").size(), 2u);
  EXPECT_EQ(last("frigate/walk/motion_contour_area/state"), "100");
  EXPECT_TRUE(sw.improve_contrast);
  EXPECT_EQ(last("frigate/walk/improve_contrast/state"), "ON");

  conn_->on_message("frigate/walk/detect/set", "OFF", false);
  conn_->on_message("frigate/walk/motion/set", "OFF", false);  // allowed now
  ASSERT_TRUE(settle(4));
  EXPECT_FALSE(sw.motion);
  EXPECT_EQ(last("frigate/walk/motion/state"), "OFF");
  conn_->on_message("frigate/walk/detect/set", "ON", false);  // turns motion back on
  ASSERT_TRUE(settle(5));
  EXPECT_TRUE(sw.motion);
  EXPECT_EQ(last("frigate/walk/detect/state"), "ON");
  EXPECT_EQ(last("frigate/walk/motion/state"), "ON");
  for (const Published& p : conn_->published())
    if (p.topic.find("/state") != std::string::npos) {
      EXPECT_TRUE(p.retain) << p.topic;
    }
}

}  // namespace
}  // namespace vigil

namespace vigil {

// 0.14's `review` (global, camera keys override) and motion.mqtt_off_delay are read.
TEST(MqttHaConfig, ReviewSectionAndMqttOffDelay) {
  Config c = parse_config(R"(review:
  alerts:
    labels: [car]
  detections:
    required_zones: [yard]
motion:
  mqtt_off_delay: 5
cameras:
  walk:
    ffmpeg:
      inputs:
        - path: rtsp://cam/walk
          roles: [detect]
    width: 640
    height: 360
    review:
      alerts:
        required_zones: [door]
  back:
    ffmpeg:
      inputs:
        - path: rtsp://cam/back
          roles: [detect]
    width: 640
    height: 360
    motion: {mqtt_off_delay: 0}
)",
                          false);
  const CameraConfig& walk = *c.camera("walk");
  ASSERT_TRUE(walk.review.alerts.labels);
  EXPECT_EQ(*walk.review.alerts.labels, std::vector<std::string>{"car"});
  EXPECT_EQ(walk.review.alerts.required_zones, std::vector<std::string>{"door"});
  EXPECT_FALSE(walk.review.detections.labels);
  EXPECT_EQ(walk.review.detections.required_zones, std::vector<std::string>{"yard"});
  EXPECT_EQ(walk.motion.mqtt_off_delay, 5);
  EXPECT_EQ(c.camera("back")->motion.mqtt_off_delay, 0);
  EXPECT_TRUE(c.camera("back")->review.alerts.required_zones.empty());
  EXPECT_FALSE(parse_config(kYaml, false).cameras[0].review.alerts.labels);
  EXPECT_EQ(parse_config(kYaml, false).cameras[0].motion.mqtt_off_delay, 30);
}

}  // namespace vigil
