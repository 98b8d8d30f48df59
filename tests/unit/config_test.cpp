// Configuration: loading, validation, merging and /api/config (config.md, http-api.md §2.3).
#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "detect/checked_config.h"
#include "detect/model_registry.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// config.md §7.1
const std::string kMinimal = R"(mqtt:
  host: 192.168.1.20
cameras:
  driveway:
    ffmpeg:
      inputs:
        - path: rtsp://nvr:{FRIGATE_RTSP_PASSWORD}@192.168.1.31:554/sub
          roles: [detect]
    width: 640
    height: 360
    fps: 5
)";

// config.md §7.2
const std::string kTwoStreams = R"(mqtt:
  host: broker.lan
  user: nvr
  password: "{FRIGATE_MQTT_PASSWORD}"
detectors:
  cpu1:
    type: cpu
objects:
  track: [person, car]
  filters:
    person:
      min_score: 0.55
clips:
  retain:
    default: 14
    objects:
      person: 30
record:
  retain_days: 7
cameras:
  garden:
    ffmpeg:
      inputs:
        - path: rtsp://10.0.0.5:554/stream2
          roles: [detect]
        - path: rtsp://10.0.0.5:554/stream1
          roles: [clips, record]
    width: 1280
    height: 720
    fps: 5
    motion:
      mask: 0,0,1280,0,1280,60,0,60          # the camera's clock overlay
    zones:
      lawn:
        coordinates: 0,720,1280,720,1280,400,0,420
        filters:
          person:
            min_area: 4000
    clips:
      enabled: true
      pre_capture: 4
      required_zones: [lawn]
    snapshots:
      enabled: true
      bounding_box: true
    record:
      enabled: true
)";

// config.md §7.3; the model path is replaced by a file the test creates.
const std::string kVigilOnly = R"(media_dir: /srv/vigil
api:
  host: 127.0.0.1
  port: 5000
storage:
  min_free_mb: 5000
detectors:
  yolox:
    type: opencv
    num_threads: 2
    workers: 3
    model:
      path: /opt/models/yolox-nano/yolox_nano.onnx   # kind yolox, 416x416, coco.names beside it
# no mqtt section: MQTT off
cameras:
  demo:
    ffmpeg:
      inputs:
        - path: /usr/share/doc/opencv-doc/examples/data/vtest.avi
          input_args: -re -stream_loop -1
          roles: [detect]
    width: 768
    height: 576
    fps: 5
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << "test bug: \"" << from << "\" not in config";
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

// A camera block for tests that only care about one part of the file.
std::string camera_yaml(const std::string& extra = "", const std::string& input_extra = "") {
  return "cameras:\n"
         "  back:\n"
         "    ffmpeg:\n"
         "      inputs:\n"
         "        - path: rtsp://cam/1\n"
         "          roles: [detect]\n" +
         input_extra + "    width: 640\n    height: 360\n" + extra;
}

Config parse(const std::string& yaml, std::vector<std::string>* warnings = nullptr) {
  return parse_checked_config(yaml, false, warnings);
}

std::vector<std::string> errors_of(const std::string& text, bool is_json = false) {
  try {
    parse_checked_config(text, is_json);
  } catch (const ConfigError& e) {
    return e.lines;
  }
  ADD_FAILURE() << "config was accepted:\n" << text;
  return {};
}

std::string first_error(const std::string& text) {
  auto lines = errors_of(text);
  return lines.empty() ? "" : lines.front();
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FRIGATE_RTSP_PASSWORD", "s3cret", 1);
    setenv("FRIGATE_MQTT_PASSWORD", "mqttpw", 1);
  }
  void TearDown() override {
    unsetenv("FRIGATE_RTSP_PASSWORD");
    unsetenv("FRIGATE_MQTT_PASSWORD");
  }
};

