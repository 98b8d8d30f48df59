// GET /api/metrics on a running vigil with YOLOX-Nano on vtest (docs/metrics.md):
// names, types, labels, counters that grow between two scrapes, and promtool's check.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "harness.h"
#include "mqtt_harness.h"

namespace vigil::test {
namespace {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Scrape {
  std::map<std::string, std::string> types;  // family → type
  std::set<std::string> helps;               // families with # HELP
  std::vector<Sample> samples;
  std::string text;
  // The value of the sample `name` whose labels include `want`; NaN when absent.
  double value(const std::string& name, const std::map<std::string, std::string>& want = {}) const {
    for (const Sample& s : samples) {
      if (s.name != name) continue;
      bool all = true;
      for (const auto& [k, v] : want) all = all && s.labels.count(k) && s.labels.at(k) == v;
      if (all) return s.value;
    }
    return NAN;
  }
};

// A small parser of the text format (enough for what vigil writes: no escaped quotes in
// the values this test reads).
Scrape parse(const std::string& text) {
  Scrape out;
  out.text = text;
  std::istringstream in(text);
  std::string line;
  static const std::regex sample_re(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
  static const std::regex label_re(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      out.helps.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream ls(line.substr(7));
      std::string name, type;
      ls >> name >> type;
      out.types[name] = type;
    } else if (!line.empty()) {
      std::smatch m;
      EXPECT_TRUE(std::regex_match(line, m, sample_re)) << "not a sample line: " << line;
      if (m.empty()) continue;
      Sample s;
      s.name = m[1];
      const std::string labels = m[3];
      for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label_re); it != std::sregex_iterator(); ++it)
        s.labels[(*it)[1]] = (*it)[2];
      s.value = std::stod(m[4]);
      out.samples.push_back(s);
    }
  }
  return out;
}

// The family a sample belongs to (histogram samples carry a suffix).
std::string family_of(const Scrape& s, const std::string& name) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string sf(suffix);
    if (name.size() > sf.size() && name.compare(name.size() - sf.size(), sf.size(), sf) == 0) {
      const std::string base = name.substr(0, name.size() - sf.size());
      if (s.types.count(base) && s.types.at(base) == "histogram") return base;
    }
  }
  return name;
}

Scrape scrape(int port) {
  HttpResult r = http_get(port, "/api/metrics");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  return parse(r.body);
}

}  // namespace

