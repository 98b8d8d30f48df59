// The effective configuration: a Frigate 0.8 config file after validation, defaults
// and merging of global sections into cameras (../shared/spec/config.md §4–§5).
// Every value here is final: stages read it and never look at the raw file.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/redact.h"

namespace vigil {

// One polygon in frame pixels.
struct Polygon {
  std::vector<std::pair<int, int>> points;  // >= 3 points
};

// "polygons" as the user wrote them: `raw` is kept so /api/config can show the mask
// exactly as written (a string or a list of strings); `polygons` is what is used.
struct MaskSpec {
  std::vector<Polygon> polygons;  // empty = no mask
  std::vector<std::string> raw;   // one string per polygon, as written
  bool raw_was_list = false;      // true when written as a YAML list
};

struct ObjectFilter {
  int min_area = 0;
  int max_area = 24000000;
  double min_score = 0.5;
  double threshold = 0.7;
  MaskSpec mask;  // label mask ∪ camera objects.mask (camera-wide polygons first)
};

struct ZoneConfig {
  std::string name;
  Polygon coordinates;
  std::string coordinates_raw;                  // as written (string form; list joined is kept in raw_list)
  std::vector<std::string> coordinates_list;    // non-empty when written as a list of "x,y"
  std::map<std::string, ObjectFilter> filters;  // only labels listed under the zone
};

// Options mapped from global_args + hwaccel_args + input_args (config.md §6).
struct InputOptions {
  std::map<std::string, std::string> format_options;   // passed to avformat_open_input
  std::map<std::string, std::string> decoder_options;  // passed to avcodec_open2
  std::string force_format;                            // -f
  std::string decoder_name;                            // -c:v / -codec:v / -vcodec
  std::string hwaccel;                                 // -hwaccel value ("" = software)
  std::string hwaccel_device;                          // -hwaccel_device / -qsv_device
  std::string ffmpeg_loglevel = "warning";             // from global_args -loglevel
  bool realtime = false;                               // -re
  int stream_loop = 0;                                 // -stream_loop N (-1 = forever)
  std::optional<double> rate;                          // -r N
  std::string avoid_negative_ts;                       // applied to segment muxers
};

struct InputConfig {
  std::string path;                                                // after env substitution (may contain credentials)
  std::vector<std::string> roles;                                  // subset of detect, clips, record, rtmp (as written)
  std::vector<std::string> global_args, hwaccel_args, input_args;  // resolved lists
  InputOptions options;                                            // parsed from the three lists above
  bool has_role(const std::string& r) const;
};

struct MotionConfig {
  double threshold = 25;
  int contour_area = 100;
  double delta_alpha = 0.2;
  double frame_alpha = 0.2;
  int frame_height = 0;     // resolved: camera height // 6 when unset
  MaskSpec mask;            // camera only
  int mqtt_off_delay = 30;  // 0.14: s without motion before MQTT `<cam>/motion` OFF
};

// 0.14's `review` section (ha-current.md §3.2 review_status): which active objects make a
// camera's review status ALERT or DETECTION. Global, overridable per camera.
struct ReviewLevelConfig {
  std::optional<std::vector<std::string>> labels;  // nullopt: alerts person+car, detections every tracked label
  std::vector<std::string> required_zones;         // empty: anywhere
  double cutoff_time = 0;  // s without activity that end a review segment (0.17; set per level below)
};
struct ReviewConfig {
  ReviewLevelConfig alerts{std::nullopt, {}, 40}, detections{std::nullopt, {}, 30};  // 0.17's cutoffs
};

struct RetainConfig {
  int default_days = 10;
  std::map<std::string, int> objects;
};

struct CameraClipsConfig {
  bool enabled = false;
  int pre_capture = 5;
  int post_capture = 5;
  std::optional<std::vector<std::string>> objects;  // nullopt = every tracked label
  std::vector<std::string> required_zones;
  RetainConfig retain;
};

struct CameraSnapshotsConfig {
  bool enabled = false;
  bool timestamp = false;
  bool bounding_box = false;
  bool crop = false;
  std::optional<int> height;
  std::vector<std::string> required_zones;
  RetainConfig retain;
};

struct CameraMqttConfig {
  bool enabled = true;
  bool timestamp = true;
  bool bounding_box = true;
  bool crop = true;
  int height = 270;
  std::vector<std::string> required_zones;
};

struct CameraConfig {
  std::string name;
  std::vector<InputConfig> inputs;                              // 1–4; exactly one has "detect"
  std::map<std::string, std::vector<std::string>> output_args;  // accepted, no effect
  int width = 0;
  int height = 0;
  std::optional<int> fps;
  int best_image_timeout = 60;
  std::vector<ZoneConfig> zones;  // in config order (colours follow it)
  CameraClipsConfig clips;
  bool record_enabled = false;
  int record_retain_days = 30;
  double record_max_mb = 0;  // vigil-only byte budget of its recordings (MB = 10^6 bytes); 0 = none
  bool rtmp_enabled = true;  // as written; see rtmp_active()
  CameraSnapshotsConfig snapshots;
  CameraMqttConfig mqtt;
  std::vector<std::string> track = {"person"};
  MaskSpec objects_mask;                        // camera-wide object mask (0.8.x), as written
  std::map<std::string, ObjectFilter> filters;  // one per tracked label
  MotionConfig motion;
  ReviewConfig review;
  bool detect_enabled = true;
  int max_disappeared = 10;
  // vigil-only `detect.coast_frames`: frames in a row a confirmed moving object whose
  // motion is explained may go without a detection, carried on its prediction
  // (tracking/coasting.h). 0 (default) = every tracked object is looked at every frame,
  // as 0.8: coasting costs recall (docs/detection.md), so it is the user's choice.
  int coast_frames = 0;