// A temporary directory with a fake model and label file.
class ModelDir {
 public:
  ModelDir() : dir_(fs::temp_directory_path() / ("vigil_config_test_" + std::to_string(getpid()))) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "yolox_nano.onnx") << "not really onnx";
    std::ofstream(dir_ / "coco.names") << "person\nbicycle\ncar\n";
  }
  ~ModelDir() { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

// ---------------------------------------------------------------------------
// The examples of config.md §7

TEST_F(ConfigTest, MinimalExampleLoads) {
  Config c = parse(kMinimal);
  EXPECT_TRUE(c.mqtt.enabled);
  EXPECT_EQ(c.mqtt.host, "192.168.1.20");
  EXPECT_EQ(c.mqtt.port, 1883);
  EXPECT_EQ(c.mqtt.topic_prefix, "frigate");
  ASSERT_EQ(c.cameras.size(), 1u);
  const CameraConfig& cam = c.cameras[0];
  EXPECT_EQ(cam.name, "driveway");
  EXPECT_EQ(cam.width, 640);
  EXPECT_EQ(cam.height, 360);
  EXPECT_EQ(cam.fps, 5);
  EXPECT_EQ(cam.detect_input().path, "rtsp://nvr:s3cret@192.168.1.31:554/sub");
  EXPECT_EQ(cam.motion.frame_height, 60);  // 360 // 6
  EXPECT_EQ(cam.max_disappeared, 10);      // fps × 2
  EXPECT_EQ(cam.track, std::vector<std::string>{"person"});
  ASSERT_EQ(cam.filters.count("person"), 1u);
  EXPECT_DOUBLE_EQ(cam.filters.at("person").threshold, 0.7);
  EXPECT_FALSE(cam.rtmp_active());
  EXPECT_TRUE(cam.rtmp_enabled);
  ASSERT_EQ(c.detectors.size(), 1u);  // default: coral, edgetpu, runs as HOG
  EXPECT_EQ(c.detectors[0].name, "coral");
  EXPECT_EQ(c.detectors[0].type, "edgetpu");
  EXPECT_EQ(c.detectors[0].device, "usb");
  EXPECT_EQ(c.detectors[0].effective_type(), "hog");
  EXPECT_EQ(c.media_dir, (fs::current_path() / "media").string());
  EXPECT_EQ(c.database_path, c.media_dir + "/clips/frigate.db");
  EXPECT_EQ(c.camera("driveway"), &c.cameras[0]);
  EXPECT_EQ(c.camera("nope"), nullptr);
}

TEST_F(ConfigTest, TwoStreamsExampleLoads) {
  Config c = parse(kTwoStreams);
  EXPECT_EQ(c.mqtt.user, "nvr");
  EXPECT_EQ(c.mqtt.password, "mqttpw");
  ASSERT_EQ(c.detectors.size(), 1u);
  EXPECT_EQ(c.detectors[0].name, "cpu1");
  EXPECT_EQ(c.detectors[0].type, "cpu");
  const CameraConfig& cam = c.cameras.at(0);
  ASSERT_EQ(cam.inputs.size(), 2u);
  EXPECT_EQ(cam.detect_input().path, "rtsp://10.0.0.5:554/stream2");
  EXPECT_TRUE(cam.inputs[1].has_role("clips"));
  EXPECT_TRUE(cam.inputs[1].has_role("record"));
  EXPECT_FALSE(cam.inputs[1].has_role("detect"));
  EXPECT_TRUE(cam.record_enabled);
  EXPECT_EQ(cam.record_retain_days, 7);
  EXPECT_EQ(cam.clips.pre_capture, 4);
  EXPECT_EQ(cam.clips.retain.default_days, 14);
  EXPECT_EQ(cam.clips.retain.objects, (std::map<std::string, int>{{"person", 30}}));
  EXPECT_EQ(cam.snapshots.retain.default_days, 10);
  EXPECT_DOUBLE_EQ(cam.filters.at("person").min_score, 0.55);
  EXPECT_DOUBLE_EQ(cam.filters.at("car").min_score, 0.5);
  ASSERT_EQ(cam.motion.mask.polygons.size(), 1u);
  EXPECT_EQ(cam.motion.mask.polygons[0].points.size(), 4u);
  EXPECT_EQ(cam.motion.mask.polygons[0].points[2], std::make_pair(1280, 60));
  ASSERT_EQ(cam.zones.size(), 1u);
  EXPECT_EQ(cam.zones[0].name, "lawn");
  EXPECT_EQ(cam.zones[0].coordinates.points.size(), 4u);
  EXPECT_EQ(cam.zones[0].filters.at("person").min_area, 4000);
  EXPECT_EQ(cam.clips.required_zones, std::vector<std::string>{"lawn"});
}

TEST_F(ConfigTest, VigilOnlyExampleLoads) {
  ModelDir models;
  std::vector<std::string> warnings;
  Config c =
      parse(replace(kVigilOnly, "/opt/models/yolox-nano/yolox_nano.onnx", models.path("yolox_nano.onnx")), &warnings);
  EXPECT_FALSE(c.mqtt.enabled);
  EXPECT_EQ(c.media_dir, "/srv/vigil");
  EXPECT_EQ(c.database_path, "/srv/vigil/clips/frigate.db");
  EXPECT_EQ(c.api_host, "127.0.0.1");
  EXPECT_EQ(c.storage_min_free_mb, 5000);
  const DetectorConfig& d = c.detectors.at(0);
  EXPECT_EQ(d.type, "opencv");
  EXPECT_EQ(d.device, "cpu");
  EXPECT_EQ(d.num_threads, 2);
  EXPECT_EQ(d.workers, 3);
  EXPECT_EQ(d.effective_type(), "opencv");
  ASSERT_TRUE(d.model);
  EXPECT_EQ(d.model->kind, "yolox");
  EXPECT_EQ(d.model->width, 416);
  EXPECT_EQ(d.model->height, 416);
  EXPECT_EQ(d.model->labelmap, models.path("coco.names"));
  EXPECT_EQ(d.model->label_aliases, (std::map<std::string, std::string>{{"truck", "car"}}));
  const InputOptions& o = c.cameras.at(0).detect_input().options;
  EXPECT_TRUE(o.realtime);
  EXPECT_EQ(o.stream_loop, -1);
  EXPECT_EQ(o.ffmpeg_loglevel, "warning");
}

// ---------------------------------------------------------------------------
// config.md §7.4: broken variants of 7.1 and their first error line

struct Broken {
  std::string name, yaml, first_error;
};

std::vector<Broken> broken_variants() {
  const std::string m = kMinimal;
  return {
      {"no detect role", replace(m, "roles: [detect]", "roles: [clips]"),
       "config error: cameras.driveway.ffmpeg.inputs: the detect role is required (exactly one input must have it)"},
      {"detect twice",
       replace(m, "          roles: [detect]\n",
               "          roles: [detect]\n        - path: rtsp://192.168.1.31/main\n          roles: [detect]\n"),
       "config error: cameras.driveway.ffmpeg.inputs: role \"detect\" is assigned to more than one input"},
      {"unknown role", replace(m, "roles: [detect]", "roles: [detect, snapshot]"),
       "config error: cameras.driveway.ffmpeg.inputs[0].roles[1]: must be one of: detect, clips, record, rtmp"},
      {"width not int", replace(m, "width: 640", "width: wide"),
       "config error: cameras.driveway.width: expected int, got string \"wide\""},
      {"odd height", replace(m, "height: 360", "height: 361"),
       "config error: cameras.driveway.height: must be a positive even number"},
      {"unknown key", m + "    colour: red\n", "config error: cameras.driveway.colour: unknown key"},
      {"height missing", replace(m, "    height: 360\n", ""),
       "config error: cameras.driveway.height: required key is missing"},
      {"zone named like camera", m + "    zones: {driveway: {coordinates: \"0,0,10,0,10,10\"}}\n",
       "config error: cameras.driveway.zones.driveway: zone \"driveway\" has the same name as camera \"driveway\""},
      {"bad polygon", m + "    zones:\n      z:\n        coordinates: 0,0,10\n",
       "config error: cameras.driveway.zones.z.coordinates: expected \"x1,y1,x2,y2,\u2026\" with at least 3 points, "
       "got \"0,0,10\""},
      {"motion threshold 0", m + "    motion: {threshold: 0}\n",
       "config error: cameras.driveway.motion.threshold: must be between 1 and 255"},
      {"logger level", "logger: {default: verbose}\n" + m,
       "config error: logger.default: must be one of: debug, info, warning, error, critical"},
      {"detector type", "detectors: {x: {type: gpu}}\n" + m,
       "config error: detectors.x.type: must be one of: edgetpu, cpu, opencv, hog"},
      {"model height missing", "model: {width: 300}\n" + m, "config error: model.height: required key is missing"},
      {"track not a list", "objects: {track: person}\n" + m,
       "config error: objects.track: expected a list of strings, got string \"person\""},
      {"global detect.enabled", "detect: {enabled: false}\n" + m, "config error: detect.enabled: unknown key"},
      {"camera named stats", replace(m, "  driveway:", "  stats:"),
       "config error: cameras.stats: \"stats\" cannot be used as a camera name"},
      {"mqtt without host", replace(m, "mqtt:\n  host: 192.168.1.20\n", "mqtt: {port: 1883}\n"),
       "config error: mqtt.host: required key is missing"},
  };
}

// vigil-only rtsp_restream (README "Configuration"): off by default, on api.host's
// address unless written, port range-checked like api.port.
TEST_F(ConfigTest, RtspRestreamDefaultsFollowTheApiHostAndCheckThePort) {
  Config d = parse(kMinimal);
  EXPECT_FALSE(d.rtsp_restream.enabled);
  EXPECT_EQ(d.rtsp_restream.host, "0.0.0.0");
  EXPECT_EQ(d.rtsp_restream.port, 8554);
  Config c = parse(kMinimal + "api: {host: 127.0.0.1}\nrtsp_restream: {enabled: true, port: 9554}\n");
  EXPECT_TRUE(c.rtsp_restream.enabled);
  EXPECT_EQ(c.rtsp_restream.host, "127.0.0.1");
  EXPECT_EQ(c.rtsp_restream.port, 9554);
  EXPECT_EQ(parse(kMinimal + "rtsp_restream: {host: 10.0.0.2}\n").rtsp_restream.host, "10.0.0.2");
  EXPECT_EQ(first_error(kMinimal + "rtsp_restream: {port: 70000}\n"),
            "config error: rtsp_restream.port: must be between 1 and 65535");
  EXPECT_EQ(first_error(kMinimal + "rtsp_restream: {enabled: sometimes}\n"),
            "config error: rtsp_restream.enabled: expected bool, got string \"sometimes\"");
  EXPECT_EQ(first_error(kMinimal + "rtsp_restream: {path: /x}\n"), "config error: rtsp_restream.path: unknown key");
}

TEST_F(ConfigTest, StorageTiersAreAbsolutePathsWithDecimalHours) {
  EXPECT_TRUE(parse(kMinimal).storage_tiers.empty());
  Config c = parse(kMinimal +
                   "media_dir: /m\nstorage: {tiers: [{path: /archive/, move_after_hours: 0.0005}, "
                   "{path: /cold, move_after_hours: 48}]}\n");
  ASSERT_EQ(c.storage_tiers.size(), 2u);
  EXPECT_EQ(c.storage_tiers[0].path, "/archive");
  EXPECT_DOUBLE_EQ(c.storage_tiers[0].move_after_hours, 0.0005);
  EXPECT_EQ(c.storage_tiers[1].path, "/cold");
  EXPECT_DOUBLE_EQ(c.storage_tiers[1].move_after_hours, 48);
  EXPECT_EQ(first_error(kMinimal + "storage: {tiers: [{path: /a}]}\n"),
            "config error: storage.tiers[0].move_after_hours: required key is missing");
  EXPECT_EQ(first_error(kMinimal + "storage: {tiers: [{path: /a, move_after_hours: -1}]}\n"),
            "config error: storage.tiers[0].move_after_hours: must be between 0 and 1000000");
  EXPECT_EQ(
      first_error(kMinimal + "storage: {tiers: {path: /a}}\n").rfind("config error: storage.tiers: expected a list", 0),
      0u);
  EXPECT_EQ(first_error(kMinimal + "media_dir: /m\nstorage: {tiers: [{path: /m, move_after_hours: 1}]}\n"),
            "config error: storage.tiers[0].path: is media_dir (tier 0)");
}

TEST_F(ConfigTest, BrokenVariantsGiveTheDocumentedFirstError) {
  for (const Broken& b : broken_variants()) {
    SCOPED_TRACE(b.name);
    auto lines = errors_of(b.yaml);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.front(), b.first_error);
    EXPECT_EQ(lines.size(), 1u) << joined(lines);  // no follow-up noise
  }
}

