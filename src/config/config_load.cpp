// Reading, validating and resolving a config file (config.md §1–§6).
//
// The file is parsed into a cfg::Node tree (config_node.cpp), then read section by
// section with MapReader, which type-checks every value and reports keys nobody asked
// for as unknown. Values that cameras inherit (§5) are first read into the *In structs
// (all optional), then resolved camera → global → default.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "config/config.h"
#include "config/config_args.h"
#include "config/config_limits.h"
#include "config/config_reader.h"
#include "util/printable.h"

namespace vigil {

namespace fs = std::filesystem;

namespace cfg {
namespace {

const StrList kRoles = {"detect", "clips", "record", "rtmp"};
const StrList kDetectorTypes = {"edgetpu", "cpu", "opencv", "hog"};
const StrList kLogLevels = {"debug", "info", "warning", "error", "critical"};
const StrList kReservedCameraNames = {"events", "stats", "config", "version", "detectors", "detection_fps", "service"};

// 0.8.4 defaults of the ffmpeg argument lists (§4.10).
const char* kDefaultGlobalArgs = "-hide_banner -loglevel warning";
const char* kDefaultInputArgs =
    "-avoid_negative_ts make_zero -fflags +genpts+discardcorrupt -rtsp_transport tcp -stimeout 5000000 "
    "-use_wallclock_as_timestamps 1";
const std::map<std::string, std::string> kDefaultOutputArgs = {
    {"detect", "-f rawvideo -pix_fmt yuv420p"},
    {"record", "-f segment -segment_time 60 -segment_format mp4 -reset_timestamps 1 -strftime 1 -c copy -an"},
    {"clips", "-f segment -segment_time 10 -segment_format mp4 -reset_timestamps 1 -strftime 1 -c copy -an"},
    {"rtmp", "-c copy -f flv"},
};

// ---------------------------------------------------------------------------
// Settings a camera inherits from the global sections (§5): all optional here.

struct FilterIn {
  std::optional<int> min_area, max_area;
  std::optional<double> min_score, threshold;
  std::optional<MaskSpec> mask;
};

struct ObjectsIn {
  std::optional<StrList> track;
  std::string track_path;
  std::optional<MaskSpec> mask;
  std::map<std::string, FilterIn> filters;
};

struct MotionIn {
  std::optional<double> threshold, delta_alpha, frame_alpha;
  std::optional<int> contour_area, frame_height, mqtt_off_delay;
  std::string frame_height_path;
  std::optional<MaskSpec> mask;
};

struct RetainIn {
  std::optional<int> default_days;
  std::optional<IntMap> objects;
};

struct ArgsIn {
  std::optional<Args> global_args, hwaccel_args, input_args;
};

struct OutputArgsIn {
  bool present = false;
  std::map<std::string, std::optional<Args>> roles;
};

struct Globals {
  RetainIn clips_retain, snapshots_retain;
  std::optional<bool> record_enabled;
  std::optional<int> record_retain_days;
  std::optional<double> record_max_mb;
  ArgsIn args;
  OutputArgsIn output_args;
  ObjectsIn objects;
  MotionIn motion;
  std::optional<int> max_disappeared;
  std::optional<int> coast_frames;
  ReviewConfig review;  // 0.14 `review` (cameras start from it)
};

// Zone filters allow only min_area, max_area, threshold (§4.20).
void read_filters(MapReader& parent, std::map<std::string, FilterIn>& out, bool zone) {
  MapReader filters = parent.section("filters");
  for (const auto& [label, node] : filters.entries()) {
    MapReader m(parent.diag(), node, filters.path_of(label));
    FilterIn& f = out[label];
    m.get("min_area", f.min_area, at_least(0));
    m.get("max_area", f.max_area, at_least(0));
    if (!zone) m.get("min_score", f.min_score, between(0, 1));
    m.get("threshold", f.threshold, between(0, 1));
    if (!zone) m.get("mask", f.mask);
  }
}

void read_objects(MapReader& parent, ObjectsIn& o) {
  MapReader m = parent.section("objects");
  m.get("track", o.track);
  o.track_path = m.path_of("track");
  m.get("mask", o.mask);
  read_filters(m, o.filters, false);
}

void read_motion(MapReader& parent, MotionIn& mo) {
  MapReader m = parent.section("motion");
  m.get("threshold", mo.threshold, between(1, 255));
  m.get("contour_area", mo.contour_area, at_least(0));
  m.get("delta_alpha", mo.delta_alpha, above_zero_at_most_one());
  m.get("frame_alpha", mo.frame_alpha, above_zero_at_most_one());
  m.get("frame_height", mo.frame_height);
  m.get("mqtt_off_delay", mo.mqtt_off_delay, at_least(0));
  mo.frame_height_path = m.path_of("frame_height");
  m.get("mask", mo.mask);
}

// 0.14 `review.{alerts,detections}.{labels,required_zones}`; keys written override `r`.
void read_review(MapReader& parent, ReviewConfig& r) {
  MapReader m = parent.section("review");
  for (auto [key, level] : {std::pair{"alerts", &r.alerts}, std::pair{"detections", &r.detections}}) {
    MapReader l = m.section(key);
    StrList labels;
    if (l.get("labels", labels)) level->labels = labels;
    l.get("required_zones", level->required_zones);
    l.get("cutoff_time", level->cutoff_time, at_least(0.0));
  }
}

void read_retain(MapReader& parent, RetainIn& r) {
  MapReader m = parent.section("retain");
  m.get("default", r.default_days, at_least(0));
  if (!m.get("objects", r.objects)) return;
  for (auto it = r.objects->begin(); it != r.objects->end();) {
    if (it->second >= 0) {
      ++it;
      continue;
    }
    m.diag().error(join_path(m.path_of("objects"), it->first), "must be at least 0");
    it = r.objects->erase(it);
  }
}

void read_args(MapReader& m, ArgsIn& a) {
  m.get("global_args", a.global_args);
  m.get("hwaccel_args", a.hwaccel_args);
  m.get("input_args", a.input_args);
}

void read_output_args(MapReader& parent, OutputArgsIn& out) {
  out.present = parent.has("output_args");
  MapReader m = parent.section("output_args");
  for (const auto& role : kRoles) m.get(role, out.roles[role]);
}

RetainConfig resolve_retain(const RetainIn& own, const RetainIn& global) {
  RetainConfig r;
  r.default_days = own.default_days.value_or(global.default_days.value_or(10));
  r.objects = own.objects ? *own.objects : global.objects.value_or(IntMap{});
  return r;
}

// ---------------------------------------------------------------------------
// Names, environment substitution

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// [A-Za-z0-9_-]+ (no std::regex anywhere here: its executor recurses per character).
bool is_name(const std::string& s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_name_char); }

// (FRIGATE_|VIGIL_)[A-Za-z0-9_]*
bool is_substitutable(const std::string& s) {
  size_t prefix = s.rfind("FRIGATE_", 0) == 0 ? 8 : s.rfind("VIGIL_", 0) == 0 ? 6 : 0;
  if (prefix == 0) return false;
  return std::all_of(s.begin() + prefix, s.end(), [](char c) { return c != '-' && is_name_char(c); });
}

void check_name(Diagnostics& d, const std::string& path, const std::string& name, bool camera) {
  if (!is_name(name))
    d.error(path, "camera and zone names may only use letters, digits, \"_\" and \"-\"");
  else if (camera && contains(kReservedCameraNames, name))
    d.error(path, "\"" + name + "\" cannot be used as a camera name");
}

// Python str.format with the environment, limited to FRIGATE_*/VIGIL_* (§2).
// Returns "" with the result in `out`, or the reason it failed.
std::string substitute_env(const std::string& in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    const bool doubled = i + 1 < in.size() && in[i + 1] == c;
    if (c == '{' && !doubled) {
      size_t close = in.find('}', i + 1);
      if (close == std::string::npos) return "unmatched \"{\" (write \"{{\" for a literal brace)";
      std::string name = in.substr(i + 1, close - i - 1);
      if (!is_substitutable(name))
        return "\"{" + printable(shorten(name)) +
               "}\" is not a FRIGATE_* or VIGIL_* environment variable (write \"{{\" and \"}}\" for literal braces)";
      const char* value = std::getenv(name.c_str());
      if (!value) return "environment variable " + shorten(name) + " is not set";
      out += value;
      i = close;
    } else if (c == '}' && !doubled) {
      return "unmatched \"}\" (write \"}}\" for a literal brace)";
    } else {
      out += c;
      if (c == '{' || c == '}') ++i;  // "{{" → "{", "}}" → "}"
    }
  }
  return "";
}

void substitute(Diagnostics& d, const std::string& path, std::string& value) {
  std::string out;
  std::string why = substitute_env(value, out);
  if (why.empty())
    value = out;
  else
    d.error(path, why);
}

// ---------------------------------------------------------------------------
// Top-level sections

class Loader {
 public:
  Loader(Diagnostics& d, Config& cfg, const ModelRules* models) : d_(d), cfg_(cfg), models_(models) {}