  const InputConfig& detect_input() const;
  // rtmp restream really configured: an input has the rtmp role and rtmp.enabled.
  bool rtmp_active() const;
};

struct ModelFileConfig {
  std::string path;           // weights; empty = none
  std::string kind;           // yolox | darknet | ssd (resolved)
  std::string config;         // second file (darknet .cfg, …)
  int width = 0, height = 0;  // 0 = resolved by the detector (darknet: from the cfg)
  std::string labelmap;       // empty = built-in COCO list
  std::map<std::string, std::string> label_aliases = {{"truck", "car"}};
  std::optional<double> scale;
  std::optional<std::vector<double>> mean;
  std::optional<bool> swap_rb;
};

// OpenCV's HOG people detector (`type: hog`, config.md §4.5): its input size when
// model.width/height are absent. HOG has no model file, so it is no model kind.
constexpr int kHogInputSize = 400;

struct DetectorConfig {
  std::string name;
  std::string type = "edgetpu";  // as written: edgetpu | cpu | opencv | hog
  std::string device = "usb";
  int num_threads = 3;
  int workers = 0;  // vigil-only: threads with a network each; 0 = one per core
  std::optional<ModelFileConfig> model;
  // What actually runs: "opencv" (model given) or "hog".
  std::string effective_type() const;
};

struct MqttConfig {
  bool enabled = false;  // false when the config has no mqtt section
  std::string host;
  int port = 1883;
  std::string topic_prefix = "frigate";
  std::string client_id = "frigate";
  std::optional<std::string> user;
  std::optional<std::string> password;
  int stats_interval = 60;
};

// vigil-only: the RTSP restream server (rtsp://<host>:<port>/<camera>, what Home
// Assistant's current integration plays live view from; README "Configuration").
struct RtspRestreamConfig {
  bool enabled = false;
  std::string host;  // resolved: api.host when not written
  int port = 8554;
};

// One HTTP listener and the API profile it serves: "0.8" (http-api.md) or "0.14"
// (ha-current.md).
struct ApiListener {
  std::string host;
  int port = 5000;
  std::string profile = "0.8";
};

// vigil-only `auth` (docs/auth.md): an extra listener serving the 0.14 profile behind a
// login, with TLS when a certificate and key are given. Off by default.
struct AuthConfig {
  bool enabled = false;
  std::string host;      // api.host unless written
  int port = 8971;       // distinct from every api.listeners port
  std::string tls_cert;  // PEM file; "" (with tls_key "") = plain HTTP
  std::string tls_key;   // PEM file
};

struct Config {
  MqttConfig mqtt;
  std::string database_path;  // resolved: <media>/clips/frigate.db when unset
  int model_width = 320, model_height = 320;
  std::vector<DetectorConfig> detectors;  // in config order
  std::string logger_default = "info";
  std::map<std::string, std::string> logger_logs;  // logger name → level (lower case)
  std::map<std::string, std::string> environment_vars;
  int clips_max_seconds = 300;
  std::string clips_tmpfs_cache_size;  // "" when unset
  RetainConfig clips_retain;           // global
  RetainConfig snapshots_retain;       // global
  int record_retain_days = 30;         // global (applies to cameras no longer configured)
  double record_max_mb = 0;            // global byte budget (cameras start from it); 0 = none
  std::vector<CameraConfig> cameras;   // in config order
  std::string media_dir;               // absolute
  std::string api_host = "0.0.0.0";
  int api_port = 5000;
  // The HTTP listeners (vigil-only `api.listeners`), in config order, ports distinct;
  // without that key one 0.8 listener on api_host:api_port.
  std::vector<ApiListener> api_listeners;
  int storage_min_free_mb = 1000;
  // vigil-only `storage.tiers`: archive folders after media_dir (tier 0, where everything
  // is written), in order; recording segments older than `move_after_hours` on tier i
  // move to tier i+1 (docs/storage.md "Tiers").
  struct StorageTier {
    std::string path;             // absolute, no trailing '/'
    double move_after_hours = 0;  // age at which a segment leaves the tier before this one
  };
  std::vector<StorageTier> storage_tiers;
  std::string rtmp_url = "rtmp://127.0.0.1:1935/live";
  RtspRestreamConfig rtsp_restream;
  AuthConfig auth;