TEST_F(ConfigTest, UnsetEnvironmentVariableIsAnError) {
  unsetenv("FRIGATE_RTSP_PASSWORD");
  EXPECT_EQ(
      first_error(kMinimal),
      "config error: cameras.driveway.ffmpeg.inputs[0].path: environment variable FRIGATE_RTSP_PASSWORD is not set");
}

TEST_F(ConfigTest, EveryProblemIsReported) {
  auto lines = errors_of(replace(replace(kMinimal, "width: 640", "width: wide"), "height: 360", "height: 361") +
                         "    colour: red\nbogus: 1\n");
  EXPECT_TRUE(has_line(lines, "config error: cameras.driveway.width: expected int, got string \"wide\""));
  EXPECT_TRUE(has_line(lines, "config error: cameras.driveway.height: must be a positive even number"));
  EXPECT_TRUE(has_line(lines, "config error: cameras.driveway.colour: unknown key"));
  EXPECT_TRUE(has_line(lines, "config error: bogus: unknown key"));
  EXPECT_EQ(lines.size(), 4u) << joined(lines);
}

// Keys and values from the file are escaped: each problem stays one line of text, and
// a newline in a key cannot forge another line (util/printable).
TEST_F(ConfigTest, ErrorLinesEscapeKeysAndValues) {
  auto lines = errors_of(replace(kMinimal, "width: 640", "width: \"wide\\nconfig error: forged\"") +
                         "    \"colour\\r\\nconfig error: forged\\xff\": red\n");
  EXPECT_TRUE(
      has_line(lines, "config error: cameras.driveway.width: expected int, got string \"wide\\nconfig error: forged\""))
      << joined(lines);
  EXPECT_TRUE(has_line(lines, "config error: cameras.driveway.colour\\r\\nconfig error: forged\\xc3\\xbf: unknown key"))
      << joined(lines);
  for (const auto& l : lines) EXPECT_EQ(l.find_first_of("\r\n"), std::string::npos) << l;
}

// ---------------------------------------------------------------------------
// Types (config.md §1, §3)

TEST_F(ConfigTest, Yaml11BooleansInAllCases) {
  for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    Config c = parse(camera_yaml(std::string("    clips: {enabled: ") + t + "}\n"));
    EXPECT_TRUE(c.cameras[0].clips.enabled) << t;
  }
  for (const char* f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    Config c = parse(camera_yaml(std::string("    detect: {enabled: ") + f + "}\n"));
    EXPECT_FALSE(c.cameras[0].detect_enabled) << f;
  }
}

TEST_F(ConfigTest, YAndNAndQuotedYesAreStringsNotBooleans) {
  EXPECT_EQ(first_error(camera_yaml("    clips: {enabled: y}\n")),
            "config error: cameras.back.clips.enabled: expected bool, got string \"y\"");
  EXPECT_EQ(first_error(camera_yaml("    clips: {enabled: n}\n")),
            "config error: cameras.back.clips.enabled: expected bool, got string \"n\"");
  EXPECT_EQ(first_error(camera_yaml("    clips: {enabled: \"yes\"}\n")),
            "config error: cameras.back.clips.enabled: expected bool, got string \"yes\"");
}

TEST_F(ConfigTest, IntegerForms) {
  Config c = parse(camera_yaml("    fps: 0x0A\n    motion: {contour_area: 5_000}\n    best_image_timeout: +30\n"));
  EXPECT_EQ(c.cameras[0].fps, 10);
  EXPECT_EQ(c.cameras[0].motion.contour_area, 5000);
  EXPECT_EQ(c.cameras[0].best_image_timeout, 30);

  std::string octal = first_error(camera_yaml("    fps: 010\n"));
  EXPECT_EQ(octal.rfind("config error: cameras.back.fps: ", 0), 0u) << octal;
  EXPECT_NE(octal.find("octal"), std::string::npos) << octal;
  std::string base60 = first_error(camera_yaml("    best_image_timeout: 1:30\n"));
  EXPECT_EQ(base60.rfind("config error: cameras.back.best_image_timeout: ", 0), 0u) << base60;
  EXPECT_NE(base60.find("base-60"), std::string::npos) << base60;
}

TEST_F(ConfigTest, IntRejectsBooleansFloatsAndStrings) {
  EXPECT_EQ(first_error(camera_yaml("    fps: true\n")), "config error: cameras.back.fps: expected int, got bool true");
  EXPECT_EQ(first_error(camera_yaml("    fps: 5.0\n")), "config error: cameras.back.fps: expected int, got float 5.0");
  EXPECT_EQ(first_error(camera_yaml("    fps: \"5\"\n")),
            "config error: cameras.back.fps: expected int, got string \"5\"");
  EXPECT_EQ(first_error(camera_yaml("    fps: 0\n")), "config error: cameras.back.fps: must be at least 1");
}

TEST_F(ConfigTest, FloatsNeedADecimalPointButIntegersAreAccepted) {
  Config c = parse("objects:\n  filters:\n    person: {threshold: 1, min_score: .5}\n" + camera_yaml());
  EXPECT_DOUBLE_EQ(c.cameras[0].filters.at("person").threshold, 1.0);
  EXPECT_DOUBLE_EQ(c.cameras[0].filters.at("person").min_score, 0.5);
  EXPECT_EQ(first_error(camera_yaml("    motion: {delta_alpha: 1e-1}\n")),
            "config error: cameras.back.motion.delta_alpha: expected float, got string \"1e-1\"");
  EXPECT_EQ(first_error(camera_yaml("    motion: {delta_alpha: 0}\n")),
            "config error: cameras.back.motion.delta_alpha: must be greater than 0 and at most 1");
  EXPECT_EQ(first_error("objects: {filters: {person: {min_score: 1.5}}}\n" + camera_yaml()),
            "config error: objects.filters.person.min_score: must be between 0 and 1");
}

TEST_F(ConfigTest, PlainScalarsAreAcceptedForStrings) {
  Config c = parse("mqtt: {host: 10.0.0.1, user: 1234, password: 010, client_id: yes}\n" + camera_yaml());
  EXPECT_EQ(c.mqtt.user, "1234");
  EXPECT_EQ(c.mqtt.password, "010");
  EXPECT_EQ(c.mqtt.client_id, "yes");
  EXPECT_EQ(first_error("mqtt: {host: [a]}\n" + camera_yaml()), "config error: mqtt.host: expected str, got a list");
}

TEST_F(ConfigTest, NullMeansNotSet) {
  Config d = parse(
      "ffmpeg: {input_args: -rtsp_transport udp}\n"
      "cameras:\n  back:\n    ffmpeg:\n      input_args:\n      inputs:\n"
      "        - path: rtsp://cam/1\n          roles: [detect]\n          hwaccel_args: null\n"
      "    width: 640\n    height: 360\n    fps: null\n");
  const CameraConfig& cam = d.cameras[0];
  EXPECT_FALSE(cam.fps.has_value());
  EXPECT_EQ(cam.inputs[0].input_args, (std::vector<std::string>{"-rtsp_transport", "udp"}));
  EXPECT_TRUE(cam.inputs[0].hwaccel_args.empty());
  EXPECT_EQ(first_error(replace(camera_yaml(), "width: 640", "width:")),
            "config error: cameras.back.width: expected int, got null");
}

TEST_F(ConfigTest, EmptyOrNonMappingFilesAreErrors) {
  EXPECT_EQ(errors_of("").at(0), "config error: the file is empty");
  EXPECT_EQ(errors_of("# only a comment\n").at(0), "config error: the file is empty");
  EXPECT_EQ(errors_of("- a\n- b\n").at(0), "config error: the top level must be a map, got a list");
  EXPECT_EQ(errors_of("  ").at(0), "config error: the file is empty");
  EXPECT_EQ(errors_of("", true).at(0), "config error: the file is empty");
  std::string syntax = errors_of("a: [1, 2\nb: 3\n").at(0);
  EXPECT_EQ(syntax.rfind("config error: YAML syntax error at line", 0), 0u) << syntax;
}