  void load(const Node& root) {
    MapReader top(d_, &root, "");
    read_mqtt(top);
    read_database(top);
    read_model(top);
    read_detectors(top);
    read_logger(top);
    read_environment_vars(top);
    read_clips(top);
    read_snapshots(top);
    read_record(top);
    read_global_ffmpeg(top);
    read_global_objects(top);
    read_global_motion(top);
    read_review(top, g_.review);
    read_global_detect(top);
    read_cameras(top);
    read_vigil_keys(top);
    check_logger_names();
    check_tracked_labels();
    substitute_all();
  }

 private:
  void read_mqtt(MapReader& top) {
    const Node* n = top.take("mqtt");
    if (!n) return;  // vigil: no section, no MQTT
    MqttConfig& q = cfg_.mqtt;
    q.enabled = true;
    MapReader m(d_, n, "mqtt");
    m.need("host", q.host);
    m.get("port", q.port, between(1, 65535));
    m.get("topic_prefix", q.topic_prefix);
    m.get("client_id", q.client_id);
    m.get("user", q.user);
    m.get("password", q.password);
    if (m.get("stats_interval", q.stats_interval) && q.stats_interval < 1) {
      d_.warn(m.path_of("stats_interval"), "must be at least 1; using 1");
      q.stats_interval = 1;
    }
  }

  void read_database(MapReader& top) {
    MapReader m = top.section("database");
    m.get("path", db_path_);
  }

  void read_model(MapReader& top) {
    const Node* n = top.take("model");
    if (!n) return;
    MapReader m(d_, n, "model");
    m.need("width", cfg_.model_width, in_range(1, kMaxModelSide));
    m.need("height", cfg_.model_height, in_range(1, kMaxModelSide));
  }

  // --- detectors (§4.5)

  struct ModelIn {
    bool present = false;
    std::optional<std::string> path, kind, config, labelmap;
    std::optional<int> width, height;
    std::optional<StrMap> label_aliases;
    std::optional<double> scale;
    std::optional<std::vector<double>> mean;
    std::optional<bool> swap_rb;
  };

  void read_detectors(MapReader& top) {
    MapReader m = top.section("detectors");
    for (const auto& [name, node] : m.entries()) {
      DetectorConfig det;
      det.name = name;
      const std::string path = m.path_of(name);
      MapReader dm(d_, node, path);
      dm.get("type", det.type, one_of(kDetectorTypes));
      det.device = det.type == "opencv" || det.type == "hog" ? "cpu" : "usb";
      dm.get("device", det.device);
      dm.get("num_threads", det.num_threads, at_least(1));
      dm.get("workers", det.workers, at_least(1));
      ModelIn model;
      read_model_file(dm, model);
      resolve_detector(path, model, det);
      cfg_.detectors.push_back(det);
    }
    if (cfg_.detectors.empty()) {  // the 0.8 default: a Coral named "coral"
      DetectorConfig det;
      det.name = "coral";
      resolve_detector("detectors.coral", ModelIn{}, det);
      cfg_.detectors.push_back(det);
    }
  }

