// The MQTT topics of today's Home Assistant integration (ha-current.md §3, §8.4) against a
// real mosquitto, alongside 0.8's: retained states of every switch and number, motion,
// `all` and `/active` counts, review_status, and `/set` → behaviour → `/state`.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "harness.h"
#include "mqtt_harness.h"

namespace vigil::test {
namespace {

bool is_int(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

auto int_at_least(const std::string& topic, int n) {
  return
      [topic, n](const MqttMessage& m) { return m.topic == topic && is_int(m.payload) && std::stoi(m.payload) >= n; };
}

}  // namespace

TEST(MqttHomeAssistant, StatesCountsMotionReviewAndSwitches) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");
  Broker broker;
  Subscriber sub(broker.port(), "frigate/#");
  ASSERT_TRUE(sub.connected());
  Vigil v("mqtt:\n  host: 127.0.0.1\n  port: " + std::to_string(broker.port()) +
          "\n  stats_interval: 2\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect, record]\n"
          "    width: 768\n    height: 576\n    fps: 5\n    record: {enabled: true}\n"
          "    motion: {mqtt_off_delay: 1}\n"
          "    review: {alerts: {cutoff_time: 2}, detections: {cutoff_time: 2}}\n"
          "    zones:\n      yard:\n        coordinates: 0,0,767,0,767,575,0,575\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(sub.wait_for("frigate/available", "online", 30)) << v.log();

  // §8.4 retained: every switch and number, as a late subscriber sees them.
  const std::map<std::string, std::string> states = {{"detect", "ON"},
                                                     {"motion", "ON"},
                                                     {"recordings", "ON"},
                                                     {"snapshots", "OFF"},
                                                     {"improve_contrast", "OFF"},
                                                     {"review_alerts", "ON"},
                                                     {"review_detections", "ON"},
                                                     {"audio", "OFF"},
                                                     {"ptz_autotracker", "OFF"},
                                                     {"motion_threshold", "25"},
                                                     {"motion_contour_area", "100"}};
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion_contour_area/state", "100", 10));
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion", "OFF", 10));  // on connect, not retained
  {
    Subscriber late(broker.port(), "frigate/#");
    ASSERT_TRUE(late.wait_for("frigate/available", "online", 10));
    for (const auto& [what, payload] : states) {
      auto i = late.wait_for("frigate/walk/" + what + "/state", payload, 10);
      ASSERT_TRUE(i) << what;
      EXPECT_TRUE(late.messages()[*i].retain) << what;
    }
    EXPECT_TRUE(late.messages()[*late.wait_for("frigate/available", "online", 1)].retain);
    for (const MqttMessage& m : late.messages())  // the retained set has arrived: none of these in it
      if (m.retain) {
        EXPECT_TRUE(m.topic != "frigate/walk/motion" && m.topic != "frigate/walk/review_status" &&
                    m.topic.find("/active") == std::string::npos)
            << m.topic;
      }
  }

  // §8.4 live: motion, counts as integers (camera and zone, `all`, `/active`), review status.
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion", "ON", 60)) << v.log();
  ASSERT_TRUE(sub.wait_for(int_at_least("frigate/walk/person", 1), 90)) << v.log();
  EXPECT_TRUE(sub.wait_for(int_at_least("frigate/walk/all", 1), 30));
  EXPECT_TRUE(sub.wait_for(int_at_least("frigate/yard/all", 1), 30));
  EXPECT_TRUE(sub.wait_for(int_at_least("frigate/walk/person/active", 1), 60));
  EXPECT_TRUE(sub.wait_for(int_at_least("frigate/yard/person/active", 1), 60));
  EXPECT_TRUE(sub.wait_for(int_at_least("frigate/walk/all/active", 1), 60));
  ASSERT_TRUE(sub.wait_for("frigate/walk/review_status", "ALERT", 60));  // person: a default alert label

  // review_status follows the review segments now (0.17): the switches only gate which
  // segments start, so with people walking the open alert stays ALERT (the rules:
  // unit/review_test.cpp; the segments end to end: integration/review_test.cpp).
  size_t mark = sub.size();
  sub.publish("frigate/walk/review_alerts/set", "OFF");
  ASSERT_TRUE(sub.wait_for("frigate/walk/review_alerts/state", "OFF", 10, mark));
  sub.publish("frigate/walk/review_alerts/set", "ON");
  ASSERT_TRUE(sub.wait_for("frigate/walk/review_alerts/state", "ON", 10, mark));

  // Numbers: a bad payload is one log line and the state is republished unchanged; a
  // good one is applied and published back.
  mark = sub.size();
  sub.publish("frigate/walk/motion_threshold/set", "300");
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion_threshold/state", "25", 10, mark));
  EXPECT_TRUE(v.wait_for_log("invalid payload \"300\" (expected an integer 5-80)", 10));
  sub.publish("frigate/walk/motion_threshold/set", "30");
  sub.publish("frigate/walk/motion_contour_area/set", "50");
  sub.publish("frigate/walk/improve_contrast/set", "ON");
  EXPECT_TRUE(sub.wait_for("frigate/walk/motion_threshold/state", "30", 10, mark));
  EXPECT_TRUE(sub.wait_for("frigate/walk/motion_contour_area/state", "50", 10, mark));
  EXPECT_TRUE(sub.wait_for("frigate/walk/improve_contrast/state", "ON", 10, mark));

  // Motion OFF is refused while detection is on (0.14: a log line, no state).
  sub.publish("frigate/walk/motion/set", "OFF");
  ASSERT_TRUE(v.wait_for_log("turning off motion is not allowed", 10));
  // Detection OFF: counts drop to 0; then motion OFF: `<cam>/motion` goes OFF.
  mark = sub.size();
  sub.publish("frigate/walk/detect/set", "OFF");
  ASSERT_TRUE(sub.wait_for("frigate/walk/detect/state", "OFF", 10, mark));
  EXPECT_TRUE(sub.wait_for("frigate/walk/all", "0", 60, mark));
  EXPECT_TRUE(sub.wait_for("frigate/walk/review_status", "NONE", 60, mark));
  sub.publish("frigate/walk/motion/set", "OFF");
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion/state", "OFF", 10, mark));
  auto motion_off = sub.wait_for("frigate/walk/motion", "OFF", 30, mark);
  ASSERT_TRUE(motion_off) << v.log();
  // Motion ON again: the detector sees the walkers again (after its warm-up).
  sub.publish("frigate/walk/motion/set", "ON");
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion/state", "ON", 10, *motion_off));
  EXPECT_TRUE(sub.wait_for("frigate/walk/motion", "ON", 60, *motion_off));
  // The numbers reach the live detector: at threshold 80 the walkers' differences no
  // longer count as motion (`<cam>/motion` goes OFF); back at 25 they do again.
  mark = sub.size();
  sub.publish("frigate/walk/improve_contrast/set", "OFF");
  sub.publish("frigate/walk/motion_threshold/set", "80");
  sub.publish("frigate/walk/motion_contour_area/set", "100");
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion_threshold/state", "80", 10, mark));
  auto quiet = sub.wait_for("frigate/walk/motion", "OFF", 60, mark);
  ASSERT_TRUE(quiet) << v.log();
  sub.publish("frigate/walk/motion_threshold/set", "25");
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion_threshold/state", "25", 10, *quiet));
  EXPECT_TRUE(sub.wait_for("frigate/walk/motion", "ON", 60, *quiet));

  // Detection ON turns motion on too (already on here) and publishes its state.
  mark = sub.size();
  sub.publish("frigate/walk/detect/set", "ON");
  EXPECT_TRUE(sub.wait_for("frigate/walk/detect/state", "ON", 10, mark));
  EXPECT_TRUE(sub.wait_for(int_at_least("frigate/walk/person", 1), 90, mark));

  // Recordings: segments (2 s) keep appearing; OFF stops them; ON resumes them. Stats
  // messages (every 2 s) are the clock the waits count on.
  const std::string rec = v.dir() + "/media/recordings";
  auto stats_after = [&](size_t from, int n) {
    std::optional<size_t> i = from;
    for (int k = 0; k < n && i; ++k) i = sub.wait_for("frigate/stats", "", 30, *i + 1);
    return i;
  };
  ASSERT_TRUE(eventually([&] { return mp4s_under(rec).size() >= 2; }, 60)) << v.log();
  mark = sub.size();
  sub.publish("frigate/walk/recordings/set", "OFF");
  auto off = sub.wait_for("frigate/walk/recordings/state", "OFF", 10, mark);
  ASSERT_TRUE(off);
  auto settled = stats_after(*off, 3);  // ≥ 4 s: the open segment has ended at a keyframe
  ASSERT_TRUE(settled);
  const size_t stopped = mp4s_under(rec).size();
  ASSERT_TRUE(stats_after(*settled, 3));  // ≥ 4 s more (two segments' time): none new
  EXPECT_EQ(mp4s_under(rec).size(), stopped);
  sub.publish("frigate/walk/recordings/set", "ON");
  EXPECT_TRUE(sub.wait_for("frigate/walk/recordings/state", "ON", 10, *off));
  EXPECT_TRUE(eventually([&] { return mp4s_under(rec).size() > stopped; }, 30)) << "recording resumes";
}

// recordings ON is refused for a camera whose config does not record (0.14).
TEST(MqttHomeAssistant, RecordingsOnIsRefusedWithoutRecordInConfig) {
  Broker broker;
  Subscriber sub(broker.port(), "frigate/#");
  Vigil v("mqtt:\n  host: 127.0.0.1\n  port: " + std::to_string(broker.port()) +
          "\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n"
          "    width: 768\n    height: 576\n    fps: 5\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(sub.wait_for("frigate/walk/recordings/state", "OFF", 30)) << v.log();
  // Published after the `…/set` subscriptions were sent: vigil now hears commands.
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion", "OFF", 30));
  size_t mark = sub.size();
  sub.publish("frigate/walk/recordings/set", "ON");
  ASSERT_TRUE(v.wait_for_log("recordings ON refused: recording is not enabled in the config", 10));
  // The refusal was handled; a later command's state proves no recordings state came between.
  sub.publish("frigate/walk/snapshots/set", "OFF");
  auto snap = sub.wait_for("frigate/walk/snapshots/state", "OFF", 10, mark);
  ASSERT_TRUE(snap);
  for (size_t i = mark; i < *snap; ++i) EXPECT_NE(sub.messages()[i].topic, "frigate/walk/recordings/state");
}

// The 0.14 /api/config shows what MQTT `…/set` changed (Frigate 0.14's dispatcher writes
// the new value into the config that document is made from); the 0.8 document keeps 0.8's keys.
TEST(MqttHomeAssistant, Config14ShowsSwitchChanges) {
  Broker broker;
  Subscriber sub(broker.port(), "frigate/#");
  const int p14 = free_port();
  Vigil v("api:\n  host: 127.0.0.1\n  listeners:\n    - {port: $API_PORT, profile: \"0.8\"}\n    - {port: " +
          std::to_string(p14) +
          ", profile: \"0.14\"}\nrtsp_restream: {enabled: false}\nmqtt:\n  host: 127.0.0.1\n  port: " +
          std::to_string(broker.port()) +
          "\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect, record]\n"
          "    width: 768\n    height: 576\n    fps: 5\n    record: {enabled: true}\n"
          "    review: {alerts: {labels: [person]}}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(sub.wait_for("frigate/walk/motion", "OFF", 30)) << v.log();  // commands are heard from here
  auto camera14 = [&] {
    auto j = nlohmann::json::parse(http_get(p14, "/api/config").body, nullptr, false);
    return j.is_object() ? j["cameras"]["walk"] : nlohmann::json();
  };
  nlohmann::json cam = camera14();
  EXPECT_EQ(cam["record"]["enabled"], true);
  EXPECT_EQ(cam["motion"]["threshold"], 25);
  EXPECT_EQ(cam["review"]["alerts"]["labels"], nlohmann::json::array({"person"}));
  EXPECT_EQ(cam["review"]["alerts"]["enabled"], true);

  const size_t mark = sub.size();
  sub.publish("frigate/walk/recordings/set", "OFF");
  sub.publish("frigate/walk/motion_threshold/set", "40");
  sub.publish("frigate/walk/motion_contour_area/set", "60");
  sub.publish("frigate/walk/improve_contrast/set", "ON");
  sub.publish("frigate/walk/review_alerts/set", "OFF");
  sub.publish("frigate/walk/detect/set", "OFF");
  for (const auto& [what, payload] : std::map<std::string, std::string>{{"recordings", "OFF"},
                                                                        {"motion_threshold", "40"},
                                                                        {"motion_contour_area", "60"},
                                                                        {"improve_contrast", "ON"},
                                                                        {"review_alerts", "OFF"},
                                                                        {"detect", "OFF"}})
    ASSERT_TRUE(sub.wait_for("frigate/walk/" + what + "/state", payload, 10, mark)) << what;
  cam = camera14();
  EXPECT_EQ(cam["record"]["enabled"], false);
  EXPECT_EQ(cam["record"]["enabled_in_config"], true);
  EXPECT_EQ(cam["motion"]["threshold"], 40);
  EXPECT_EQ(cam["motion"]["contour_area"], 60);
  EXPECT_EQ(cam["motion"]["improve_contrast"], true);
  EXPECT_EQ(cam["review"]["alerts"]["enabled"], false);
  EXPECT_EQ(cam["review"]["detections"]["enabled"], true);
  EXPECT_EQ(cam["detect"]["enabled"], false);
  // 0.8's document: detect follows the switch as before; no 0.14 keys appear in it.
  auto c08 = nlohmann::json::parse(http_get(v.port(), "/api/config").body, nullptr, false);
  ASSERT_TRUE(c08.is_object());
  EXPECT_EQ(c08["cameras"]["walk"]["detect"]["enabled"], false);
  EXPECT_FALSE(c08["cameras"]["walk"].contains("review"));
  EXPECT_FALSE(c08.contains("version"));
}

}  // namespace vigil::test