TEST_F(ConfigTest, JsonFilesKeepTheirTypes) {
  const std::string j = R"({"mqtt": {"host": "h", "password": 1234},
    "cameras": {"back": {"ffmpeg": {"inputs": [{"path": "rtsp://c/{{x}}", "roles": ["detect"]}]},
                         "width": 640, "height": 360, "fps": 5}}})";
  Config c = parse_checked_config(j, true);
  EXPECT_EQ(c.cameras[0].fps, 5);
  EXPECT_EQ(c.mqtt.password, "1234");
  EXPECT_EQ(c.cameras[0].inputs[0].path, "rtsp://c/{x}");
  EXPECT_EQ(errors_of(replace(j, "\"fps\": 5", "\"fps\": 5.0"), true).at(0),
            "config error: cameras.back.fps: expected int, got float 5.0");
  EXPECT_EQ(errors_of(replace(j, "\"fps\": 5", "\"fps\": true"), true).at(0),
            "config error: cameras.back.fps: expected int, got bool true");
  std::string syntax = errors_of("{\"a\": }", true).at(0);
  EXPECT_EQ(syntax.rfind("config error: JSON syntax error:", 0), 0u) << syntax;

  std::vector<std::string> warnings;
  Config dup = parse_checked_config(replace(j, "\"fps\": 5", "\"fps\": 5, \"fps\": 7"), true, &warnings);
  EXPECT_EQ(dup.cameras[0].fps, 7);
  EXPECT_TRUE(has_line(warnings, "config warning: cameras.back.fps: duplicate key; the last value is used"))
      << joined(warnings);
}

TEST_F(ConfigTest, LoadConfigPicksTheParserByExtensionAndReportsUnreadableFiles) {
  ModelDir dir;
  const std::string json_path = dir.path("c.json"), yml_path = dir.path("c.yml");
  std::ofstream(json_path) << R"({"cameras": {}, "mqtt": {"host": "h"}})";
  std::ofstream(yml_path) << kMinimal;
  std::vector<std::string> warnings;
  Config j = load_checked_config(json_path, &warnings);
  EXPECT_EQ(j.mqtt.host, "h");
  EXPECT_TRUE(has_line(warnings, "config warning: cameras: no cameras configured"));
  EXPECT_EQ(load_checked_config(yml_path).cameras.at(0).name, "driveway");
  try {
    load_checked_config(dir.path("missing.yml"));
    ADD_FAILURE() << "missing file accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.lines.at(0),
              "config error: " + dir.path("missing.yml") + ": cannot read the file (No such file or directory)");
  }
}

TEST_F(ConfigTest, ArgsAreAStringOrAList) {
  Config c = parse(
      camera_yaml("", "          input_args: [-re, -stream_loop, -1]\n          global_args: \"-loglevel  debug\"\n"));
  const InputConfig& in = c.cameras[0].inputs[0];
  EXPECT_EQ(in.input_args, (std::vector<std::string>{"-re", "-stream_loop", "-1"}));
  EXPECT_EQ(in.global_args, (std::vector<std::string>{"-loglevel", "debug"}));
  EXPECT_EQ(in.options.ffmpeg_loglevel, "debug");
  EXPECT_EQ(in.options.stream_loop, -1);
  EXPECT_EQ(
      first_error(camera_yaml("", "          input_args: {a: 1}\n")),
      "config error: cameras.back.ffmpeg.inputs[0].input_args: expected a string or a list of strings, got a map");
}

// ---------------------------------------------------------------------------
// Anchors, merge keys, duplicates

TEST_F(ConfigTest, AnchorsAndMergeKeysShareCameraSettings) {
  const std::string yaml = R"(cameras:
  front: &base
    ffmpeg:
      inputs:
        - path: rtsp://cam/front
          roles: [detect]
    width: 640
    height: 360
    fps: 5
    motion: &motion
      threshold: 40
  back:
    <<: *base
    width: 1280
    height: 720
    motion:
      <<: *motion
      contour_area: 50
)";
  Config c = parse(yaml);
  ASSERT_EQ(c.cameras.size(), 2u);
  const CameraConfig& back = *c.camera("back");
  EXPECT_EQ(back.width, 1280);
  EXPECT_EQ(back.height, 720);
  EXPECT_EQ(back.fps, 5);
  EXPECT_EQ(back.inputs.at(0).path, "rtsp://cam/front");
  EXPECT_DOUBLE_EQ(back.motion.threshold, 40);
  EXPECT_EQ(back.motion.contour_area, 50);
  EXPECT_EQ(c.camera("front")->width, 640);
}

TEST_F(ConfigTest, MergeKeyListEarlierMapWins) {
  const std::string yaml = R"(record: &a {retain_days: 3}
snapshots:
  retain: &b {default: 4, objects: {car: 2}}
clips:
  retain:
    <<: [*b, {default: 9, objects: {dog: 1}}]
)" + camera_yaml();
  Config c = parse(yaml);
  EXPECT_EQ(c.clips_retain.default_days, 4);
  EXPECT_EQ(c.clips_retain.objects, (std::map<std::string, int>{{"car", 2}}));
  EXPECT_EQ(first_error("clips:\n  \"<<\": {max_seconds: 3}\n" + camera_yaml()), "config error: clips.<<: unknown key");
}

TEST_F(ConfigTest, DuplicateKeysLastWinsWithAWarning) {
  std::vector<std::string> warnings;
  Config c = parse(camera_yaml("    fps: 5\n    fps: 7\n"), &warnings);
  EXPECT_EQ(c.cameras[0].fps, 7);
  EXPECT_TRUE(has_line(warnings, "config warning: cameras.back.fps: duplicate key; the last value is used"))
      << joined(warnings);
}

// ---------------------------------------------------------------------------
// Environment substitution (§2)

TEST_F(ConfigTest, EnvironmentSubstitution) {
  setenv("VIGIL_TEST_USER", "alice", 1);
  Config c = parse("mqtt: {host: h, user: \"{VIGIL_TEST_USER}\", password: \"{{x}}{FRIGATE_MQTT_PASSWORD}\"}\n" +
                   replace(camera_yaml(), "rtsp://cam/1", "rtsp://u:{FRIGATE_RTSP_PASSWORD}@cam/{{a}}"));
  EXPECT_EQ(c.mqtt.user, "alice");
  EXPECT_EQ(c.mqtt.password, "{x}mqttpw");
  EXPECT_EQ(c.cameras[0].inputs[0].path, "rtsp://u:s3cret@cam/{a}");
  unsetenv("VIGIL_TEST_USER");

  auto path_error = [](const std::string& path) {
    return first_error(replace(camera_yaml(), "rtsp://cam/1", "\"" + path + "\""));
  };
  const std::string prefix = "config error: cameras.back.ffmpeg.inputs[0].path: ";
  EXPECT_EQ(path_error("rtsp://{HOME}@cam").rfind(prefix + "\"{HOME}\" is not a FRIGATE_* or VIGIL_*", 0), 0u);
  EXPECT_EQ(path_error("rtsp://{}@cam").rfind(prefix + "\"{}\" is not", 0), 0u);
  EXPECT_EQ(path_error("rtsp://{FRIGATE_X@cam").rfind(prefix + "unmatched \"{\"", 0), 0u);
  EXPECT_EQ(path_error("rtsp://x}@cam").rfind(prefix + "unmatched \"}\"", 0), 0u);
}

TEST_F(ConfigTest, EnvironmentVarsAreSetBeforeSubstitution) {
  unsetenv("FRIGATE_FROM_CONFIG");
  Config c = parse("environment_vars: {FRIGATE_FROM_CONFIG: pw}\n" +
                   replace(camera_yaml(), "rtsp://cam/1", "rtsp://u:{FRIGATE_FROM_CONFIG}@cam"));
  EXPECT_EQ(c.cameras[0].inputs[0].path, "rtsp://u:pw@cam");
  EXPECT_EQ(c.environment_vars.at("FRIGATE_FROM_CONFIG"), "pw");
  EXPECT_STREQ(std::getenv("FRIGATE_FROM_CONFIG"), "pw");
  unsetenv("FRIGATE_FROM_CONFIG");
}

// ---------------------------------------------------------------------------
// Global → camera (§5)