  void read_model_file(MapReader& detector, ModelIn& in) {
    in.present = detector.take("model") != nullptr;
    MapReader m = detector.section("model");
    m.get("path", in.path);
    if (models_)
      m.get("kind", in.kind, one_of(models_->kinds));
    else
      m.get("kind", in.kind);
    m.get("config", in.config);
    m.get("width", in.width, in_range(1, kMaxModelSide));
    m.get("height", in.height, in_range(1, kMaxModelSide));
    m.get("labelmap", in.labelmap);
    m.get("label_aliases", in.label_aliases);
    m.get("scale", in.scale, above_zero());
    m.get("mean", in.mean, [](const std::vector<double>& v) {
      return v.size() == 3 ? std::string() : std::string("expected 3 numbers");
    });
    m.get("swap_rb", in.swap_rb);
  }

  void resolve_detector(const std::string& path, const ModelIn& in, DetectorConfig& det) {
    const std::string mpath = join_path(path, "model");
    if (det.type == "edgetpu") d_.warn(path, "EdgeTPU is not supported; the detector runs on the CPU");
    if (det.type == "opencv" && !in.path) {
      d_.error(in.present ? join_path(mpath, "path") : mpath, "required key is missing");
      return;
    }
    if (det.type == "hog" || !in.path) {
      if (det.type != "hog")
        d_.warn(path, "type " + det.type + " has no model; using the built-in HOG person detector (person only)");
      if (in.present) {
        ModelFileConfig m;
        m.width = in.width.value_or(kHogInputSize);
        m.height = in.height.value_or(kHogInputSize);
        det.model = m;
        for (const char* key : {"path", "kind", "config", "labelmap", "label_aliases", "scale", "mean", "swap_rb"})
          if (model_key_set(in, key)) d_.warn(join_path(mpath, key), "ignored by the HOG detector");
      }
      return;
    }
    det.model = resolve_model_file(mpath, in);
  }

  static bool model_key_set(const ModelIn& in, const std::string& key) {
    if (key == "path") return in.path.has_value();
    if (key == "kind") return in.kind.has_value();
    if (key == "config") return in.config.has_value();
    if (key == "labelmap") return in.labelmap.has_value();
    if (key == "label_aliases") return in.label_aliases.has_value();
    if (key == "scale") return in.scale.has_value();
    if (key == "mean") return in.mean.has_value();
    return in.swap_rb.has_value();
  }

  ModelFileConfig resolve_model_file(const std::string& mpath, const ModelIn& in) {
    ModelFileConfig m;
    m.path = *in.path;
    m.kind = in.kind.value_or("");
    m.config = in.config.value_or("");
    m.width = in.width.value_or(0);
    m.height = in.height.value_or(0);
    m.labelmap = in.labelmap.value_or("");
    if (in.label_aliases) m.label_aliases = *in.label_aliases;
    m.scale = in.scale;
    m.mean = in.mean;
    m.swap_rb = in.swap_rb;
    if (models_)
      for (const ModelProblem& p : models_->resolve(m, cfg_.model_width, cfg_.model_height))
        d_.error(join_path(mpath, p.key), p.message);
    return m;
  }

  // --- logger, environment_vars, clips, snapshots, record

  void read_logger(MapReader& top) {
    MapReader m = top.section("logger");
    m.get("default", cfg_.logger_default, one_of(kLogLevels));
    MapReader logs = m.section("logs");
    for (const auto& [name, node] : logs.entries()) {
      std::string level;
      if (read_checked(d_, *node, logs.path_of(name), level, one_of(kLogLevels))) cfg_.logger_logs[name] = level;
    }
    logs_path_ = logs.path();
  }

  // Applied to the process environment before substitution (vigil, §2). Capped: glibc's
  // setenv scans the whole environment each time, so 200 000 entries took minutes.
  void read_environment_vars(MapReader& top) {
    StrMap vars;
    if (!top.get("environment_vars", vars)) return;
    if (vars.size() > kMaxEnvironmentVars) {
      d_.error("environment_vars", "more than " + std::to_string(kMaxEnvironmentVars) + " entries (" +
                                       std::to_string(vars.size()) + "; the limit for a config file)");
      return;
    }
    bool ok = true;
    for (const auto& [k, v] : vars) {
      if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos) {
        d_.error(join_path("environment_vars", k), "a variable name must not be empty nor contain \"=\"");
        ok = false;
      }
    }
    if (!ok) return;
    cfg_.environment_vars = std::move(vars);
    for (const auto& [k, v] : cfg_.environment_vars) setenv(k.c_str(), v.c_str(), 1);
  }

  void read_clips(MapReader& top) {
    MapReader m = top.section("clips");
    m.get("max_seconds", cfg_.clips_max_seconds, at_least(1));
    if (m.get("tmpfs_cache_size", cfg_.clips_tmpfs_cache_size))
      d_.warn(m.path_of("tmpfs_cache_size"), "ignored; vigil never mounts file systems");
    read_retain(m, g_.clips_retain);
    cfg_.clips_retain = resolve_retain({}, g_.clips_retain);
  }

  void read_snapshots(MapReader& top) {
    MapReader m = top.section("snapshots");
    read_retain(m, g_.snapshots_retain);
    cfg_.snapshots_retain = resolve_retain({}, g_.snapshots_retain);
  }

  void read_record(MapReader& top) {
    MapReader m = top.section("record");
    m.get("enabled", g_.record_enabled);
    m.get("retain_days", g_.record_retain_days, at_least(0));
    cfg_.record_retain_days = g_.record_retain_days.value_or(30);
    m.get("max_mb", g_.record_max_mb, between(0, kMaxRecordMb));
    cfg_.record_max_mb = g_.record_max_mb.value_or(0);
  }

  // --- global defaults for cameras

  void read_global_ffmpeg(MapReader& top) {
    MapReader m = top.section("ffmpeg");
    read_args(m, g_.args);
    read_output_args(m, g_.output_args);
  }