TEST(Metrics, ScrapedTwiceWithYoloxOnVtest) {
  const std::string model = models_dir() + "/yolox-nano/yolox_nano.onnx";
  if (access(model.c_str(), R_OK) != 0) GTEST_SKIP() << "YOLOX-Nano not found at " << model << " (set VIGIL_MODELS)";
  if (access(vtest_mp4().c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");  // segments complete within the test
  const int p14 = free_port(), rtsp = free_port();    // a 0.14 listener too: /api/metrics is on every listener
  Vigil v("api:\n  host: 127.0.0.1\n  listeners:\n    - {port: $API_PORT, profile: \"0.8\"}\n    - {port: " +
          std::to_string(p14) + ", profile: \"0.14\"}\nrtsp_restream: {port: " + std::to_string(rtsp) + "}\n" +
          yolox_detectors_yaml() + "record: {enabled: true}\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n" +
          "        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect, clips, record]\n"
          "    width: 768\n    height: 576\n    fps: 5\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const int p = v.port();
  const std::map<std::string, std::string> yolox = {{"name", "yolox"}}, walk = {{"camera_name", "walk"}};

  // First scrape once the detector has run.
  Scrape first;
  ASSERT_TRUE(eventually(
      [&] {
        first = scrape(p);
        return first.value("vigil_detector_inference_seconds_count", yolox) > 0;
      },
      60))
      << first.text << v.log();
  http_get(p, "/api/walk/latest.jpg");
  http_get(p, "/api/no/such/route");

  // Second scrape once a recording segment is written and more inferences ran.
  Scrape second;
  ASSERT_TRUE(eventually(
      [&] {
        second = scrape(p);
        return second.value("vigil_recording_segments_written_total", walk) > 0 &&
               second.value("vigil_detector_inference_seconds_count", yolox) >
                   first.value("vigil_detector_inference_seconds_count", yolox);
      },
      60))
      << second.text << v.log();

  // Every sample belongs to a family with # HELP and # TYPE; counters end in _total.
  for (const Sample& s : second.samples) {
    const std::string f = family_of(second, s.name);
    EXPECT_TRUE(second.types.count(f)) << s.name << " has no # TYPE";
    EXPECT_TRUE(second.helps.count(f)) << s.name << " has no # HELP";
  }
  for (const auto& [name, type] : second.types) {
    if (type == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << name;
    }
    if (name.ends_with("_total")) {
      EXPECT_EQ(type, "counter") << name;
    }
  }

  // Names and types: Frigate's where Frigate has them, vigil_ otherwise.
  const std::map<std::string, std::string> want = {
      {"frigate_camera_fps", "gauge"},
      {"frigate_process_fps", "gauge"},
      {"frigate_skipped_fps", "gauge"},
      {"frigate_detection_fps", "gauge"},
      {"frigate_detector_inference_speed_seconds", "gauge"},
      {"frigate_storage_free_bytes", "gauge"},
      {"frigate_storage_used_bytes", "gauge"},
      {"frigate_storage_total_bytes", "gauge"},
      {"frigate_service_uptime_seconds", "gauge"},
      {"vigil_detector_inference_seconds", "histogram"},
      {"vigil_detector_queue_depth", "gauge"},
      {"vigil_events_open", "gauge"},
      {"vigil_recording_segments_written_total", "counter"},
      {"vigil_recording_segments_dropped_total", "counter"},
      {"vigil_events_finished_total", "counter"},
      {"vigil_clip_assembly_seconds", "histogram"},
      {"vigil_media_folder_bytes", "gauge"},
      {"vigil_storage_below_floor", "gauge"},
      {"vigil_http_requests_total", "counter"},
      {"process_cpu_seconds_total", "counter"},
      {"process_resident_memory_bytes", "gauge"},
  };
  for (const auto& [name, type] : want) {
    ASSERT_TRUE(second.types.count(name)) << name << " missing:\n" << second.text;
    EXPECT_EQ(second.types.at(name), type) << name;
  }

  // Labels.
  EXPECT_GT(second.value("frigate_camera_fps", walk), 0) << second.text;
  EXPECT_GE(second.value("frigate_detection_fps", walk), 0);
  EXPECT_GT(second.value("frigate_detector_inference_speed_seconds", yolox), 0);
  EXPECT_EQ(second.value("vigil_detector_inference_seconds_bucket", {{"name", "yolox"}, {"le", "+Inf"}}),
            second.value("vigil_detector_inference_seconds_count", yolox));
  EXPECT_FALSE(std::isnan(second.value("vigil_events_open", walk)));
  EXPECT_EQ(second.value("vigil_recording_segments_dropped_total", walk), 0);  // shown from the start
  EXPECT_GE(second.value("vigil_events_finished_total", walk), 0);
  EXPECT_FALSE(std::isnan(second.value("frigate_storage_free_bytes", {{"storage", v.dir() + "/media/recordings"}})))
      << second.text;
  for (const char* folder : {"clips", "recordings", "cache"})
    EXPECT_GE(second.value("vigil_media_folder_bytes", {{"folder", folder}}), 0) << folder;
  EXPECT_GT(second.value("vigil_media_folder_bytes", {{"folder", "recordings"}}), 0);
  EXPECT_GT(second.value("process_resident_memory_bytes"), 1e6);

  // HTTP requests by route pattern, never by raw path.
  const std::map<std::string, std::string> metrics_route = {
      {"method", "GET"}, {"route", "/api/metrics"}, {"status", "200"}};
  EXPECT_GE(second.value("vigil_http_requests_total", {{"route", "/api/*/latest.jpg"}, {"status", "200"}}), 1)
      << second.text;
  EXPECT_GE(second.value("vigil_http_requests_total", {{"route", "unmatched"}, {"status", "404"}}), 1);
  for (const Sample& s : second.samples)
    if (s.name == "vigil_http_requests_total") {
      EXPECT_EQ(s.labels.at("route").find("walk"), std::string::npos) << s.labels.at("route");
    }

  // Counters grow.
  EXPECT_GT(second.value("vigil_http_requests_total", metrics_route),
            first.value("vigil_http_requests_total", metrics_route));
  EXPECT_GT(second.value("vigil_detector_inference_seconds_sum", yolox),
            first.value("vigil_detector_inference_seconds_sum", yolox));
  EXPECT_GE(second.value("process_cpu_seconds_total"), first.value("process_cpu_seconds_total"));
  EXPECT_GT(second.value("process_cpu_seconds_total"), 0);

  // The 0.14 listener serves the same document.
  ASSERT_TRUE(v.wait_for_log("API (0.14 profile) listening on 127.0.0.1:" + std::to_string(p14))) << v.log();
  const Scrape on14 = scrape(p14);
  EXPECT_GT(on14.value("frigate_camera_fps", walk), 0) << on14.text;
  EXPECT_EQ(on14.types.at("vigil_http_requests_total"), "counter");

  // promtool (Debian `prometheus`, scripts/bootstrap) agrees it is valid and lint-clean.
  const std::string promtool = run("command -v promtool");
  ASSERT_FALSE(promtool.empty()) << "promtool not found: install Debian's prometheus (scripts/bootstrap)";
  const std::string file = v.dir() + "/metrics.txt";
  std::ofstream(file) << second.text;
  const std::string check = run("promtool check metrics < " + file + " 2>&1; echo exit=$?");
  EXPECT_NE(check.find("exit=0"), std::string::npos) << check;
}

// MQTT's connection state and counters, shown only when MQTT is enabled: connected with
// the broker up, 0 once it is gone.
TEST(Metrics, MqttConnectionStateFollowsTheBroker) {
  if (access(vtest_mp4().c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";
  Broker broker;
  Vigil v("mqtt:\n  host: 127.0.0.1\n  port: " + std::to_string(broker.port()) +
          "\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n"
          "    width: 768\n    height: 576\n    fps: 1\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  Scrape s;
  ASSERT_TRUE(eventually([&] {
    s = scrape(v.port());
    return s.value("vigil_mqtt_connected") == 1;
  })) << s.text
      << v.log();
  EXPECT_EQ(s.types.at("vigil_mqtt_connected"), "gauge");
  EXPECT_EQ(s.types.at("vigil_mqtt_dropped_messages_total"), "counter");
  EXPECT_EQ(s.types.at("vigil_mqtt_failed_connection_attempts_total"), "counter");
  broker.stop();
  ASSERT_TRUE(eventually([&] {
    s = scrape(v.port());
    return s.value("vigil_mqtt_connected") == 0;
  })) << s.text
      << v.log();
}

}  // namespace vigil::test