TEST_F(ConfigTest, FiltersMergeKeyByKey) {
  Config c = parse(
      "objects:\n  track: [person, dog]\n  filters:\n    person: {min_score: 0.6}\n"
      "    dog: {min_area: 10}\n" +
      camera_yaml("    objects:\n      filters:\n        person: {threshold: 0.8}\n"
                  "        cat: {min_area: 5}\n"));
  const auto& f = c.cameras[0].filters;
  ASSERT_EQ(f.size(), 2u);  // cat is not tracked: dropped
  EXPECT_DOUBLE_EQ(f.at("person").min_score, 0.6);
  EXPECT_DOUBLE_EQ(f.at("person").threshold, 0.8);
  EXPECT_EQ(f.at("person").min_area, 0);
  EXPECT_EQ(f.at("person").max_area, 24000000);
  EXPECT_EQ(f.at("dog").min_area, 10);
}

// vigil-only detect.coast_frames: 0 (0.8's every-frame detection) unless set, globally
// or per camera; negative values are refused with the key named.
TEST_F(ConfigTest, CoastFramesIsReadGloballyAndPerCamera) {
  EXPECT_EQ(parse(camera_yaml("")).cameras[0].coast_frames, 0);
  EXPECT_EQ(parse("detect: {coast_frames: 2}\n" + camera_yaml("")).cameras[0].coast_frames, 2);
  EXPECT_EQ(
      parse("detect: {coast_frames: 2}\n" + camera_yaml("    detect: {coast_frames: 1}\n")).cameras[0].coast_frames, 1);
  EXPECT_EQ(first_error(camera_yaml("    detect: {coast_frames: -1}\n")),
            "config error: cameras.back.detect.coast_frames: must be at least 0");
}

TEST_F(ConfigTest, CameraValuesOverrideGlobalOnes) {
  Config c = parse(
      "objects: {track: [car]}\n"
      "motion: {threshold: 30, contour_area: 200}\n"
      "detect: {max_disappeared: 25}\n"
      "record: {enabled: true, retain_days: 3}\n"
      "clips: {retain: {default: 20, objects: {car: 5}}}\n"
      "snapshots: {retain: {default: 2}}\n"
      "ffmpeg: {global_args: -loglevel error, hwaccel_args: -hwaccel vaapi, input_args: -rtsp_transport udp}\n" +
      camera_yaml("    objects: {track: [person]}\n"
                  "    motion: {contour_area: 50, frame_height: 100}\n"
                  "    record: {retain_days: 9}\n"
                  "    clips: {retain: {objects: {person: 1}}}\n"
                  "    snapshots: {retain: {default: 7}}\n",
                  "          input_args: -rtsp_transport http\n"));
  const CameraConfig& cam = c.cameras[0];
  EXPECT_EQ(cam.track, std::vector<std::string>{"person"});
  EXPECT_DOUBLE_EQ(cam.motion.threshold, 30);
  EXPECT_EQ(cam.motion.contour_area, 50);
  EXPECT_EQ(cam.motion.frame_height, 100);
  EXPECT_EQ(cam.max_disappeared, 25);
  EXPECT_TRUE(cam.record_enabled);
  EXPECT_EQ(cam.record_retain_days, 9);
  EXPECT_EQ(c.record_retain_days, 3);
  EXPECT_EQ(cam.clips.retain.default_days, 20);
  EXPECT_EQ(cam.clips.retain.objects, (std::map<std::string, int>{{"person", 1}}));  // a map as a whole
  EXPECT_EQ(cam.snapshots.retain.default_days, 7);
  const InputConfig& in = cam.inputs[0];
  EXPECT_EQ(in.global_args, (std::vector<std::string>{"-loglevel", "error"}));
  EXPECT_EQ(in.hwaccel_args, (std::vector<std::string>{"-hwaccel", "vaapi"}));
  EXPECT_EQ(in.input_args, (std::vector<std::string>{"-rtsp_transport", "http"}));
  EXPECT_EQ(in.options.hwaccel, "vaapi");
  EXPECT_EQ(in.options.format_options.at("rtsp_transport"), "http");
  EXPECT_EQ(in.options.ffmpeg_loglevel, "error");
}

TEST_F(ConfigTest, FrameHeightMustFitTheCamera) {
  EXPECT_EQ(first_error(camera_yaml("    motion: {frame_height: 400}\n")),
            "config error: cameras.back.motion.frame_height: must be between 1 and 360");
  EXPECT_EQ(first_error("motion: {frame_height: 400}\n" + camera_yaml()),
            "config error: motion.frame_height: must be between 1 and 360 (the height of camera back)");
}

TEST_F(ConfigTest, ObjectMasksAreUnitedCameraWideFirst) {
  Config c =
      parse(camera_yaml("    objects:\n      mask: 0,0,10,0,10,10\n      filters:\n"
                        "        person:\n          mask: [\"1,1,2,1,2,2\", \"3,3,4,3,4,4\"]\n"));
  const MaskSpec& m = c.cameras[0].filters.at("person").mask;
  ASSERT_EQ(m.polygons.size(), 3u);
  EXPECT_EQ(m.raw, (std::vector<std::string>{"0,0,10,0,10,10", "1,1,2,1,2,2", "3,3,4,3,4,4"}));
  json doc = json::parse(config_to_api_json(c));
  EXPECT_EQ(doc["cameras"]["back"]["objects"]["filters"]["person"]["mask"],
            json({"0,0,10,0,10,10", "1,1,2,1,2,2", "3,3,4,3,4,4"}));
  EXPECT_EQ(doc["cameras"]["back"]["objects"]["mask"], "0,0,10,0,10,10");
}

TEST_F(ConfigTest, PolygonsAsListsOfPoints) {
  Config c =
      parse(camera_yaml("    zones:\n      door:\n        coordinates: [\"0,0\", \"10, 0\", \"10,10\"]\n"
                        "    motion:\n      mask: [\"0,0\", \"5,0\", \"5,5\"]\n"));
  const CameraConfig& cam = c.cameras[0];
  EXPECT_EQ(cam.zones.at(0).coordinates.points.size(), 3u);
  EXPECT_EQ(cam.zones.at(0).coordinates.points[1], std::make_pair(10, 0));
  ASSERT_EQ(cam.motion.mask.polygons.size(), 1u);
  EXPECT_EQ(cam.motion.mask.polygons[0].points.size(), 3u);
  json doc = json::parse(config_to_api_json(c));
  EXPECT_EQ(doc["cameras"]["back"]["zones"]["door"]["coordinates"], json({"0,0", "10, 0", "10,10"}));
  EXPECT_EQ(first_error(camera_yaml("    zones:\n      door:\n        coordinates: [\"0,0\", \"1,1\"]\n")),
            "config error: cameras.back.zones.door.coordinates: expected at least 3 points, got 2");
}

// ---------------------------------------------------------------------------
// Names, inputs, roles, models

TEST_F(ConfigTest, NameRules) {
  EXPECT_EQ(first_error(replace(camera_yaml(), "  back:", "  \"back door\":")),
            "config error: cameras.back door: camera and zone names may only use letters, digits, \"_\" and \"-\"");
  for (const char* reserved : {"events", "stats", "config", "version", "detectors", "detection_fps", "service"})
    EXPECT_EQ(
        first_error(replace(camera_yaml(), "  back:", std::string("  ") + reserved + ":")),
        std::string("config error: cameras.") + reserved + ": \"" + reserved + "\" cannot be used as a camera name");
  EXPECT_EQ(
      first_error(camera_yaml("    zones: {\"a.b\": {coordinates: \"0,0,1,0,1,1\"}}\n")),
      "config error: cameras.back.zones.a.b: camera and zone names may only use letters, digits, \"_\" and \"-\"");
}

TEST_F(ConfigTest, InputRules) {
  std::string five = "cameras:\n  back:\n    width: 640\n    height: 360\n    ffmpeg:\n      inputs:\n";
  for (const char* role : {"detect", "clips", "record", "rtmp", ""})
    five += std::string("        - {path: rtsp://c/x, roles: [") + role + "]}\n";
  EXPECT_EQ(first_error(five), "config error: cameras.back.ffmpeg.inputs: must have 1 to 4 inputs, got 5");
  EXPECT_EQ(first_error(replace(camera_yaml(), "roles: [detect]", "roles: [detect, detect]")),
            "config error: cameras.back.ffmpeg.inputs: role \"detect\" is assigned to more than one input");
  EXPECT_EQ(first_error(replace(camera_yaml(), "          roles: [detect]\n", "")),
            "config error: cameras.back.ffmpeg.inputs[0].roles: required key is missing");
  EXPECT_EQ(first_error(replace(camera_yaml(), "roles: [detect]", "roles: detect")),
            "config error: cameras.back.ffmpeg.inputs[0].roles: expected a list of strings, got string \"detect\"");
}

