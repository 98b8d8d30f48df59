// The /api/config document (http-api.md §2.3), secrets redacted (config/redact.h).
#include <cmath>
#include <nlohmann/json.hpp>

#include "config/config.h"

namespace vigil {
namespace {

using json = nlohmann::json;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Whole numbers as ints (0.8 had ints there), others as floats.
json number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return static_cast<long long>(v);
  return v;
}

// As written: a string, or a list of strings; null when there is no mask.
json mask_json(const MaskSpec& m) {
  if (m.raw.empty()) return nullptr;
  if (!m.raw_was_list) return m.raw.front();
  return m.raw;
}

json filter_json(const ObjectFilter& f) {
  return {{"mask", mask_json(f.mask)},
          {"max_area", f.max_area},
          {"min_area", f.min_area},
          {"min_score", f.min_score},
          {"threshold", f.threshold}};
}

json retain_json(const RetainConfig& r) {
  json objects = json::object();
  for (const auto& [label, days] : r.objects) objects[label] = days;
  return {{"default", r.default_days}, {"objects", objects}};
}

json string_map(const std::map<std::string, std::string>& m) {
  json o = json::object();
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

// The command line 0.8 would have run for each input (config.md §6.6).
json ffmpeg_cmds(const Config& cfg, const CameraConfig& cam) {
  auto output_args = [&cam](const std::string& role) {
    auto it = cam.output_args.find(role);
    return it == cam.output_args.end() ? std::vector<std::string>{} : it->second;
  };
  const std::string stamp = cam.name + "-%Y%m%d%H%M%S.mp4";
  json cmds = json::array();
  for (const auto& in : cam.inputs) {
    std::vector<std::string> outputs;
    auto add = [&outputs](const std::vector<std::string>& args, const std::string& target) {
      outputs.insert(outputs.end(), args.begin(), args.end());
      outputs.push_back(target);
    };
    if (in.has_role("record") && cam.record_enabled) add(output_args("record"), cfg.media_dir + "/recordings/" + stamp);
    if (in.has_role("clips")) add(output_args("clips"), cfg.media_dir + "/cache/" + stamp);
    if (in.has_role("rtmp") && cam.rtmp_enabled) add(output_args("rtmp"), cfg.rtmp_url + "/" + cam.name);
    if (in.has_role("detect")) {
      if (cam.fps) outputs.insert(outputs.end(), {"-r", std::to_string(*cam.fps)});
      add(output_args("detect"), "pipe:");
    }
    if (outputs.empty()) continue;

    std::string cmd = "ffmpeg";
    for (const auto* list : {&in.global_args, &in.hwaccel_args, &in.input_args})
      for (const auto& a : *list) cmd += " " + a;
    cmd += " -i " + in.path;
    for (const auto& a : outputs) cmd += " " + a;
    cmds.push_back({{"cmd", cmd}, {"roles", in.roles}});  // masked by redact_json
  }
  return cmds;
}

json camera_json(const Config& cfg, const CameraConfig& cam) {
  json filters = json::object();
  for (const auto& [label, f] : cam.filters) filters[label] = filter_json(f);
  json zones = json::object();
  for (const auto& z : cam.zones) {
    json zf = json::object();
    for (const auto& [label, f] : z.filters) zf[label] = filter_json(f);
    zones[z.name] = {{"coordinates", z.coordinates_list.empty() ? json(z.coordinates_raw) : json(z.coordinates_list)},
                     {"filters", zf}};
  }
  const auto& c = cam.clips;
  const auto& s = cam.snapshots;
  const auto& q = cam.mqtt;
  const auto& mo = cam.motion;
  return {
      {"best_image_timeout", cam.best_image_timeout},
      {"clips",
       {{"enabled", c.enabled},
        {"objects", c.objects ? json(*c.objects) : json(nullptr)},
        {"post_capture", c.post_capture},
        {"pre_capture", c.pre_capture},
        {"required_zones", c.required_zones},
        {"retain", retain_json(c.retain)}}},
      {"detect", {{"enabled", cam.detect_enabled}, {"max_disappeared", cam.max_disappeared}}},
      {"ffmpeg_cmds", ffmpeg_cmds(cfg, cam)},
      {"fps", cam.fps ? json(*cam.fps) : json(nullptr)},
      {"frame_shape", {cam.height, cam.width}},
      {"height", cam.height},
      {"motion",
       {{"contour_area", mo.contour_area},
        {"delta_alpha", mo.delta_alpha},
        {"frame_alpha", mo.frame_alpha},
        {"frame_height", mo.frame_height},
        {"mask", mask_json(mo.mask)},
        {"threshold", number(mo.threshold)}}},
      {"mqtt",
       {{"bounding_box", q.bounding_box},
        {"crop", q.crop},
        {"enabled", q.enabled},
        {"height", q.height},
        {"required_zones", q.required_zones},
        {"timestamp", q.timestamp}}},
      {"name", cam.name},
      {"objects", {{"filters", filters}, {"mask", mask_json(cam.objects_mask)}, {"track", cam.track}}},
      {"record", {{"enabled", cam.record_enabled}, {"retain_days", cam.record_retain_days}}},
      {"rtmp", {{"enabled", cam.rtmp_active()}}},
      {"snapshots",
       {{"bounding_box", s.bounding_box},
        {"crop", s.crop},
        {"enabled", s.enabled},
        {"height", s.height ? json(*s.height) : json(nullptr)},
        {"required_zones", s.required_zones},
        {"retain", retain_json(s.retain)},
        {"timestamp", s.timestamp}}},
      {"width", cam.width},
      {"zones", zones},
  };
}

json detector_json(const DetectorConfig& d) {
  json j = {{"device", d.device}, {"num_threads", d.num_threads}, {"type", d.type}};
  if (d.model) {
    const ModelFileConfig& m = *d.model;
    j["model"] = {{"config", m.config},
                  {"height", m.height},
                  {"kind", m.kind},
                  {"label_aliases", string_map(m.label_aliases)},
                  {"labelmap", m.labelmap},
                  {"mean", m.mean ? json(*m.mean) : json(nullptr)},
                  {"path", m.path},
                  {"scale", m.scale ? json(*m.scale) : json(nullptr)},
                  {"swap_rb", m.swap_rb ? json(*m.swap_rb) : json(nullptr)},
                  {"width", m.width}};
  }
  return j;
}

}  // namespace

std::string config_to_api_json(const Config& cfg) {
  json cameras = json::object();
  for (const auto& cam : cfg.cameras) cameras[cam.name] = camera_json(cfg, cam);
  json detectors = json::object();
  for (const auto& d : cfg.detectors) detectors[d.name] = detector_json(d);
  json logs = json::object();
  for (const auto& [name, level] : cfg.logger_logs) logs[name] = upper(level);
  const MqttConfig& q = cfg.mqtt;

  json doc = {
      {"api", {{"host", cfg.api_host}, {"port", cfg.api_port}}},
      {"cameras", cameras},
      {"clips",
       {{"max_seconds", cfg.clips_max_seconds},
        {"retain", retain_json(cfg.clips_retain)},
        {"tmpfs_cache_size", cfg.clips_tmpfs_cache_size}}},
      {"database", {{"path", cfg.database_path}}},
      {"detectors", detectors},
      {"environment_vars", string_map(cfg.environment_vars)},
      {"logger", {{"default", upper(cfg.logger_default)}, {"logs", logs}}},
      {"media_dir", cfg.media_dir},
      {"model", {{"height", cfg.model_height}, {"width", cfg.model_width}}},
      // Never the password; host null tells clients MQTT is off (vigil).
      {"mqtt",
       {{"client_id", q.client_id},
        {"host", q.enabled ? json(q.host) : json(nullptr)},
        {"port", q.port},
        {"stats_interval", q.stats_interval},
        {"topic_prefix", q.topic_prefix},
        {"user", q.user ? json(*q.user) : json(nullptr)}}},
      {"snapshots", {{"retain", retain_json(cfg.snapshots_retain)}}},
      {"storage", {{"min_free_mb", cfg.storage_min_free_mb}}},
  };
  redact_json(doc);  // environment_vars values, secret-named keys, URL credentials
  return doc.dump(-1, ' ', true, json::error_handler_t::replace);
}

}  // namespace vigil