  void read_global_objects(MapReader& top) {
    read_objects(top, g_.objects);
    // Masks are in one camera's pixels, so 0.8 ignored them globally too.
    if (g_.objects.mask) d_.warn("objects.mask", "ignored at the global level (masks are per camera)");
    for (const auto& [label, f] : g_.objects.filters)
      if (f.mask) d_.warn("objects.filters." + label + ".mask", "ignored at the global level (masks are per camera)");
  }

  void read_global_motion(MapReader& top) {
    read_motion(top, g_.motion);
    if (g_.motion.mask) d_.warn("motion.mask", "ignored at the global level (masks are per camera)");
  }

  void read_global_detect(MapReader& top) {
    MapReader m = top.section("detect");
    m.get("max_disappeared", g_.max_disappeared, at_least(0));
    m.get("coast_frames", g_.coast_frames, at_least(0));
  }

  // --- cameras (§4.18–4.27)

  void read_cameras(MapReader& top) {
    MapReader m = top.section("cameras");
    auto entries = m.entries();
    for (const auto& [name, node] : entries) camera_names_.insert(name);
    for (const auto& [name, node] : entries) cfg_.cameras.push_back(read_camera(name, node, m.path_of(name)));
    if (entries.empty() && m.is_map()) d_.warn("cameras", "no cameras configured");
  }

  CameraConfig read_camera(const std::string& name, const Node* node, const std::string& path) {
    check_name(d_, path, name, true);
    CameraConfig cam;
    cam.name = name;
    MapReader m(d_, node, path);
    m.need("width", cam.width, positive_even_at_most(kMaxImageSide));
    m.need("height", cam.height, positive_even_at_most(kMaxImageSide));
    m.get("fps", cam.fps, in_range(1, kMaxFps));
    read_camera_ffmpeg(m, cam);
    m.get("best_image_timeout", cam.best_image_timeout, at_least(0));
    read_zones(m, cam);
    read_camera_clips(m, cam);
    read_camera_record(m, cam);
    {
      MapReader r = m.section("rtmp");
      r.get("enabled", cam.rtmp_enabled);
    }
    read_camera_snapshots(m, cam);
    read_camera_mqtt(m, cam);
    read_camera_objects(m, cam);
    read_camera_motion(m, cam);
    cam.review = g_.review;
    read_review(m, cam.review);
    read_camera_detect(m, cam);
    check_roles_enabled(path, cam);
    return cam;
  }

  void read_camera_ffmpeg(MapReader& cam_m, CameraConfig& cam) {
    if (!cam_m.require("ffmpeg")) return;
    MapReader m = cam_m.section("ffmpeg");
    ArgsIn cam_args;
    read_args(m, cam_args);
    OutputArgsIn out;
    read_output_args(m, out);
    const OutputArgsIn& chosen = out.present ? out : g_.output_args;  // a map as a whole (§5)
    for (const auto& role : kRoles) {
      auto it = chosen.roles.find(role);
      cam.output_args[role] =
          it != chosen.roles.end() && it->second ? it->second->tokens : split_whitespace(kDefaultOutputArgs.at(role));
    }
    if (out.present || g_.output_args.present) d_.warn(m.path_of("output_args"), "ignored by vigil");

    if (!m.require("inputs")) return;
    const Node* inputs = m.take("inputs");
    const std::string ipath = m.path_of("inputs");
    if (inputs->kind != Node::Kind::List) {
      d_.error(ipath, "expected a list, got " + describe(*inputs));
      return;
    }
    if (inputs->list.empty() || inputs->list.size() > 4) {
      d_.error(ipath, "must have 1 to 4 inputs, got " + std::to_string(inputs->list.size()));
      if (inputs->list.empty()) return;
    }
    for (size_t i = 0; i < inputs->list.size(); ++i)
      cam.inputs.push_back(read_input(inputs->list[i], index_path(ipath, i), cam_args, cam));
    check_roles(ipath, cam);
  }

  InputConfig read_input(const Node& node, const std::string& path, const ArgsIn& cam_args, const CameraConfig& cam) {
    InputConfig in;
    MapReader m(d_, &node, path);
    m.need("path", in.path);
    if (m.need("roles", in.roles)) {
      for (size_t r = 0; r < in.roles.size(); ++r)
        if (!contains(kRoles, in.roles[r]))
          d_.error(index_path(m.path_of("roles"), r), "must be one of: " + join(kRoles, ", "));
      if (in.roles.empty()) d_.warn(m.path_of("roles"), "no roles; the input is not opened");
    }
    ArgsIn own;
    read_args(m, own);

    // input → camera → global → default (§5)
    auto pick = [](const std::optional<Args>& a, const std::optional<Args>& b, const std::optional<Args>& c,
                   const char* fallback) {
      if (a) return *a;
      if (b) return *b;
      if (c) return *c;
      return Args{split_whitespace(fallback), ""};
    };
    Args global_args = pick(own.global_args, cam_args.global_args, g_.args.global_args, kDefaultGlobalArgs);
    Args hwaccel_args = pick(own.hwaccel_args, cam_args.hwaccel_args, g_.args.hwaccel_args, "");
    Args input_args = pick(own.input_args, cam_args.input_args, g_.args.input_args, kDefaultInputArgs);
    in.global_args = global_args.tokens;
    in.hwaccel_args = hwaccel_args.tokens;
    in.input_args = input_args.tokens;

    ArgsTarget global{in.options, true, cam.fps.has_value()};
    ArgsTarget other{in.options, false, cam.fps.has_value()};
    apply_args(global_args, global, d_);
    apply_args(hwaccel_args, other, d_);
    apply_args(input_args, other, d_);
    return in;
  }

  void check_roles(const std::string& ipath, const CameraConfig& cam) {
    std::map<std::string, int> count;
    for (const auto& in : cam.inputs)
      for (const auto& r : in.roles) ++count[r];
    if (count["detect"] == 0) d_.error(ipath, "the detect role is required (exactly one input must have it)");
    for (const auto& role : kRoles)
      if (count[role] > 1) d_.error(ipath, "role \"" + role + "\" is assigned to more than one input");
  }