TEST_F(ConfigTest, FfmpegArgumentsBecomeInputOptions) {
  Config c = parse(camera_yaml());
  const InputOptions& d = c.cameras[0].inputs[0].options;  // 0.8.4 defaults
  EXPECT_EQ(d.format_options.at("rtsp_transport"), "tcp");
  EXPECT_EQ(d.format_options.at("stimeout"), "5000000");
  EXPECT_EQ(d.format_options.at("fflags"), "+genpts+discardcorrupt");
  EXPECT_EQ(d.format_options.at("use_wallclock_as_timestamps"), "1");
  EXPECT_EQ(d.avoid_negative_ts, "make_zero");
  EXPECT_EQ(d.ffmpeg_loglevel, "warning");
  EXPECT_FALSE(d.realtime);
  EXPECT_FALSE(d.rate);

  Config h = parse(camera_yaml("",
                               "          hwaccel_args: -hwaccel qsv -qsv_device /dev/dri/renderD128 -c:v h264_qsv\n"
                               "          input_args: -f rtsp -fflags nobuffer -fflags +genpts -flags low_delay "
                               "-probesize 32 -vsync 0 -r 3\n"));
  const InputOptions& o = h.cameras[0].inputs[0].options;
  EXPECT_EQ(o.hwaccel, "qsv");
  EXPECT_EQ(o.hwaccel_device, "/dev/dri/renderD128");
  EXPECT_EQ(o.decoder_name, "h264_qsv");
  EXPECT_EQ(o.force_format, "rtsp");
  EXPECT_EQ(o.format_options.at("fflags"), "nobuffer+genpts");
  EXPECT_EQ(o.format_options.at("probesize"), "32");
  EXPECT_EQ(o.decoder_options.at("flags"), "low_delay");
  EXPECT_EQ(o.format_options.count("vsync"), 0u);
  ASSERT_TRUE(o.rate);
  EXPECT_DOUBLE_EQ(*o.rate, 3);

  std::vector<std::string> warnings;
  Config f = parse(camera_yaml("    fps: 5\n", "          input_args: -r 3\n"), &warnings);
  EXPECT_FALSE(f.cameras[0].inputs[0].options.rate);
  EXPECT_TRUE(has_line(warnings,
                       "config warning: cameras.back.ffmpeg.inputs[0].input_args: -r is ignored because "
                       "the camera sets fps"))
      << joined(warnings);
}

TEST_F(ConfigTest, BadFfmpegArgumentsAreErrors) {
  const std::string p = "config error: cameras.back.ffmpeg.inputs[0].input_args: ";
  EXPECT_EQ(first_error(camera_yaml("", "          input_args: tcp -rtsp_transport tcp\n")),
            p + "unexpected value \"tcp\" (every value must follow an option)");
  EXPECT_EQ(first_error(camera_yaml("", "          input_args: -rtsp_transport\n")),
            p + "option -rtsp_transport is missing its value");
  EXPECT_EQ(first_error(camera_yaml("", "          input_args: -i rtsp://x\n")),
            p + "-i is not allowed (the input is given by \"path\")");
  EXPECT_EQ(first_error(camera_yaml("", "          input_args: -stream_loop x\n")),
            p + "-stream_loop expects an integer, got \"x\"");
  EXPECT_EQ(first_error("ffmpeg: {global_args: -loglevel}\n" + camera_yaml()),
            "config error: ffmpeg.global_args: option -loglevel is missing its value");
}

TEST_F(ConfigTest, DetectorModels) {
  ModelDir models;
  Config c =
      parse("detectors:\n  a: {type: cpu, model: {path: " + models.path("yolox_nano.onnx") +
            ", kind: ssd, label_aliases: {}}}\n  b: {type: hog}\nmodel: {width: 300, height: 300}\n" + camera_yaml());
  ASSERT_EQ(c.detectors.size(), 2u);
  const DetectorConfig& a = c.detectors[0];
  EXPECT_EQ(a.effective_type(), "opencv");
  EXPECT_EQ(a.model->kind, "ssd");
  EXPECT_EQ(a.model->width, 300);
  EXPECT_TRUE(a.model->label_aliases.empty());
  EXPECT_DOUBLE_EQ(*a.model->scale, 1 / 127.5);
  EXPECT_EQ(*a.model->mean, std::vector<double>(3, 127.5));
  EXPECT_TRUE(*a.model->swap_rb);
  EXPECT_EQ(c.detectors[1].effective_type(), "hog");
  EXPECT_EQ(c.detectors[1].device, "cpu");

  EXPECT_EQ(first_error("detectors: {x: {type: opencv, model: {path: /nonexistent/m.onnx}}}\n" + camera_yaml()),
            "config error: detectors.x.model.path: file not found: /nonexistent/m.onnx");
  EXPECT_EQ(first_error("detectors: {x: {type: opencv}}\n" + camera_yaml()),
            "config error: detectors.x.model: required key is missing");
  EXPECT_EQ(first_error("detectors: {x: {type: opencv, model: {path: " + models.path("yolox_nano.onnx") +
                        ", labelmap: /nonexistent/l.txt}}}\n" + camera_yaml()),
            "config error: detectors.x.model.labelmap: file not found: /nonexistent/l.txt");
  EXPECT_EQ(first_error("detectors: {x: {type: opencv, model: {path: " + models.path("yolox_nano.onnx") +
                        ", kind: darknet}}}\n" + camera_yaml()),
            "config error: detectors.x.model.config: file not found: " + models.path("yolox_nano.cfg"));
}

// config/ alone (no model rules) reads and type-checks the model keys and looks at no
// file; resolving models is the detector registry's part, which vigil always adds.
TEST_F(ConfigTest, WithoutModelRulesModelsAreOnlyRead) {
  const std::string text = "detectors: {x: {type: opencv, model: {path: /nonexistent/m.onnx, kind: bogus}}}\n" +
                           camera_yaml("    objects: {track: [giraffe]}\n");
  std::vector<std::string> warnings;
  Config c = parse_config(text, false, &warnings);
  const ModelFileConfig& m = *c.detectors.at(0).model;
  EXPECT_EQ(m.kind, "bogus");
  EXPECT_EQ(m.width, 0);
  EXPECT_FALSE(m.scale.has_value());
  for (const std::string& w : warnings) EXPECT_EQ(w.find("giraffe"), std::string::npos) << w;
  EXPECT_EQ(first_error(text), "config error: detectors.x.model.kind: must be one of: yolox, darknet, ssd");
}

// --check-config and the detector resolve a model with the same code (detect/model_registry):
// a darknet cfg with comments and spaces around `=` gives its size, and darknet's VOC-era
// names (motorbike) answer for 0.8's (motorcycle) without a false warning.
TEST_F(ConfigTest, DarknetCfgWithCommentsAndSpacesAndItsLabelNames) {
  ModelDir dir;
  std::ofstream(dir.path("net.weights")) << "weights";
  std::ofstream(dir.path("net.cfg")) << "# Yolo-like\n[net]\n# width=999\nbatch = 1\n width = 352 # input\n"
                                        "height\t=\t288\n;height=1\n\n[convolutional]\nwidth=5\n";
  std::ofstream(dir.path("coco.names")) << "person\nbicycle\ncar\nmotorbike\n";
  std::vector<std::string> warnings;
  Config c = parse("detectors: {x: {type: opencv, model: {path: " + dir.path("net.weights") + "}}}\n" +
                       camera_yaml("    objects: {track: [person, motorcycle]}\n    rtmp: {enabled: false}\n"),
                   &warnings);
  const ModelFileConfig& m = *c.detectors.at(0).model;
  EXPECT_EQ(m.kind, "darknet");
  EXPECT_EQ(m.config, dir.path("net.cfg"));
  EXPECT_EQ(m.width, 352);
  EXPECT_EQ(m.height, 288);
  EXPECT_EQ(m.labelmap, dir.path("coco.names"));
  EXPECT_EQ(detect::model_labels(m).at(3), "motorcycle");
  EXPECT_TRUE(warnings.empty()) << joined(warnings);
  // Resolving a resolved model changes nothing (make_detector resolves again).
  ModelFileConfig again = m;
  EXPECT_TRUE(detect::resolve_model(again, 320, 320).empty());
  EXPECT_EQ(again.width, 352);
  EXPECT_EQ(again.config, m.config);

  // A label nobody reports still warns.
  warnings.clear();
  parse("detectors: {x: {type: opencv, model: {path: " + dir.path("net.weights") + "}}}\n" +
            camera_yaml("    objects: {track: [giraffe]}\n"),
        &warnings);
  EXPECT_TRUE(has_line(warnings,
                       "config warning: cameras.back.objects.track[0]: no detector reports \"giraffe\"; "
                       "objects of that label can never appear"))
      << joined(warnings);

  // A cfg without a size is an error naming the key, at check time.
  std::ofstream(dir.path("net.cfg")) << "[net]\n# width=416\n";
  EXPECT_EQ(
      first_error("detectors: {x: {type: opencv, model: {path: " + dir.path("net.weights") + "}}}\n" + camera_yaml()),
      "config error: detectors.x.model.width: no input size: set model.width and model.height (" + dir.path("net.cfg") +
          " has none)");
}

