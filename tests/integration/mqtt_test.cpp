// MQTT against a real mosquitto broker, driven like Home Assistant drives it: the real
// vigil binary on looped vtest with the built-in HOG people detector, a subscriber on
// `frigate/#`, commands published on `…/set`.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <sstream>

#include "harness.h"
#include "mqtt_harness.h"

namespace vigil::test {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string camera_yaml(const std::string& extra = "", const std::string& roles = "[detect]") {
  return "cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
         "\n          input_args: -re -stream_loop -1\n          roles: " + roles +
         "\n    width: 768\n    height: 576\n    fps: 5\n" + extra;
}

std::string mqtt_yaml(int port, const std::string& extra = "") {
  return "mqtt:\n  host: 127.0.0.1\n  port: " + std::to_string(port) + "\n" + extra;
}

json api_json(int port, const std::string& path) {
  auto r = http_get(port, path, 10);
  return r.status == 200 ? json::parse(r.body, nullptr, false) : json();
}

bool is_int(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

const std::vector<std::string> kObjectKeys = {
    "id",    "camera", "frame_time", "label",  "top_score",     "false_positive", "start_time", "end_time",
    "score", "box",    "area",       "region", "current_zones", "entered_zones",  "thumbnail"};

void check_object(const ojson& o, const std::string& what) {
  std::vector<std::string> keys;
  for (auto it = o.begin(); it != o.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, kObjectKeys) << what;
  EXPECT_EQ(o["camera"], "walk") << what;
  EXPECT_EQ(o["label"], "person") << what;
  EXPECT_TRUE(o["frame_time"].is_number()) << what;
  EXPECT_TRUE(o["top_score"].is_number()) << what;
  EXPECT_TRUE(o["false_positive"].is_boolean()) << what;
  EXPECT_TRUE(o["score"].is_number()) << what;
  ASSERT_TRUE(o["box"].is_array() && o["box"].size() == 4) << what;
  ASSERT_TRUE(o["region"].is_array() && o["region"].size() == 4) << what;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(o["box"][i].is_number_integer()) << what;
  auto b = o["box"];
  EXPECT_EQ(o["area"].get<int>(), (b[2].get<int>() - b[0].get<int>()) * (b[3].get<int>() - b[1].get<int>())) << what;
  EXPECT_TRUE(o["current_zones"].is_array()) << what;
  EXPECT_TRUE(o["entered_zones"].is_array()) << what;
  EXPECT_TRUE(o["thumbnail"].is_null()) << what;
  std::string id = o["id"];
  EXPECT_EQ(id.rfind(std::to_string(int64_t(o["start_time"].get<double>())), 0), 0u) << what;
}

cv::Mat decode(const std::string& jpeg) {
  return cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
}

}  // namespace

// Availability, counts up and back to 0 (detect OFF/ON), zone counts, retained
// snapshots, events new → update* → end, stats on schedule, /api/config.
TEST(Mqtt, CountsSnapshotsEventsStatsAndDetectSwitch) {
  Broker broker;
  Subscriber sub(broker.port(), "frigate/#");
  ASSERT_TRUE(sub.connected());
  const double t0 = now_mono();
  // YOLOX-Nano when the model is present (VIGIL_MODELS or ../shared/models), else HOG.
  Vigil v(yolox_detectors_yaml() + mqtt_yaml(broker.port(), "  stats_interval: 5\n") +
          camera_yaml("    zones:\n      yard:\n        coordinates: 0,0,767,0,767,575,0,575\n"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  int p = v.port();

  // §1.1: online, then the three switch states (config values).
  ASSERT_TRUE(sub.wait_for("frigate/available", "online", 30)) << v.log();
  EXPECT_TRUE(sub.wait_for("frigate/walk/detect/state", "ON", 10));
  EXPECT_TRUE(sub.wait_for("frigate/walk/clips/state", "OFF", 10));
  EXPECT_TRUE(sub.wait_for("frigate/walk/snapshots/state", "OFF", 10));
  // Counts are re-sent on connect, zeros included.
  EXPECT_TRUE(sub.wait_for("frigate/walk/person", "0", 10));
  EXPECT_TRUE(sub.wait_for("frigate/yard/person", "0", 10));

  // People walk in: camera and zone counts reach ≥ 1.
  auto count_ge1 = [](const std::string& topic) {
    return [topic](const MqttMessage& m) { return m.topic == topic && is_int(m.payload) && std::stoi(m.payload) >= 1; };
  };
  ASSERT_TRUE(sub.wait_for(count_ge1("frigate/walk/person"), 90)) << v.log();
  ASSERT_TRUE(sub.wait_for(count_ge1("frigate/yard/person"), 30));

  // The best person snapshot: retained JPEG, 270 px high (mqtt defaults).
  auto snap = sub.wait_for("frigate/walk/person/snapshot", "", 60);
  ASSERT_TRUE(snap);
  cv::Mat img = decode(sub.messages()[*snap].payload);
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.rows, 270);
  {
    Subscriber late(broker.port(), "frigate/walk/person/snapshot");
    auto r = late.wait_for("frigate/walk/person/snapshot", "", 10);
    ASSERT_TRUE(r);
    auto m = late.messages()[*r];
    EXPECT_TRUE(m.retain);
    EXPECT_FALSE(decode(m.payload).empty());
  }

  // Stats: the /api/stats object, first ~10 s after start, then every 5 s.
  auto first_stats = sub.wait_for("frigate/stats", "", 60);
  ASSERT_TRUE(first_stats);
  ASSERT_TRUE(sub.wait_for("frigate/stats", "", 60, *first_stats + 1));
  std::vector<MqttMessage> stats;
  for (const auto& m : sub.messages())
    if (m.topic == "frigate/stats") stats.push_back(m);
  ASSERT_GE(stats.size(), 2u);
  // The schedule itself is unit-tested on a manual clock (MqttServiceTest); here only
  // lower bounds, which a loaded machine cannot break (waits only get longer).
  EXPECT_GE(stats[0].t - t0, 9.5);  // not before 10 s after start
  for (size_t i = 1; i < stats.size(); ++i) EXPECT_GE(stats[i].t - stats[i - 1].t, 2.5);
  json s = json::parse(stats.back().payload, nullptr, false);
  ASSERT_TRUE(s.is_object());
  EXPECT_TRUE(s.contains("walk"));
  EXPECT_TRUE(s.contains("service"));
  EXPECT_TRUE(s.contains("detection_fps"));

  // detect OFF: state echoed, /api/config shows it, objects age out (count 0, the best
  // snapshot re-published), no detection.
  size_t mark = sub.size();
  sub.publish("frigate/walk/detect/set", "OFF");
  ASSERT_TRUE(sub.wait_for("frigate/walk/detect/state", "OFF", 20, mark));
  EXPECT_EQ(api_json(p, "/api/config")["cameras"]["walk"]["detect"]["enabled"], false);
  auto zero = sub.wait_for("frigate/walk/person", "0", 60, mark);
  ASSERT_TRUE(zero) << v.log();
  EXPECT_TRUE(sub.wait_for("frigate/walk/person/snapshot", "", 10, *zero));
  EXPECT_TRUE(sub.wait_for("frigate/yard/person", "0", 10, mark));
  EXPECT_TRUE(eventually([&] { return api_json(p, "/api/stats")["walk"]["detection_fps"] == 0.0; }, 60));
  // Two stats messages after the zero, each with frames processed: the camera went on
  // without detection, and what its frames queued before the first went out before the
  // second (one queue, in order).
  auto processing_stats = [](const MqttMessage& m) {
    if (m.topic != "frigate/stats") return false;
    json j = json::parse(m.payload, nullptr, false);
    return j.is_object() && j["walk"]["process_fps"].is_number() && j["walk"]["process_fps"].get<double>() > 0;
  };
  auto quiet1 = sub.wait_for(processing_stats, 30, *zero);
  ASSERT_TRUE(quiet1);
  auto quiet2 = sub.wait_for(processing_stats, 30, *quiet1 + 1);
  ASSERT_TRUE(quiet2);
  EXPECT_FALSE(sub.wait_for(count_ge1("frigate/walk/person"), 0, *quiet1)) << "counts while detection is off";

  // Events: every object that became an event went new → update* → end, each message's
  // `before` is the previous message's `after`.
  std::map<std::string, std::vector<ojson>> events;
  for (const auto& m : sub.messages()) {
    if (m.topic != "frigate/events") continue;
    ojson e = ojson::parse(m.payload, nullptr, false);
    ASSERT_TRUE(e.is_object()) << m.payload;
    std::vector<std::string> keys;
    for (auto it = e.begin(); it != e.end(); ++it) keys.push_back(it.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"before", "after", "type"}));
    events[e["after"]["id"]].push_back(e);
  }
  ASSERT_GE(events.size(), 1u);
  for (const auto& [id, list] : events) {
    ASSERT_EQ(list.front()["type"], "new") << id;
    ASSERT_EQ(list.back()["type"], "end") << id << ": every event ended once detection was off";
    for (size_t i = 0; i < list.size(); ++i) {
      const ojson& e = list[i];
      check_object(e["before"], id + " before");
      check_object(e["after"], id + " after");
      EXPECT_EQ(e["before"]["id"], id);
      EXPECT_EQ(e["after"]["false_positive"], false);
      if (i > 0 && i + 1 < list.size()) {
        EXPECT_EQ(e["type"], "update");
      }
      if (i == 0) {
        EXPECT_EQ(e["before"]["false_positive"], true);
        EXPECT_EQ(e["before"]["top_score"].get<double>(), 0.0);
        EXPECT_TRUE(e["before"]["entered_zones"].empty());
      } else {
        ojson prev = list[i - 1]["after"];
        EXPECT_EQ(e["before"], prev) << id << " message " << i;
        EXPECT_GE(e["after"]["top_score"].get<double>(), prev["top_score"].get<double>());
      }
      if (e["type"] == "end") {
        EXPECT_TRUE(e["after"]["end_time"].is_number());
        EXPECT_GE(e["after"]["end_time"].get<double>(), e["after"]["start_time"].get<double>());
      } else {
        EXPECT_TRUE(e["after"]["end_time"].is_null());
      }
      EXPECT_TRUE(e["before"]["end_time"].is_null());
    }
  }