  void read_zones(MapReader& cam_m, CameraConfig& cam) {
    MapReader zones = cam_m.section("zones");
    for (const auto& [name, node] : zones.entries()) {
      const std::string path = zones.path_of(name);
      check_name(d_, path, name, false);
      if (camera_names_.count(name))
        d_.error(path, "zone \"" + name + "\" has the same name as camera \"" + name + "\"");
      ZoneConfig z;
      z.name = name;
      MapReader m(d_, node, path);
      ZonePolygon coords;
      if (m.need("coordinates", coords)) {
        z.coordinates = coords.polygon;
        z.coordinates_raw = coords.text;
        z.coordinates_list = coords.list;
      }
      std::map<std::string, FilterIn> filters;
      read_filters(m, filters, true);
      for (const auto& [label, f] : filters) {
        ObjectFilter& of = z.filters[label];
        of.min_area = f.min_area.value_or(of.min_area);
        of.max_area = f.max_area.value_or(of.max_area);
        of.threshold = f.threshold.value_or(of.threshold);
        check_area_order(join_path(m.path_of("filters"), label), of);
      }
      cam.zones.push_back(z);
    }
  }

  void read_camera_clips(MapReader& cam_m, CameraConfig& cam) {
    MapReader m = cam_m.section("clips");
    CameraClipsConfig& c = cam.clips;
    m.get("enabled", c.enabled);
    for (auto [key, value] : {std::pair{"pre_capture", &c.pre_capture}, std::pair{"post_capture", &c.post_capture}}) {
      if (!m.get(key, *value)) continue;
      if (*value < 0) {
        d_.warn(m.path_of(key), "must not be negative; using 0");
        *value = 0;
      } else if (*value > cfg_.clips_max_seconds) {
        d_.warn(m.path_of(key), "is longer than clips.max_seconds (" + std::to_string(cfg_.clips_max_seconds) + ")");
      }
    }
    m.get("objects", c.objects);
    m.get("required_zones", c.required_zones);
    check_required_zones(m.path_of("required_zones"), c.required_zones, cam, "no clip is ever made");
    RetainIn r;
    read_retain(m, r);
    c.retain = resolve_retain(r, g_.clips_retain);
  }

  void read_camera_record(MapReader& cam_m, CameraConfig& cam) {
    MapReader m = cam_m.section("record");
    cam.record_enabled = g_.record_enabled.value_or(false);
    cam.record_retain_days = g_.record_retain_days.value_or(30);
    m.get("enabled", cam.record_enabled);
    m.get("retain_days", cam.record_retain_days, at_least(0));
    cam.record_max_mb = g_.record_max_mb.value_or(0);
    m.get("max_mb", cam.record_max_mb, between(0, kMaxRecordMb));
  }

  // The look of an event image, shared by `snapshots` and `mqtt` (their defaults differ).
  template <class Look>
  void read_image_look(MapReader& m, Look& look, const CameraConfig& cam, const char* without_zone) {
    m.get("enabled", look.enabled);
    m.get("timestamp", look.timestamp);
    m.get("bounding_box", look.bounding_box);
    m.get("crop", look.crop);
    m.get("height", look.height, in_range(1, kMaxImageSide));
    m.get("required_zones", look.required_zones);
    check_required_zones(m.path_of("required_zones"), look.required_zones, cam, without_zone);
  }

  void read_camera_snapshots(MapReader& cam_m, CameraConfig& cam) {
    MapReader m = cam_m.section("snapshots");
    read_image_look(m, cam.snapshots, cam, "no snapshot is ever written");
    RetainIn r;
    read_retain(m, r);
    cam.snapshots.retain = resolve_retain(r, g_.snapshots_retain);
  }

  void read_camera_mqtt(MapReader& cam_m, CameraConfig& cam) {
    MapReader m = cam_m.section("mqtt");
    read_image_look(m, cam.mqtt, cam, "no snapshot is ever published");
  }

  void read_camera_objects(MapReader& cam_m, CameraConfig& cam) {
    ObjectsIn own;
    read_objects(cam_m, own);
    track_paths_[cam.name] = own.track_path;
    if (own.track) {
      cam.track = *own.track;
    } else if (g_.objects.track) {
      cam.track = *g_.objects.track;
      track_paths_[cam.name] = g_.objects.track_path;
    }
    if (own.mask) cam.objects_mask = *own.mask;

    // Every tracked label gets a filter, each key camera → global → default (§5).
    const std::string filters_path = join_path(join_path(cam_m.path(), "objects"), "filters");
    for (const auto& label : cam.track) {
      auto find = [&label](const std::map<std::string, FilterIn>& m) {
        auto it = m.find(label);
        return it == m.end() ? FilterIn{} : it->second;
      };
      const FilterIn c = find(own.filters), g = find(g_.objects.filters);
      ObjectFilter f;
      f.min_area = c.min_area.value_or(g.min_area.value_or(f.min_area));
      f.max_area = c.max_area.value_or(g.max_area.value_or(f.max_area));
      f.min_score = c.min_score.value_or(g.min_score.value_or(f.min_score));
      f.threshold = c.threshold.value_or(g.threshold.value_or(f.threshold));
      f.mask = union_masks(cam.objects_mask, c.mask.value_or(MaskSpec{}));
      check_area_order(join_path(filters_path, label), f);
      cam.filters[label] = f;
    }
  }

  // Camera-wide polygons first. With only one side set the mask stays as written.
  static MaskSpec union_masks(const MaskSpec& camera_wide, const MaskSpec& label) {
    if (camera_wide.polygons.empty()) return label;
    if (label.polygons.empty()) return camera_wide;
    MaskSpec u;
    u.raw_was_list = true;
    for (const MaskSpec* m : {&camera_wide, &label}) {
      u.polygons.insert(u.polygons.end(), m->polygons.begin(), m->polygons.end());
      if (m->raw.size() == m->polygons.size()) {
        u.raw.insert(u.raw.end(), m->raw.begin(), m->raw.end());
      } else {  // one polygon written as a list of "x,y": show it as one string
        for (const auto& p : m->polygons) {
          std::string s;
          for (const auto& [x, y] : p.points) s += (s.empty() ? "" : ",") + std::to_string(x) + "," + std::to_string(y);
          u.raw.push_back(s);
        }
      }
    }
    return u;
  }