TEST(ConfigLabelmap, BothFileFormatsAndTheBuiltInList) {
  auto coco = load_labelmap("");
  ASSERT_EQ(coco.size(), 80u);
  EXPECT_EQ(coco.at(0), "person");
  EXPECT_EQ(coco.at(7), "truck");
  ModelDir dir;
  std::ofstream(dir.path("indexed.txt")) << "0 person\n2  car \n5 bus\n";
  std::ofstream(dir.path("plain.txt")) << " person\nbicycle\n";
  EXPECT_EQ(load_labelmap(dir.path("indexed.txt")),
            (std::map<int, std::string>{{0, "person"}, {2, "car"}, {5, "bus"}}));
  EXPECT_EQ(load_labelmap(dir.path("plain.txt")), (std::map<int, std::string>{{0, "person"}, {1, "bicycle"}}));
  EXPECT_TRUE(load_labelmap(dir.path("missing.txt")).empty());
}

// ---------------------------------------------------------------------------
// Warnings (§3)

TEST_F(ConfigTest, Warnings) {
  std::vector<std::string> w;
  parse(R"(clips: {tmpfs_cache_size: 1g}
objects: {track: [person, car], mask: "0,0,1,0,1,1"}
mqtt: {host: h, stats_interval: 0}
cameras:
  back:
    width: 640
    height: 360
    ffmpeg:
      output_args: {detect: -f rawvideo}
      inputs:
        - {path: rtsp://c/1, roles: [detect]}
        - {path: rtsp://c/2, roles: [clips]}
        - {path: rtsp://c/3, roles: []}
    snapshots: {required_zones: [nowhere]}
    clips: {pre_capture: -1}
    objects: {filters: {person: {min_area: 10, max_area: 5}}}
)",
        &w);
  for (const char* expected : {
           "config warning: clips.tmpfs_cache_size: ignored; vigil never mounts file systems",
           "config warning: objects.mask: ignored at the global level (masks are per camera)",
           "config warning: mqtt.stats_interval: must be at least 1; using 1",
           "config warning: cameras.back.ffmpeg.output_args: ignored by vigil",
           "config warning: cameras.back.ffmpeg.inputs[2].roles: no roles; the input is not opened",
           "config warning: cameras.back.snapshots.required_zones[0]: camera has no zone \"nowhere\"; no snapshot is "
           "ever written",
           "config warning: cameras.back.clips.pre_capture: must not be negative; using 0",
           "config warning: cameras.back.objects.filters.person: min_area is larger than max_area; no object can match",
           "config warning: cameras.back.clips: an input has the clips role but clips.enabled is false; the cache "
           "still runs so MQTT can turn clips on",
           "config warning: cameras.back.rtmp: rtmp.enabled is true but no input has the rtmp role; nothing is "
           "published",
           "config warning: objects.track[1]: no detector reports \"car\"; objects of that label can never appear",
           "config warning: detectors.coral: type edgetpu has no model; using the built-in HOG person detector "
           "(person only)",
       })
    EXPECT_TRUE(has_line(w, expected)) << expected << "\n--- got:\n" << joined(w);
}

// ---------------------------------------------------------------------------
// /api/config (http-api.md §2.3)

// Every key/value of `expected` is in `actual` with the same JSON type.
void expect_subset(const json& expected, const json& actual, const std::string& path = "") {
  if (expected.is_object()) {
    ASSERT_TRUE(actual.is_object()) << path;
    for (const auto& [k, v] : expected.items()) {
      ASSERT_TRUE(actual.contains(k)) << path << "." << k;
      expect_subset(v, actual.at(k), path + "." + k);
    }
  } else if (expected.is_array()) {
    ASSERT_TRUE(actual.is_array()) << path;
    ASSERT_EQ(expected.size(), actual.size()) << path;
    for (size_t i = 0; i < expected.size(); ++i)
      expect_subset(expected[i], actual[i], path + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_EQ(expected.type_name(), actual.type_name()) << path;
    EXPECT_EQ(expected.is_number_float(), actual.is_number_float()) << path << ": " << actual;
    EXPECT_EQ(expected, actual) << path;
  }
}

std::set<std::string> keys(const json& o) {
  std::set<std::string> k;
  for (const auto& [key, v] : o.items()) k.insert(key);
  return k;
}

TEST_F(ConfigTest, ApiConfigMatchesTheDocumentedExample) {
  // http-api.md §2.3 example for config.md §7.2 (abridged there: one ffmpeg_cmd shown,
  // the database path depends on media_dir).
  json expected = json::parse(R"({
  "cameras": {
    "garden": {
      "best_image_timeout": 60,
      "clips": {"enabled": true, "objects": null, "post_capture": 5, "pre_capture": 4,
                "required_zones": ["lawn"], "retain": {"default": 14, "objects": {"person": 30}}},
      "detect": {"enabled": true, "max_disappeared": 10},
      "fps": 5,
      "frame_shape": [720, 1280],
      "height": 720,
      "motion": {"contour_area": 100, "delta_alpha": 0.2, "frame_alpha": 0.2, "frame_height": 120,
                 "mask": "0,0,1280,0,1280,60,0,60", "threshold": 25},
      "mqtt": {"bounding_box": true, "crop": true, "enabled": true, "height": 270,
               "required_zones": [], "timestamp": true},
      "name": "garden",
      "objects": {"filters": {"car": {"mask": null, "max_area": 24000000, "min_area": 0, "min_score": 0.5, "threshold": 0.7},
                              "person": {"mask": null, "max_area": 24000000, "min_area": 0, "min_score": 0.55, "threshold": 0.7}},
                  "mask": null, "track": ["person", "car"]},
      "record": {"enabled": true, "retain_days": 7},
      "rtmp": {"enabled": false},
      "snapshots": {"bounding_box": true, "crop": false, "enabled": true, "height": null,
                    "required_zones": [], "timestamp": false},
      "width": 1280,
      "zones": {"lawn": {"coordinates": "0,720,1280,720,1280,400,0,420",
                         "filters": {"person": {"mask": null, "max_area": 24000000, "min_area": 4000, "min_score": 0.5, "threshold": 0.7}}}}
    }
  },
  "clips": {"max_seconds": 300, "retain": {"default": 14, "objects": {"person": 30}}, "tmpfs_cache_size": ""},
  "detectors": {"cpu1": {"device": "usb", "num_threads": 3, "type": "cpu"}},
  "environment_vars": {},
  "logger": {"default": "INFO", "logs": {}},
  "model": {"height": 320, "width": 320},
  "mqtt": {"client_id": "frigate", "host": "broker.lan", "port": 1883, "stats_interval": 60,
           "topic_prefix": "frigate", "user": "nvr"},
  "snapshots": {"retain": {"default": 10, "objects": {}}}
})");
  Config c = parse(kTwoStreams);
  const std::string text = config_to_api_json(c);
  json doc = json::parse(text);
  expect_subset(expected, doc);

  // The example shows the camera's snapshots.retain as the global *clips* retention;
  // config.md §5 (normative) says camera → global snapshots.retain → 10.
  EXPECT_EQ(doc["cameras"]["garden"]["snapshots"]["retain"], json::parse(R"({"default": 10, "objects": {}})"));

  const json& cmds = doc["cameras"]["garden"]["ffmpeg_cmds"];
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0]["cmd"],
            "ffmpeg -hide_banner -loglevel warning -avoid_negative_ts make_zero -fflags +genpts+discardcorrupt "
            "-rtsp_transport tcp -stimeout 5000000 -use_wallclock_as_timestamps 1 -i rtsp://10.0.0.5:554/stream2 -r 5 "
            "-f rawvideo -pix_fmt yuv420p pipe:");
  EXPECT_EQ(cmds[0]["roles"], json({"detect"}));
  const std::string m = c.media_dir;
  EXPECT_EQ(cmds[1]["cmd"],
            "ffmpeg -hide_banner -loglevel warning -avoid_negative_ts make_zero -fflags +genpts+discardcorrupt "
            "-rtsp_transport tcp -stimeout 5000000 -use_wallclock_as_timestamps 1 -i rtsp://10.0.0.5:554/stream1 "
            "-f segment -segment_time 60 -segment_format mp4 -reset_timestamps 1 -strftime 1 -c copy -an " +
                m +
                "/recordings/garden-%Y%m%d%H%M%S.mp4 "
                "-f segment -segment_time 10 -segment_format mp4 -reset_timestamps 1 -strftime 1 -c copy -an " +
                m + "/cache/garden-%Y%m%d%H%M%S.mp4");
  EXPECT_EQ(cmds[1]["roles"], json({"clips", "record"}));
  EXPECT_EQ(doc["database"]["path"], m + "/clips/frigate.db");
  EXPECT_EQ(text.find("mqttpw"), std::string::npos);  // never the password
}