  const CameraConfig* camera(const std::string& name) const;
};

// Thrown by load_config with every problem found, one "config error: …" line each.
struct ConfigError : std::runtime_error {
  std::vector<std::string> lines;
  explicit ConfigError(std::vector<std::string> l);
};

// A problem that makes a detector's model unusable; `key` is relative to its `model` section.
struct ModelProblem {
  std::string key, message;
};

// What validating a config needs to know about models, which the detectors' layer owns
// (detect/model_registry: model_rules()). The loader asks it where it reads each detector
// and where it checks `track` lists, so every message keeps its key and its place.
struct ModelRules {
  std::vector<std::string> kinds;  // the values of model.kind, in the order errors list them
  // Fills in every default of config.md §4.5 in a model (kind, companion file, input size,
  // label file, pre-processing) and checks its files; `global_w/h` are model.width/height.
  std::vector<ModelProblem> (*resolve)(ModelFileConfig& m, int global_w, int global_h);
  // Class id → the label a resolved model reports; empty when the label file is unreadable.
  std::map<int, std::string> (*labels)(const ModelFileConfig& m);
};

// Reads, validates and resolves a config file (YAML, or JSON for *.json).
// `warnings` receives "config warning: …" lines. Throws ConfigError.
// Without `models`, model keys are only read and type-checked: model.kind is not checked,
// no default is filled in and no file is looked at, and `track` lists are checked only
// when every detector is HOG. vigil itself (start-up and --check-config) loads with
// load_checked_config() (detect/checked_config.h), which passes the registry's rules.
Config load_config(const std::string& path, std::vector<std::string>* warnings = nullptr,
                   const ModelRules* models = nullptr);
// Same from text; `is_json` picks the parser.
Config parse_config(const std::string& text, bool is_json, std::vector<std::string>* warnings = nullptr,
                    const ModelRules* models = nullptr);

// The /api/config document (http-api.md §2.3): effective values, credentials masked.
// Returned as compact JSON text with sorted keys (no trailing newline).
std::string config_to_api_json(const Config& cfg);

// Class index → label, read from a label file in the format of config.md §4.5
// (`<index> <label>` lines, or one label per line), or vigil's built-in 80-class COCO
// list when `path` is empty. Empty map when the file cannot be read.
std::map<int, std::string> load_labelmap(const std::string& path);

// A `required_zones` rule (clips, snapshots, mqtt): met when the list is empty or the
// object entered at least one of its zones.
inline bool required_zones_met(const std::vector<std::string>& required, const std::vector<std::string>& entered) {
  if (required.empty()) return true;
  for (const auto& z : required)
    for (const auto& e : entered)
      if (z == e) return true;
  return false;
}

}  // namespace vigil