  void check_area_order(const std::string& path, const ObjectFilter& f) {
    if (f.min_area > f.max_area) d_.warn(path, "min_area is larger than max_area; no object can match");
  }

  void read_camera_motion(MapReader& cam_m, CameraConfig& cam) {
    MotionIn own;
    read_motion(cam_m, own);
    MotionConfig& mo = cam.motion;
    const MotionIn& g = g_.motion;
    mo.threshold = own.threshold.value_or(g.threshold.value_or(mo.threshold));
    mo.contour_area = own.contour_area.value_or(g.contour_area.value_or(mo.contour_area));
    mo.delta_alpha = own.delta_alpha.value_or(g.delta_alpha.value_or(mo.delta_alpha));
    mo.frame_alpha = own.frame_alpha.value_or(g.frame_alpha.value_or(mo.frame_alpha));
    mo.mqtt_off_delay = own.mqtt_off_delay.value_or(g.mqtt_off_delay.value_or(mo.mqtt_off_delay));
    if (own.mask) mo.mask = *own.mask;

    const std::optional<int>& fh = own.frame_height ? own.frame_height : g.frame_height;
    if (!fh) {
      mo.frame_height = std::max(1, cam.height / 6);
      return;
    }
    mo.frame_height = *fh;
    const bool from_global = !own.frame_height;
    const std::string path = from_global ? g.frame_height_path : own.frame_height_path;
    const int max = cam.height > 0 ? cam.height : INT_MAX;  // height itself may be missing
    if (*fh < 1 || *fh > max) {
      std::string why = cam.height > 0 ? "must be between 1 and " + std::to_string(cam.height) : "must be at least 1";
      d_.error(path, why + (from_global ? " (the height of camera " + cam.name + ")" : ""));
    }
  }

  void read_camera_detect(MapReader& cam_m, CameraConfig& cam) {
    MapReader m = cam_m.section("detect");
    m.get("enabled", cam.detect_enabled);
    cam.max_disappeared = g_.max_disappeared.value_or(cam.fps.value_or(5) * 2);
    m.get("max_disappeared", cam.max_disappeared, at_least(0));
    cam.coast_frames = g_.coast_frames.value_or(cam.coast_frames);
    m.get("coast_frames", cam.coast_frames, at_least(0));
  }

  // --- warnings about settings that cannot take effect

  void check_roles_enabled(const std::string& path, const CameraConfig& cam) {
    auto has_role = [&cam](const std::string& role) {
      for (const auto& in : cam.inputs)
        if (in.has_role(role)) return true;
      return false;
    };
    struct Check {
      std::string role;
      bool enabled;
      const char* if_disabled;  // what happens when the role is there but the switch is off
      const char* if_no_role;   // … and the reverse
    };
    if (cam.inputs.empty()) return;
    for (const Check& c :
         {Check{"clips", cam.clips.enabled, "the cache still runs so MQTT can turn clips on", "no clips are made"},
          Check{"record", cam.record_enabled, "nothing is recorded", "nothing is recorded"},
          Check{"rtmp", cam.rtmp_enabled, "nothing is published", "nothing is published"}}) {
      const std::string& r = c.role;
      if (has_role(r) && !c.enabled)
        d_.warn(join_path(path, r), "an input has the " + r + " role but " + r + ".enabled is false; " + c.if_disabled);
      else if (!has_role(r) && c.enabled)
        d_.warn(join_path(path, r), r + ".enabled is true but no input has the " + r + " role; " + c.if_no_role);
    }
  }

  void check_required_zones(const std::string& path, const StrList& zones, const CameraConfig& cam,
                            const std::string& effect) {
    for (size_t i = 0; i < zones.size(); ++i) {
      bool found = false;
      for (const auto& z : cam.zones) found = found || z.name == zones[i];
      if (!found) d_.warn(index_path(path, i), "camera has no zone \"" + zones[i] + "\"; " + effect);
    }
  }

  void check_logger_names() {
    static const std::set<std::string> kFixed = {"vigil.app",    "vigil.config",   "vigil.http",     "vigil.mqtt",
                                                 "vigil.events", "vigil.storage",  "frigate.app",    "frigate.mqtt",
                                                 "frigate.http", "frigate.events", "frigate.record", "frigate.edgetpu",
                                                 "restream.rtsp"};
    auto known = [&](const std::string& name) {
      if (kFixed.count(name)) return true;
      for (const char* prefix : {"camera.", "watchdog.", "restream."})
        if (name.rfind(prefix, 0) == 0 && camera_names_.count(name.substr(strlen(prefix)))) return true;
      if (name.rfind("ffmpeg.", 0) == 0) {  // ffmpeg.<camera>.<roles>
        std::string rest = name.substr(7);
        size_t dot = rest.find('.');
        return dot != std::string::npos && dot + 1 < rest.size() && camera_names_.count(rest.substr(0, dot));
      }
      if (name.rfind("detector.", 0) == 0)
        for (const auto& d : cfg_.detectors)
          if (name == "detector." + d.name) return true;
      return false;
    };
    for (const auto& [name, level] : cfg_.logger_logs)
      if (!known(name)) d_.warn(join_path(logs_path_, name), "unknown logger; ignored");
  }

  // Labels some detector can report (after label_aliases); empty = unknown.
  std::set<std::string> detectable_labels() {
    std::set<std::string> labels;
    for (const auto& det : cfg_.detectors) {
      if (det.effective_type() == "hog") {
        labels.insert("person");
        continue;
      }
      if (!models_) return {};  // no rules: a model's labels are unknown
      auto map = models_->labels(*det.model);
      if (map.empty()) return {};  // unreadable label file: already an error or unknowable
      for (const auto& [index, label] : map) labels.insert(label);
    }
    return labels;
  }

  void check_tracked_labels() {
    if (!d_.errors().empty()) return;  // detectors may be incomplete
    const std::set<std::string> labels = detectable_labels();
    if (labels.empty()) return;
    for (const auto& cam : cfg_.cameras)
      for (size_t i = 0; i < cam.track.size(); ++i)
        if (!labels.count(cam.track[i]))
          d_.warn(index_path(track_paths_[cam.name], i),
                  "no detector reports \"" + cam.track[i] + "\"; objects of that label can never appear");
  }