TEST_F(ConfigTest, ApiConfigKeySetIsComplete) {
  json doc = json::parse(config_to_api_json(parse(kMinimal)));
  EXPECT_EQ(keys(doc), (std::set<std::string>{"api", "cameras", "clips", "database", "detectors", "environment_vars",
                                              "logger", "media_dir", "model", "mqtt", "snapshots", "storage"}));
  const json& cam = doc["cameras"]["driveway"];
  EXPECT_EQ(keys(cam), (std::set<std::string>{"best_image_timeout", "clips", "detect", "ffmpeg_cmds", "fps",
                                              "frame_shape", "height", "motion", "mqtt", "name", "objects", "record",
                                              "rtmp", "snapshots", "width", "zones"}));
  EXPECT_EQ(keys(cam["clips"]),
            (std::set<std::string>{"enabled", "objects", "post_capture", "pre_capture", "required_zones", "retain"}));
  EXPECT_EQ(keys(cam["snapshots"]), (std::set<std::string>{"bounding_box", "crop", "enabled", "height",
                                                           "required_zones", "retain", "timestamp"}));
  EXPECT_EQ(keys(cam["motion"]),
            (std::set<std::string>{"contour_area", "delta_alpha", "frame_alpha", "frame_height", "mask", "threshold"}));
  EXPECT_EQ(keys(doc["mqtt"]),
            (std::set<std::string>{"client_id", "host", "port", "stats_interval", "topic_prefix", "user"}));
  EXPECT_EQ(doc["api"], json::parse(R"({"host": "0.0.0.0", "port": 5000})"));
  EXPECT_EQ(doc["storage"], json::parse(R"({"min_free_mb": 1000})"));
  EXPECT_EQ(doc["detectors"], json::parse(R"({"coral": {"device": "usb", "num_threads": 3, "type": "edgetpu"}})"));
  EXPECT_TRUE(doc["mqtt"]["user"].is_null());
  EXPECT_EQ(cam["fps"], 5);
  EXPECT_EQ(cam["motion"]["frame_height"], 60);
}

TEST_F(ConfigTest, ApiConfigIsCompactSortedAndWritesFloatsWithAPoint) {
  Config c =
      parse("logger: {default: warning, logs: {camera.back: debug}}\nenvironment_vars: {FRIGATE_Z: \"\u00e9\"}\n" +
            camera_yaml("    motion: {delta_alpha: 1, threshold: 12.5}\n"));
  const std::string text = config_to_api_json(c);
  EXPECT_EQ(text.find(": "), std::string::npos);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_NE(text.find("\"delta_alpha\":1.0,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"threshold\":12.5}"), std::string::npos) << text;
  EXPECT_NE(text.find("\"FRIGATE_Z\":\"*****\""), std::string::npos) << text;  // values redacted
  EXPECT_NE(text.find("\"logger\":{\"default\":\"WARNING\",\"logs\":{\"camera.back\":\"DEBUG\"}}"), std::string::npos)
      << text;
  // keys sorted at every level: re-serialising with sorted keys changes nothing
  EXPECT_EQ(json::parse(text).dump(-1, ' ', true), text);
  auto ordered = nlohmann::ordered_json::parse(text);
  std::vector<std::string> top;
  for (const auto& [k, v] : ordered.items()) top.push_back(k);
  EXPECT_TRUE(std::is_sorted(top.begin(), top.end()));
}

TEST_F(ConfigTest, ApiConfigMqttOffAndRtmp) {
  Config c = parse(replace(camera_yaml(), "roles: [detect]", "roles: [detect, rtmp]"));
  json doc = json::parse(config_to_api_json(c));
  EXPECT_TRUE(doc["mqtt"]["host"].is_null());
  EXPECT_EQ(doc["mqtt"]["topic_prefix"], "frigate");
  EXPECT_EQ(doc["cameras"]["back"]["rtmp"]["enabled"], true);
  EXPECT_NE(doc["cameras"]["back"]["ffmpeg_cmds"][0]["cmd"].get<std::string>().find(
                "-c copy -f flv rtmp://127.0.0.1:1935/live/back -f rawvideo -pix_fmt yuv420p pipe:"),
            std::string::npos);
  Config off = parse(replace(camera_yaml("    rtmp: {enabled: false}\n"), "roles: [detect]", "roles: [detect, rtmp]"));
  EXPECT_FALSE(off.cameras[0].rtmp_active());
  EXPECT_EQ(json::parse(config_to_api_json(off))["cameras"]["back"]["rtmp"]["enabled"], false);
}

TEST_F(ConfigTest, ApiConfigMasksCredentials) {
  Config c = parse(kMinimal);
  const std::string text = config_to_api_json(c);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  json doc = json::parse(text);
  EXPECT_NE(doc["cameras"]["driveway"]["ffmpeg_cmds"][0]["cmd"].get<std::string>().find(
                "-i rtsp://nvr:*****@192.168.1.31:554/sub -r 5"),
            std::string::npos);
}

TEST(ConfigMaskCredentials, UrlPasswordsAndQueryParameters) {
  EXPECT_EQ(mask_credentials("rtsp://admin:pa55@10.0.0.1:554/x"), "rtsp://admin:*****@10.0.0.1:554/x");
  EXPECT_EQ(mask_credentials("rtsp://admin@10.0.0.1/x"), "rtsp://admin@10.0.0.1/x");
  EXPECT_EQ(mask_credentials("rtsp://10.0.0.1/x"), "rtsp://10.0.0.1/x");
  EXPECT_EQ(mask_credentials("rtsp://u:p@ss@host/x"), "rtsp://u:*****@host/x");
  EXPECT_EQ(mask_credentials("http://cam/snap.cgi?user=admin&PWD=abc&x=1"),
            "http://cam/snap.cgi?user=admin&PWD=*****&x=1");
  EXPECT_EQ(mask_credentials("http://cam/a?Password=1&passwd=2&pass=3&passport=4"),
            "http://cam/a?Password=*****&passwd=*****&pass=*****&passport=4");
  EXPECT_EQ(mask_credentials("ffmpeg -i rtsp://a:b@h/1 -i http://c:d@h/2"),
            "ffmpeg -i rtsp://a:*****@h/1 -i http://c:*****@h/2");
  EXPECT_EQ(mask_credentials("/media/file.mp4"), "/media/file.mp4");
}

TEST(ConfigErrorType, CarriesAllLines) {
  ConfigError e({"config error: a: x", "config error: b: y"});
  EXPECT_EQ(e.lines.size(), 2u);
  EXPECT_STREQ(e.what(), "config error: a: x\nconfig error: b: y");
}

}  // namespace
}  // namespace vigil
