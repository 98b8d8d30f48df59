// MqttService on a manual clock with a fake connection: the stats timer (first after
// 10 s of the clock, then every stats_interval), the bounded queue (oldest non-retained
// dropped first), dropping while disconnected, and what is queued sent before stop.
#include "mqtt/mqtt_service.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
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
  std::vector<Published> all = conn_->published();
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].topic, "frigate/available");
  EXPECT_EQ(all[0].payload, "online");
  EXPECT_TRUE(all[0].retain);
  EXPECT_EQ(all[3].topic, "frigate/walk/detect/state");
  EXPECT_EQ(all[3].payload, "ON");
}

}  // namespace
}  // namespace vigil