  // An invalid payload changes nothing and re-publishes the current state.
  mark = sub.size();
  sub.publish("frigate/walk/detect/set", "on");
  auto st = sub.wait_for([](const MqttMessage& m) { return m.topic == "frigate/walk/detect/state"; }, 20, mark);
  ASSERT_TRUE(st);
  EXPECT_EQ(sub.messages()[*st].payload, "OFF");
  EXPECT_EQ(api_json(p, "/api/config")["cameras"]["walk"]["detect"]["enabled"], false);

  // detect ON: detection resumes, people are counted again.
  mark = sub.size();
  sub.publish("frigate/walk/detect/set", "ON");
  ASSERT_TRUE(sub.wait_for("frigate/walk/detect/state", "ON", 20, mark));
  EXPECT_EQ(api_json(p, "/api/config")["cameras"]["walk"]["detect"]["enabled"], true);
  EXPECT_TRUE(sub.wait_for(count_ge1("frigate/walk/person"), 90, mark)) << v.log();
  EXPECT_TRUE(eventually([&] { return api_json(p, "/api/stats")["walk"]["detection_fps"].get<double>() > 0; }, 60));

  // Clean stop: `offline`, retained.
  mark = sub.size();
  v.process().signal(SIGTERM);
  EXPECT_EQ(v.process().wait(30), 0);
  EXPECT_TRUE(sub.wait_for("frigate/available", "offline", 10, mark));
  EXPECT_EQ(v.log().find("invalid payload") != std::string::npos, true);
}