  // --- vigil-only keys (§4.15–4.17), database default, env substitution

  void read_vigil_keys(MapReader& top) {
    std::string media = "./media";
    top.get("media_dir", media);
    std::error_code ec;
    fs::path abs = fs::absolute(media, ec).lexically_normal();
    cfg_.media_dir = abs.string();
    if (cfg_.media_dir.size() > 1 && cfg_.media_dir.back() == '/') cfg_.media_dir.pop_back();
    cfg_.database_path = db_path_.empty() ? cfg_.media_dir + "/clips/frigate.db" : db_path_;
    {
      MapReader m = top.section("api");
      m.get("host", cfg_.api_host);
      m.get("port", cfg_.api_port, between(1, 65535));
      read_listeners(m);
    }
    {
      MapReader m = top.section("storage");
      m.get("min_free_mb", cfg_.storage_min_free_mb, at_least(0));
      read_tiers(m);
    }
    read_auth(top);
    {
      MapReader m = top.section("rtmp");
      m.get("url", cfg_.rtmp_url);
    }
    MapReader m = top.section("rtsp_restream");
    // On by default when a 0.14 listener is configured: today's Home Assistant plays its
    // live view from it (ha-current.md §0.6).
    if (!m.get("enabled", cfg_.rtsp_restream.enabled))
      cfg_.rtsp_restream.enabled = std::any_of(cfg_.api_listeners.begin(), cfg_.api_listeners.end(),
                                               [](const ApiListener& l) { return l.profile == "0.14"; });
    cfg_.rtsp_restream.host = cfg_.api_host;  // the API's address unless written
    m.get("host", cfg_.rtsp_restream.host);
    m.get("port", cfg_.rtsp_restream.port, between(1, 65535));
  }

  // storage.tiers (vigil): a list of {path, move_after_hours}; absent = media_dir only.
  void read_tiers(MapReader& storage) {
    const Node* n = storage.take("tiers");
    const std::string path = storage.path_of("tiers");
    if (!n || n->is_null()) return;
    if (n->kind != Node::Kind::List) {
      d_.error(path, "expected a list, got " + describe(*n));
      return;
    }
    for (size_t i = 0; i < n->list.size(); ++i) {
      MapReader m(d_, &n->list[i], index_path(path, i));
      Config::StorageTier t;
      if (m.need("path", t.path)) {
        std::error_code ec;
        t.path = fs::absolute(t.path, ec).lexically_normal().string();
        if (t.path.size() > 1 && t.path.back() == '/') t.path.pop_back();
        if (t.path == cfg_.media_dir) d_.error(m.path_of("path"), "is media_dir (tier 0)");
        for (size_t j = 0; j < cfg_.storage_tiers.size(); ++j)
          if (cfg_.storage_tiers[j].path == t.path)
            d_.error(m.path_of("path"), "duplicate path (also " + index_path(path, j) + ".path)");
      }
      m.need("move_after_hours", t.move_after_hours, between(0.0, 1e6));
      cfg_.storage_tiers.push_back(t);
    }
  }

  // api.listeners (vigil): a list of {port, profile, host?}; absent = one 0.8 listener
  // on api.host:api.port.
  void read_listeners(MapReader& api) {
    const Node* n = api.take("listeners");
    const std::string path = api.path_of("listeners");
    if (!n || n->is_null()) {
      cfg_.api_listeners = {{cfg_.api_host, cfg_.api_port, "0.8"}};
      return;
    }
    if (n->kind != Node::Kind::List) {
      d_.error(path, "expected a list, got " + describe(*n));
      return;
    }
    if (n->list.empty()) d_.error(path, "must have at least one listener");
    for (size_t i = 0; i < n->list.size(); ++i) {
      const std::string ipath = index_path(path, i);
      MapReader m(d_, &n->list[i], ipath);
      ApiListener l{cfg_.api_host, 0, "0.8"};
      m.get("host", l.host);
      m.need("port", l.port, between(1, 65535));
      if (m.need("profile", l.profile) && l.profile != "0.8" && l.profile != "0.14")
        d_.error(m.path_of("profile"), "must be \"0.8\" or \"0.14\"");
      for (size_t j = 0; j < cfg_.api_listeners.size(); ++j)
        if (l.port != 0 && cfg_.api_listeners[j].port == l.port)
          d_.error(m.path_of("port"), "duplicate port " + std::to_string(l.port) + " (also api.listeners[" +
                                          std::to_string(j) + "].port)");
      cfg_.api_listeners.push_back(l);
    }
  }

  // auth (vigil): {enabled, host?, port, tls: {cert, key}} (docs/auth.md).
  void read_auth(MapReader& top) {
    MapReader m = top.section("auth");
    AuthConfig& a = cfg_.auth;
    a.host = cfg_.api_host;
    m.get("enabled", a.enabled);
    m.get("host", a.host);
    m.get("port", a.port, between(1, 65535));
    {
      MapReader t = m.section("tls");
      t.get("cert", a.tls_cert);
      t.get("key", a.tls_key);
      if (a.tls_cert.empty() != a.tls_key.empty())
        d_.error(t.path_of(a.tls_cert.empty() ? "cert" : "key"), "auth.tls needs both cert and key");
      for (auto [key, file] : {std::pair{"cert", &a.tls_cert}, std::pair{"key", &a.tls_key}})
        if (a.enabled && !file->empty() && access(file->c_str(), R_OK) != 0)
          d_.error(t.path_of(key), "cannot read " + *file + ": " + std::strerror(errno));
    }
    if (!a.enabled) return;
    for (size_t j = 0; j < cfg_.api_listeners.size(); ++j)
      if (cfg_.api_listeners[j].port == a.port)
        d_.error(m.path_of("port"), "port " + std::to_string(a.port) + " is also an API listener's (api port " +
                                        std::to_string(cfg_.api_listeners[j].port) + ")");
  }