// clips and snapshots switches: the state is echoed, /api/config shows it, events that
// end afterwards get no snapshot file; a retained command applies at start-up.
TEST(Mqtt, SnapshotAndClipSwitches) {
  Broker broker;
  Subscriber sub(broker.port(), "frigate/#");
  // A retained command from before the start (as Home Assistant leaves them) wins over
  // the config value: snapshots are off in the config, on by the command.
  sub.publish("frigate/walk/snapshots/set", "ON", true);
  Vigil v(mqtt_yaml(broker.port()) + camera_yaml("    clips: {enabled: true}\n", "[detect, clips]"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  int p = v.port();
  ASSERT_TRUE(sub.wait_for("frigate/available", "online", 30)) << v.log();
  auto off0 = sub.wait_for("frigate/walk/snapshots/state", "OFF", 10);  // config value first
  ASSERT_TRUE(off0);
  ASSERT_TRUE(sub.wait_for("frigate/walk/snapshots/state", "ON", 10, *off0));  // then the retained command
  EXPECT_TRUE(sub.wait_for("frigate/walk/clips/state", "ON", 10));
  EXPECT_TRUE(
      eventually([&] { return api_json(p, "/api/config")["cameras"]["walk"]["snapshots"]["enabled"] == true; }, 10));
  sub.publish("frigate/walk/snapshots/set", "", true);  // clear the retained command

  // Snapshots ON: events that end now get a snapshot file.
  auto ended = [&](size_t from) {
    std::vector<std::string> ids;
    auto msgs = sub.messages();
    for (size_t i = from; i < msgs.size(); ++i) {
      if (msgs[i].topic != "frigate/events") continue;
      json e = json::parse(msgs[i].payload);
      if (e["type"] == "end") ids.push_back(e["after"]["id"]);
    }
    return ids;
  };
  const std::string clips = v.dir() + "/media/clips/";
  ASSERT_TRUE(sub.wait_for(
      [](const MqttMessage& m) {
        return m.topic == "frigate/events" && m.payload.find("\"type\":\"end\"") != std::string::npos;
      },
      120))
      << v.log();
  auto before = ended(0);
  ASSERT_FALSE(before.empty());
  EXPECT_TRUE(eventually([&] { return std::filesystem::exists(clips + "walk-" + before[0] + ".jpg"); }, 20));
  // …and a clip, once the cache holds its span (post_capture and a 10 s segment later).
  EXPECT_TRUE(eventually([&] { return std::filesystem::exists(clips + "walk-" + before[0] + ".mp4"); }, 90)) << v.log();

  // Snapshots and clips OFF (and detection off so every event ends): no snapshot
  // files, no clips.
  size_t mark = sub.size();
  sub.publish("frigate/walk/snapshots/set", "OFF");
  sub.publish("frigate/walk/clips/set", "OFF");
  ASSERT_TRUE(sub.wait_for("frigate/walk/snapshots/state", "OFF", 20, mark));
  ASSERT_TRUE(sub.wait_for("frigate/walk/clips/state", "OFF", 20, mark));
  EXPECT_EQ(api_json(p, "/api/config")["cameras"]["walk"]["snapshots"]["enabled"], false);
  EXPECT_EQ(api_json(p, "/api/config")["cameras"]["walk"]["clips"]["enabled"], false);
  size_t off = sub.size();
  sub.publish("frigate/walk/detect/set", "OFF");
  ASSERT_TRUE(sub.wait_for("frigate/walk/person", "0", 60, off));
  std::vector<std::string> after;
  ASSERT_TRUE(eventually([&] { return !(after = ended(off)).empty(); }, 60))
      << "objects tracked when detection went off end now";
  for (const auto& id : after) {
    // The events thread has finished it once the API no longer knows it: an event in
    // progress (or ending, not written yet) has a thumbnail; a finished one without
    // snapshot or clip has no row.
    ASSERT_TRUE(eventually([&] { return http_get(p, "/api/events/" + id + "/thumbnail.jpg").status == 404; }, 60))
        << id;
    EXPECT_EQ(http_get(p, "/api/events/" + id).status, 404) << id;
    EXPECT_FALSE(std::filesystem::exists(clips + "walk-" + id + ".jpg")) << id;
    EXPECT_FALSE(std::filesystem::exists(clips + "walk-" + id + ".mp4")) << id;
  }
  EXPECT_EQ(api_json(p, "/api/config")["cameras"]["walk"]["clips"]["enabled"], false);
}

// The broker goes away and comes back: vigil keeps serving and recording, reconnects,
// re-subscribes and republishes; clean stop → `offline`; SIGKILL → the will.
TEST(Mqtt, BrokerDownAtStartRestartStopAndKill) {
  const int port = free_port();
  // Broker down at start-up: vigil starts anyway.
  Vigil v(mqtt_yaml(port) + "record: {enabled: true}\n" + camera_yaml("", "[detect, record]"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  int p = v.port();
  auto broker = std::make_unique<Broker>(std::nullopt, port);
  Subscriber sub(port, "frigate/#");
  ASSERT_TRUE(sub.wait_for("frigate/available", "online", 60)) << v.log();
  ASSERT_TRUE(sub.wait_for("frigate/walk/detect/state", "ON", 10));

  // Broker gone: API, capture and recording go on.
  broker->stop();
  const std::string rec = v.dir() + "/media/recordings";
  auto recorded_bytes = [&] {
    uintmax_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(rec, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file()) n += it->file_size();
    return n;
  };
  uintmax_t bytes0 = recorded_bytes();
  // vigil saw the loss and a reconnect attempt failed; meanwhile the API answers and the
  // recording grows.
  bool api_answered = true;
  EXPECT_TRUE(eventually(
      [&] {
        api_answered &= http_get(p, "/api/stats", 5).status == 200;
        const std::string log = v.log();
        const size_t lost = log.find("connection lost");
        return lost != std::string::npos && log.find("unreachable", lost) != std::string::npos &&
               recorded_bytes() > bytes0;
      },
      60))
      << v.log();
  EXPECT_TRUE(api_answered) << "API blocked while the broker is down";
  json s = api_json(p, "/api/stats");
  // The broker's state and the failed attempts show in the stats (§Errors: degraded
  // modes are counted); nothing else degraded.
  const json& degraded = s["service"]["degraded"];
  EXPECT_FALSE(degraded["mqtt"]["connected"].get<bool>()) << s.dump();
  EXPECT_GE(degraded["mqtt"]["failed_attempts"].get<int>(), 2) << "the attempt at start and one after the loss";
  EXPECT_EQ(degraded["recording_failures"]["walk"].get<int>(), 0) << s.dump();
  EXPECT_EQ(degraded["input_failures"]["walk"].get<int>(), 0) << s.dump();
  EXPECT_EQ(degraded["snapshot_failures"].get<int>(), 0) << s.dump();
  EXPECT_GT(s["walk"]["camera_fps"].get<double>(), 0);
  EXPECT_GT(s["walk"]["process_fps"].get<double>(), 0);
  EXPECT_GT(recorded_bytes(), bytes0) << "recording stopped while the broker was down";
  EXPECT_EQ(http_get(p, "/api/walk/latest.jpg", 5).status, 200);

  // Broker back (no persistence: nothing retained survives): vigil reconnects and
  // republishes `online` and the states, and a command works again.
  size_t mark = sub.size();
  broker->start();
  ASSERT_TRUE(sub.wait_for("frigate/available", "online", 60, mark)) << v.log();
  ASSERT_TRUE(sub.wait_for("frigate/walk/detect/state", "ON", 10, mark));
  // The counts go out after vigil's SUBSCRIBE on the same connection: once one arrives,
  // the broker has its subscription.
  ASSERT_TRUE(sub.wait_for("frigate/walk/person", "", 10, mark));
  mark = sub.size();
  sub.publish("frigate/walk/detect/set", "OFF");
  ASSERT_TRUE(sub.wait_for("frigate/walk/detect/state", "OFF", 20, mark)) << "not re-subscribed";
  EXPECT_TRUE(api_json(p, "/api/stats")["service"]["degraded"]["mqtt"]["connected"].get<bool>());
  EXPECT_EQ(api_json(p, "/api/config")["cameras"]["walk"]["detect"]["enabled"], false);
  {
    Subscriber late(port, "frigate/available");  // retained again after the restart
    auto r = late.wait_for("frigate/available", "online", 10);
    ASSERT_TRUE(r);
    EXPECT_TRUE(late.messages()[*r].retain);
  }

  // Clean stop: `offline`.
  mark = sub.size();
  v.process().signal(SIGTERM);
  EXPECT_EQ(v.process().wait(30), 0);
  EXPECT_TRUE(sub.wait_for("frigate/available", "offline", 10, mark));

  // Killed: the broker publishes the will.
  mark = sub.size();
  Vigil v2(mqtt_yaml(port) + camera_yaml());
  ASSERT_TRUE(v2.wait_ready()) << v2.log();
  ASSERT_TRUE(sub.wait_for("frigate/available", "online", 30, mark)) << v2.log();
  mark = sub.size();
  v2.process().signal(SIGKILL);
  v2.process().wait(10);
  EXPECT_TRUE(sub.wait_for("frigate/available", "offline", 20, mark)) << broker->log();
}

// A zone of the same name on two cameras is one zone: its count is the sum of both.
TEST(Mqtt, ZoneCountsAreSummedOverCameras) {
  Broker broker;
  Subscriber sub(broker.port(), "frigate/#");
  std::string cams = "cameras:\n";
  for (const char* name : {"walk", "walk2"})
    cams += std::string("  ") + name + ":\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
            "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n    width: 768\n"
            "    height: 576\n    fps: 3\n    zones:\n      yard:\n        coordinates: 0,0,767,0,767,575,0,575\n";
  Vigil v(mqtt_yaml(broker.port()) + cams);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // Both cameras count people at the same time at some point: the zone shows the sum.
  auto both_counting = [&] {
    std::map<std::string, int> last;
    for (const auto& x : sub.messages()) {
      if (x.topic == "frigate/walk/person" || x.topic == "frigate/walk2/person") last[x.topic] = std::stoi(x.payload);
      if (x.topic == "frigate/yard/person" && last["frigate/walk/person"] >= 1 && last["frigate/walk2/person"] >= 1)
        return true;
    }
    return false;
  };
  ASSERT_TRUE(eventually(both_counting, 120)) << v.log();
  auto zone_messages = [&] {
    int n = 0;
    for (const auto& m : sub.messages()) n += m.topic == "frigate/yard/person";
    return n;
  };
  ASSERT_TRUE(eventually([&] { return zone_messages() >= 2; }, 60));
  // Every zone message is the total of the cameras' counts published before it (counts
  // and zone counts of one frame go out in that order).
  std::map<std::string, int> last;
  int checked = 0;
  for (const auto& m : sub.messages()) {
    if (m.topic == "frigate/walk/person" || m.topic == "frigate/walk2/person") last[m.topic] = std::stoi(m.payload);
    if (m.topic != "frigate/yard/person") continue;
    EXPECT_EQ(std::stoi(m.payload), last["frigate/walk/person"] + last["frigate/walk2/person"]);
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

// vigil is killed during events: after the restart their `end` messages go out.
TEST(Mqtt, RecoveredEventsAreEndedAfterACrash) {
  Broker broker;
  Subscriber sub(broker.port(), "frigate/#");
  const std::string config = mqtt_yaml(broker.port()) + camera_yaml("    snapshots: {enabled: true}\n");
  const std::string dir = temp_dir();
  const std::string clips = dir + "/media/clips/";
  auto event_messages = [&](size_t from) {
    std::vector<json> out;
    auto msgs = sub.messages();
    for (size_t i = from; i < msgs.size(); ++i)
      if (msgs[i].topic == "frigate/events") out.push_back(json::parse(msgs[i].payload));
    return out;
  };
  // The events thread has stored an event in progress once its pending snapshot exists
  // (the row is written first), or its final one if it has ended.
  auto stored = [&](const std::string& id) {
    return std::filesystem::exists(clips + ".pending/walk-" + id + ".jpg") ||
           std::filesystem::exists(clips + "walk-" + id + ".jpg");
  };
  std::set<std::string> open;
  {
    Vigil v(config, dir);
    ASSERT_TRUE(v.wait_ready()) << v.log();
    ASSERT_TRUE(sub.wait_for(
        [](const MqttMessage& m) {
          return m.topic == "frigate/events" && m.payload.find("\"type\":\"new\"") != std::string::npos;
        },
        90))
        << v.log();
    ASSERT_TRUE(eventually(
        [&] {
          for (const json& e : event_messages(0))
            if (e["type"] == "new" && !stored(e["after"]["id"].get<std::string>())) return false;
          return true;
        },
        30))
        << v.log();
    const size_t before_kill = sub.size();
    v.process().signal(SIGKILL);
    v.process().wait(10);
    // The broker sends the will after everything vigil sent before it died.
    ASSERT_TRUE(sub.wait_for("frigate/available", "offline", 30, before_kill));
  }
  for (const json& e : event_messages(0)) {
    if (e["type"] == "end")
      open.erase(e["after"]["id"].get<std::string>());
    else
      open.insert(e["after"]["id"].get<std::string>());
  }
  ASSERT_FALSE(open.empty());
  size_t mark = sub.size();
  Vigil again(config, dir);
  ASSERT_TRUE(again.wait_ready()) << again.log();
  for (const std::string& id : open) {
    auto r = sub.wait_for(
        [&](const MqttMessage& m) {
          if (m.topic != "frigate/events") return false;
          json e = json::parse(m.payload);
          return e["type"] == "end" && e["after"]["id"] == id;
        },
        30, mark);
    ASSERT_TRUE(r) << id << "\n" << again.log();
    json e = json::parse(sub.messages()[*r].payload);
    EXPECT_TRUE(e["after"]["end_time"].is_number());
    EXPECT_EQ(e["after"]["camera"], "walk");
    EXPECT_EQ(e["after"]["false_positive"], false);
  }
  // Each announced once: the first stats go out after the whole on-connect batch.
  ASSERT_TRUE(sub.wait_for("frigate/stats", "", 60, mark)) << again.log();
  size_t count = 0;
  for (const json& e : event_messages(mark))
    if (e["type"] == "end" && open.count(e["after"]["id"])) ++count;
  EXPECT_EQ(count, open.size());
}

// A broker that requires a user name and password.
TEST(Mqtt, Authentication) {
  const std::pair<std::string, std::string> user{"vigil", "s3cret-pw"};
  Broker broker(user);
  Subscriber sub(broker.port(), "#", user);
  ASSERT_TRUE(sub.connected()) << broker.log();

  // Wrong password: refused, logged, vigil runs on and publishes nothing.
  Vigil bad(mqtt_yaml(broker.port(), "  user: vigil\n  password: wrong\n  client_id: bad\n  topic_prefix: bad\n") +
            camera_yaml("    detect: {enabled: false}\n"));
  ASSERT_TRUE(bad.wait_ready()) << bad.log();
  EXPECT_TRUE(eventually([&] { return bad.log().find("connection refused") != std::string::npos; }, 30)) << bad.log();

  // Right password (from the environment, as 0.8 configs do): online.
  setenv("FRIGATE_MQTT_PASSWORD", user.second.c_str(), 1);
  Vigil good(mqtt_yaml(broker.port(), "  user: vigil\n  password: '{FRIGATE_MQTT_PASSWORD}'\n") + camera_yaml());
  ASSERT_TRUE(good.wait_ready()) << good.log();
  ASSERT_TRUE(sub.wait_for("frigate/available", "online", 30)) << good.log();
  EXPECT_TRUE(sub.wait_for("frigate/walk/detect/state", "ON", 10));
  EXPECT_FALSE(sub.wait_for([](const MqttMessage& m) { return m.topic.rfind("bad/", 0) == 0; }, 0));
  EXPECT_EQ(http_get(bad.port(), "/api/stats").status, 200);
  // The password never shows in /api/config.
  auto cfg = http_get(good.port(), "/api/config");
  EXPECT_EQ(cfg.body.find(user.second), std::string::npos);
  // Refusals are logged once per state change, not on every retry: the broker refused a
  // third attempt, so vigil had handled the second refusal.
  auto refusals = [&] {
    const std::string b = broker.log();
    size_t k = 0;
    for (size_t pos = 0; (pos = b.find("(0, 5)", pos)) != std::string::npos; ++pos) ++k;
    return k;
  };
  ASSERT_TRUE(eventually([&] { return refusals() >= 3; }, 60)) << broker.log();
  std::string log = bad.log();
  size_t n = 0;
  for (size_t pos = 0; (pos = log.find("connection refused", pos)) != std::string::npos; ++pos) ++n;
  EXPECT_EQ(n, 1u) << log;
}

}  // namespace vigil::test

namespace vigil::test {
namespace {

// Gaps between the starts of consecutive connection attempts at a fake broker.
std::vector<double> attempt_gaps(const std::vector<FakeBroker::Connection>& c) {
  std::vector<double> gaps;
  for (size_t i = 1; i < c.size(); ++i) gaps.push_back(c[i].accepted - c[i - 1].accepted);
  return gaps;
}

std::string describe(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += std::to_string(x) + " ";
  return s;
}

// A broker that fails every connection at the protocol level: vigil waits longer and
// longer between attempts (1 s doubling to 30 s, mqtt.md §1.2), as for a refused one.
void expect_growing_backoff(FakeBroker::Mode mode) {
  FakeBroker fake(mode);
  Vigil v(mqtt_yaml(fake.port()) + camera_yaml("    detect: {enabled: false}\n"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // Attempts at about 0, 1, 3, 7 and 15 s.
  ASSERT_TRUE(fake.wait_connections(5, 120)) << v.log();
  std::vector<double> gaps = attempt_gaps(fake.connections());
  gaps.resize(4);
  // Each pause at least the backoff delay (1, 2, 4, 8 s, less the measuring slack): only
  // lower bounds, which load cannot break; the exact waits are unit-tested on a manual
  // clock (MqttClient.BackoffWaitsRunOnTheClock).
  for (size_t i = 0; i < gaps.size(); ++i) EXPECT_GE(gaps[i], 0.8 * double(1 << i)) << describe(gaps);
  // Far fewer than one attempt per second over the window.
  double window = gaps[0] + gaps[1] + gaps[2] + gaps[3];
  EXPECT_LT(4 / window, 0.5) << describe(gaps);
  EXPECT_EQ(http_get(v.port(), "/api/stats").status, 200);
}

}  // namespace

// A `…/set` payload is anyone's text: a newline and bytes ≥ 0x80 in it are logged
// escaped on the warning's own line, so it cannot forge a log line; a long one is cut.
TEST(Mqtt, BadSetPayloadIsLoggedAsOneEscapedLine) {
  Broker broker;
  Subscriber sub(broker.port(), "frigate/#");
  Vigil v(mqtt_yaml(broker.port()) + camera_yaml("    detect: {enabled: false}\n"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(sub.wait_for("frigate/walk/detect/state", "OFF", 30)) << v.log();

  size_t mark = sub.size();
  sub.publish("frigate/walk/detect/set", "ON\n2026-12-06 04:00:00.000 vigil.app FORGED \xff\xfe");
  // The state is republished after the warning is written.
  ASSERT_TRUE(sub.wait_for("frigate/walk/detect/state", "OFF", 20, mark)) << v.log();
  mark = sub.size();
  sub.publish("frigate/walk/detect/set", std::string(1000, 'A'));
  ASSERT_TRUE(sub.wait_for("frigate/walk/detect/state", "OFF", 20, mark)) << v.log();

  std::string log;
  std::vector<std::string> lines;
  ASSERT_TRUE(eventually(
      [&] {
        log = v.log();
        return log.find("(+936 bytes)") != std::string::npos;
      },
      10))
      << log;
  std::istringstream in(log);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  size_t warnings = 0;
  for (const std::string& l : lines) {
    if (l.find("FORGED") != std::string::npos) {
      EXPECT_NE(l.find("invalid payload"), std::string::npos) << "a forged line: " << l;
    }
    EXPECT_NE(l.rfind("2026-12-06 04:00:00.000", 0), 0u) << "a forged line: " << l;
    if (l.find("frigate/walk/detect/set: invalid payload \"ON\\n2026-12-06 04:00:00.000 vigil.app FORGED \\xff\\xfe\" "
               "(expected ON or OFF)") != std::string::npos)
      ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << log;
  EXPECT_EQ(log.find('\xff'), std::string::npos) << "raw payload bytes in the log";
  EXPECT_NE(log.find("invalid payload \"" + std::string(64, 'A') + "...(+936 bytes)\""), std::string::npos) << log;
}

// A broker that accepts the TCP connection and never answers: each attempt ends after
// the CONNACK deadline (vigil closes it), and the pauses between attempts grow.
TEST(Mqtt, SilentBrokerGetsBoundedAttemptsWithGrowingPauses) {
  FakeBroker fake(FakeBroker::Mode::Silent);
  Vigil v(mqtt_yaml(fake.port()) + camera_yaml("    detect: {enabled: false}\n"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // Attempt, deadline, pause 1 s, attempt, deadline, pause 2 s, …
  ASSERT_TRUE(fake.wait_connections(4, 120)) << v.log();
  auto conns = fake.connections();
  std::vector<double> pauses;
  for (size_t i = 0; i + 1 < 4; ++i) {
    ASSERT_GE(conns[i].closed, 0) << "attempt " << i << " was never given up";
    EXPECT_LE(conns[i].closed, conns[i + 1].accepted) << "attempt " << i << " still open at the next one";
    pauses.push_back(conns[i + 1].accepted - conns[i].closed);
  }
  // At least the backoff delay (1, 2, 4 s, less the measuring slack): lower bounds only.
  for (size_t i = 0; i < pauses.size(); ++i) EXPECT_GE(pauses[i], 0.8 * double(1 << i)) << describe(pauses);
  EXPECT_NE(v.log().find("no answer to CONNECT within 5 s"), std::string::npos) << v.log();
  EXPECT_EQ(http_get(v.port(), "/api/stats").status, 200) << "the API is not held up";
  // A clean stop does not hang on an attempt in progress.
  v.process().signal(SIGTERM);
  EXPECT_EQ(v.process().wait(30), 0);
}

// A broker that answers garbage and closes.
TEST(Mqtt, GarbageBrokerGetsGrowingBackoff) { expect_growing_backoff(FakeBroker::Mode::Garbage); }

// A broker that accepts the CONNECT and closes at once: a connection that did not stay
// up does not reset the backoff.
TEST(Mqtt, BrokerClosingAfterConnackGetsGrowingBackoff) { expect_growing_backoff(FakeBroker::Mode::ConnackThenClose); }

}  // namespace vigil::test