  void substitute_all() {
    if (cfg_.mqtt.user) substitute(d_, "mqtt.user", *cfg_.mqtt.user);
    if (cfg_.mqtt.password) substitute(d_, "mqtt.password", *cfg_.mqtt.password);
    for (auto& cam : cfg_.cameras)
      for (size_t i = 0; i < cam.inputs.size(); ++i)
        substitute(d_, index_path("cameras." + cam.name + ".ffmpeg.inputs", i) + ".path", cam.inputs[i].path);
  }

  Diagnostics& d_;
  Config& cfg_;
  const ModelRules* models_;  // the detectors' model rules; nullptr = models only read
  Globals g_;
  std::string db_path_;
  std::string logs_path_ = "logger.logs";
  std::set<std::string> camera_names_;
  std::map<std::string, std::string> track_paths_;  // camera → where its track list was written
};

const std::vector<std::string>& builtin_coco_labels() {
  static const std::vector<std::string> labels = {
      "person",         "bicycle",    "car",           "motorcycle",    "airplane",     "bus",           "train",
      "truck",          "boat",       "traffic light", "fire hydrant",  "stop sign",    "parking meter", "bench",
      "bird",           "cat",        "dog",           "horse",         "sheep",        "cow",           "elephant",
      "bear",           "zebra",      "giraffe",       "backpack",      "umbrella",     "handbag",       "tie",
      "suitcase",       "frisbee",    "skis",          "snowboard",     "sports ball",  "kite",          "baseball bat",
      "baseball glove", "skateboard", "surfboard",     "tennis racket", "bottle",       "wine glass",    "cup",
      "fork",           "knife",      "spoon",         "bowl",          "banana",       "apple",         "sandwich",
      "orange",         "broccoli",   "carrot",        "hot dog",       "pizza",        "donut",         "cake",
      "chair",          "couch",      "potted plant",  "bed",           "dining table", "toilet",        "tv",
      "laptop",         "mouse",      "remote",        "keyboard",      "cell phone",   "microwave",     "oven",
      "toaster",        "sink",       "refrigerator",  "book",          "clock",        "vase",          "scissors",
      "teddy bear",     "hair drier", "toothbrush"};
  return labels;
}

}  // namespace
}  // namespace cfg

// ---------------------------------------------------------------------------
// Public interface

using cfg::contains;
using cfg::Diagnostics;
using cfg::join;
using cfg::Node;
using cfg::trim;

bool InputConfig::has_role(const std::string& r) const { return contains(roles, r); }

const InputConfig& CameraConfig::detect_input() const {
  for (const auto& in : inputs)
    if (in.has_role("detect")) return in;
  throw std::logic_error("camera " + name + " has no detect input");  // prevented by validation
}

bool CameraConfig::rtmp_active() const {
  if (!rtmp_enabled) return false;
  for (const auto& in : inputs)
    if (in.has_role("rtmp")) return true;
  return false;
}

std::string DetectorConfig::effective_type() const {
  if (type == "hog") return "hog";
  return model && !model->path.empty() ? "opencv" : "hog";
}

const CameraConfig* Config::camera(const std::string& name) const {
  for (const auto& c : cameras)
    if (c.name == name) return &c;
  return nullptr;
}

ConfigError::ConfigError(std::vector<std::string> l) : std::runtime_error(join(l, "\n")), lines(std::move(l)) {}

std::map<int, std::string> load_labelmap(const std::string& path) {
  std::map<int, std::string> out;
  if (path.empty()) {
    const auto& coco = cfg::builtin_coco_labels();
    for (size_t i = 0; i < coco.size(); ++i) out[static_cast<int>(i)] = coco[i];
    return out;
  }
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(trim(line));
  if (lines.empty()) return out;
  // "<index> <label>" when the first token of the first line is a number (0.8's parser).
  const std::string first_token = lines[0].substr(0, lines[0].find_first_of(" \t"));
  const bool indexed = !first_token.empty() && first_token.find_first_not_of("0123456789") == std::string::npos;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!indexed) {
      out[static_cast<int>(i)] = lines[i];
      continue;
    }
    // ([0-9]+)\s+(.*); an index that does not fit an int names no class.
    const std::string& l = lines[i];
    const size_t digits = l.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string::npos || !std::isspace(static_cast<unsigned char>(l[digits]))) continue;
    int index = 0;
    auto [end, ec] = std::from_chars(l.data(), l.data() + digits, index);
    if (ec != std::errc()) continue;
    out[index] = trim(l.substr(digits));
  }
  return out;
}

Config parse_config(const std::string& text, bool is_json, std::vector<std::string>* warnings,
                    const ModelRules* models) {
  Diagnostics d;
  Config cfg;
  std::optional<Node> root;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    root = Node{};  // empty (JSON too)
  else
    root = is_json ? cfg::parse_json(text, d) : cfg::parse_yaml(text, d);
  if (root && root->is_null()) {
    d.error("", "the file is empty");
  } else if (root && root->kind != Node::Kind::Map) {
    d.error("", "the top level must be a map, got " + describe(*root));
  } else if (root) {
    cfg::Loader(d, cfg, models).load(*root);
  }
  if (warnings) warnings->insert(warnings->end(), d.warnings().begin(), d.warnings().end());
  if (!d.errors().empty()) throw ConfigError(d.errors());
  return cfg;
}

Config load_config(const std::string& path, std::vector<std::string>* warnings, const ModelRules* models) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw ConfigError({"config error: " + path + ": cannot read the file (it is a directory)"});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({"config error: " + path + ": cannot read the file (" + std::strerror(errno) + ")"});
  // At most one byte more than the limit is read: a larger file (or an endless one such
  // as /dev/zero) is refused without being held in memory.
  std::string text(cfg::kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError({"config error: " + path + ": cannot read the file (" + std::strerror(errno) + ")"});
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > cfg::kMaxFileBytes)
    throw ConfigError({"config error: " + path + ": the file is larger than 1 MiB (" +
                       std::to_string(cfg::kMaxFileBytes) + " bytes, the limit for a config file)"});
  const bool is_json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  return parse_config(text, is_json, warnings, models);
}

}  // namespace vigil
