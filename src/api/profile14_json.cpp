#include "api/profile14_json.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <set>
#include <tuple>

#include "api/thread_cpu.h"

namespace vigil {
namespace {

using json = nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// "YYYY-MM-DD" and "HH" of Unix time `t` shifted by `offset` seconds.
std::pair<std::string, std::string> day_hour(double t, int offset) {
  const time_t s = time_t(std::floor(t)) + offset;
  std::tm tm{};
  gmtime_r(&s, &tm);
  char day[16], hour[4];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  std::strftime(hour, sizeof hour, "%H", &tm);
  return {day, hour};
}

}  // namespace

std::string profile14_version() { return std::string("0.14.1-vigil-") + VIGIL_VERSION; }

std::string stats14_json(const std::string& stats08, const Config& cfg, ThreadCpuSampler& cpu) {
  const json s = json::parse(stats08);
  json out = json::object();
  json cameras = json::object(), cpu_usages = json::object();
  auto add_cpu = [&](const json& pid) {
    if (!pid.is_number_integer()) return;
    ThreadCpu t;
    if (cpu.sample(pid.get<int>(), &t))
      cpu_usages[std::to_string(pid.get<int>())] = {{"cpu", fixed1(t.cpu)}, {"cpu_average", fixed1(t.average)}};
  };
  for (const CameraConfig& cc : cfg.cameras) {
    if (!s.contains(cc.name)) continue;
    const json& c = s[cc.name];
    // vigil decodes in its capture thread: that thread is also the "ffmpeg" one.
    cameras[cc.name] = {{"camera_fps", c.value("camera_fps", 0.0)},
                        {"process_fps", c.value("process_fps", 0.0)},
                        {"skipped_fps", c.value("skipped_fps", 0.0)},
                        {"detection_fps", c.value("detection_fps", 0.0)},
                        {"detection_enabled", cc.detect_enabled},
                        {"pid", c.value("pid", 0)},
                        {"capture_pid", c.value("capture_pid", 0)},
                        {"ffmpeg_pid", c.value("capture_pid", 0)},
                        {"audio_rms", 0.0},
                        {"audio_dBFS", 0.0}};
    add_cpu(c.value("pid", json()));
    add_cpu(c.value("capture_pid", json()));
  }
  out["cameras"] = cameras;
  out["detectors"] = s.value("detectors", json::object());
  for (const auto& [name, d] : out["detectors"].items()) add_cpu(d.value("pid", json()));
  out["detection_fps"] = s.value("detection_fps", 0.0);
  out["cpu_usages"] = cpu_usages;
  json service = s.value("service", json::object());
  service["version"] = profile14_version();
  service["latest_version"] = "disabled";
  service["temperatures"] = json::object();
  service["last_updated"] = int64_t(std::time(nullptr));
  out["service"] = service;
  return dump(out);
}

std::string config14_json(const std::string& config08, const Config& cfg, const SwitchesMap& switches) {
  json c = json::parse(config08);
  c["version"] = "0.14";
  c["mqtt"]["enabled"] = cfg.mqtt.enabled;
  if (!c["model"].is_object()) c["model"] = json::object();
  json streams = json::object();
  for (const CameraConfig& cc : cfg.cameras) {
    // A camera has a live stream in Home Assistant only when it is listed here, so only
    // while vigil's RTSP restream serves it.
    if (cfg.rtsp_restream.enabled)
      streams[cc.name] = json::array({"rtsp://127.0.0.1:" + std::to_string(cfg.rtsp_restream.port) + "/" + cc.name});
    json& cam = c["cameras"][cc.name];
    cam["name"] = cc.name;
    cam["enabled"] = true;
    for (auto& [zone, z] : cam["zones"].items()) {
      (void)zone;
      z["objects"] = json::array();  // a list: every tracked object counts in every zone
    }
    cam["motion"]["enabled"] = true;  // vigil's motion detector always runs
    cam["motion"]["enabled_in_config"] = true;
    cam["motion"]["improve_contrast"] = false;
    cam["audio"] = {{"enabled", false}, {"enabled_in_config", false}, {"listen", json::array()}};
    cam["record"]["enabled_in_config"] = cc.record_enabled;
    cam["detect"]["width"] = cc.width;
    cam["detect"]["height"] = cc.height;
    if (cc.fps) cam["detect"]["fps"] = *cc.fps;
    cam["live"] = {{"stream_name", cc.name}};
    cam["onvif"] = {{"autotracking", {{"enabled", false}, {"enabled_in_config", false}}}};
    // The review levels as review_status decides them (config.h ReviewConfig): alerts default
    // to person and car; detections without labels take every tracked label.
    static const std::vector<std::string> kAlertDefault = {"person", "car"};
    const ReviewConfig& rv = cc.review;
    json detections = {{"required_zones", rv.detections.required_zones}, {"enabled", true}};
    if (rv.detections.labels) detections["labels"] = *rv.detections.labels;
    cam["review"] = {{"alerts",
                      {{"labels", rv.alerts.labels.value_or(kAlertDefault)},
                       {"required_zones", rv.alerts.required_zones},
                       {"enabled", true}}},
                     {"detections", detections}};
    // What MQTT `…/set` changed since start (ha-current.md §3.3), as Frigate 0.14's
    // dispatcher writes it into the config this document is made from.
    if (auto it = switches.find(cc.name); it != switches.end()) {
      const CameraSwitches& sw = *it->second;
      cam["detect"]["enabled"] = sw.detect.load();
      cam["snapshots"]["enabled"] = sw.snapshots.load();
      cam["record"]["enabled"] = sw.recordings.load();
      cam["motion"]["enabled"] = sw.motion.load();
      cam["motion"]["improve_contrast"] = sw.improve_contrast.load();
      const double threshold = sw.motion_threshold.load();
      if (threshold == double(int(threshold)))
        cam["motion"]["threshold"] = int(threshold);
      else
        cam["motion"]["threshold"] = threshold;
      cam["motion"]["contour_area"] = sw.motion_contour_area.load();
      cam["review"]["alerts"]["enabled"] = sw.review_alerts.load();
      cam["review"]["detections"]["enabled"] = sw.review_detections.load();
    }
  }
  c["go2rtc"] = {{"streams", streams}};
  c["birdseye"] = {{"enabled", false}, {"restream", false}};
  c["plus"] = {{"enabled", false}};
  return dump(c);
}

json event14(const EventRecord& e, bool include_thumbnail, bool full) {
  // vigil keeps the best score, not the box or region of the best frame: those are null.
  json data = {{"type", "object"}, {"score", e.top_score}, {"top_score", e.top_score},
               {"box", nullptr},   {"region", nullptr},    {"attributes", json::array()}};
  json j = {{"id", e.id},
            {"camera", e.camera},
            {"label", e.label},
            {"sub_label", nullptr},
            {"zones", e.zones},
            {"start_time", e.start_time},
            {"end_time", e.end_time},
            {"has_clip", e.has_clip},
            {"has_snapshot", e.has_snapshot},
            {"plus_id", nullptr},
            {"retain_indefinitely", false},
            {"top_score", e.top_score},
            {"false_positive", nullptr},
            {"box", nullptr},
            {"data", data}};
  if (full) {
    j["score"] = e.top_score;
    j["region"] = nullptr;
    j["area"] = nullptr;
    j["ratio"] = nullptr;
    j["model_hash"] = nullptr;
    j["detector_type"] = nullptr;
    j["model_type"] = nullptr;
  }
  if (include_thumbnail) j["thumbnail"] = e.thumbnail;
  return j;
}

std::string summary14_json(const std::vector<EventRecord>& events, int utc_offset) {
  using Key = std::tuple<std::string, std::string, std::string, std::vector<std::string>>;
  std::map<Key, long long> groups;  // camera, label, day, zones
  for (const EventRecord& e : events) ++groups[{e.camera, e.label, day_hour(e.start_time, utc_offset).first, e.zones}];
  json arr = json::array();
  for (const auto& [k, n] : groups)
    arr.push_back({{"camera", std::get<0>(k)},
                   {"label", std::get<1>(k)},
                   {"sub_label", nullptr},
                   {"day", std::get<2>(k)},
                   {"zones", std::get<3>(k)},
                   {"count", n}});
  return dump(arr);
}

std::string recordings_summary14_json(const std::vector<RecordingFile>& files, const std::vector<double>& event_starts,
                                      const std::vector<ActivityBucket>& activity, int utc_offset) {
  struct Hour {
    double duration = 0;
    long long events = 0;
    double motion = 0;
    long long objects = 0;
  };
  std::map<std::string, std::map<std::string, Hour>> days;  // day → hour → totals
  for (const RecordingFile& f : files) {
    auto [d, h] = day_hour(f.start, utc_offset);
    days[d][h].duration += f.duration;
  }
  // Counted only in hours that have recordings (as Frigate counts its recordings' rows).
  auto recorded_hour = [&days, utc_offset](double t) -> Hour* {
    auto [d, h] = day_hour(t, utc_offset);
    auto it = days.find(d);
    if (it == days.end()) return nullptr;
    auto ht = it->second.find(h);
    return ht == it->second.end() ? nullptr : &ht->second;
  };
  for (double t : event_starts)
    if (Hour* h = recorded_hour(t)) ++h->events;
  for (const ActivityBucket& b : activity)
    if (Hour* h = recorded_hour(b.start)) {
      h->motion += b.motion;
      h->objects += b.objects;
    }
  json arr = json::array();
  for (auto d = days.rbegin(); d != days.rend(); ++d) {
    json hours = json::array();
    long long day_events = 0;
    for (auto h = d->second.rbegin(); h != d->second.rend(); ++h) {
      hours.push_back({{"hour", h->first},
                       {"events", h->second.events},
                       {"motion", std::llround(h->second.motion)},
                       {"objects", h->second.objects},
                       {"duration", std::llround(h->second.duration)}});
      day_events += h->second.events;
    }
    arr.push_back({{"day", d->first}, {"events", day_events}, {"hours", hours}});
  }
  return dump(arr);
}

std::string recordings14_json(const std::string& camera, const std::vector<RecordingFile>& files,
                              const std::vector<ActivityBucket>& activity) {
  json arr = json::array();
  for (const RecordingFile& f : files) {
    double motion = 0;
    long long objects = 0;
    auto b = std::lower_bound(activity.begin(), activity.end(), f.start,
                              [](const ActivityBucket& a, double t) { return a.start < t; });
    for (; b != activity.end() && b->start < f.start + f.duration; ++b) {
      motion += b->motion;
      objects += b->objects;
    }
    char id[64];
    std::snprintf(id, sizeof id, "%.1f-", f.start);
    arr.push_back({{"id", id + camera},
                   {"start_time", f.start},
                   {"end_time", f.start + f.duration},
                   {"segment_size", std::round(double(f.bytes) / 1e4) / 100.0},  // MB
                   {"motion", std::llround(motion)},
                   {"objects", objects},
                   {"duration", std::round(f.duration * 100) / 100.0}});
  }
  return dump(arr);
}

std::string motion_activity14_json(const std::vector<ActivityBucket>& activity, int scale) {
  struct Bin {
    double motion = 0;
    std::set<std::string> cameras;
  };
  std::map<long long, Bin> bins;  // bin start → largest motion of its buckets
  for (const ActivityBucket& b : activity) {
    if (b.motion <= 0) continue;
    const long long start = (long long)std::floor(b.start / scale) * scale;
    Bin& bin = bins[start];
    bin.motion = std::max(bin.motion, b.motion);
    bin.cameras.insert(b.camera);
  }
  json arr = json::array();
  if (bins.empty()) return dump(arr);
  // Every bin from the first to the last (empty ones 0), then min–max to 0–100 per hour of bins.
  std::vector<std::pair<long long, Bin>> all;
  for (long long t = bins.begin()->first; t <= bins.rbegin()->first; t += scale) {
    auto it = bins.find(t);
    all.emplace_back(t, it == bins.end() ? Bin{} : it->second);
  }
  const size_t chunk = std::max<size_t>(1, size_t(3600 / scale));
  for (size_t i = 0; i < all.size(); i += chunk) {
    const size_t end = std::min(all.size(), i + chunk);
    double lo = all[i].second.motion, hi = lo;
    for (size_t j = i; j < end; ++j) {
      lo = std::min(lo, all[j].second.motion);
      hi = std::max(hi, all[j].second.motion);
    }
    for (size_t j = i; j < end; ++j) {
      const auto& [t, bin] = all[j];
      std::string cams;
      for (const std::string& c : bin.cameras) cams += (cams.empty() ? "" : ",") + c;
      const double v = hi > lo ? (bin.motion - lo) / (hi - lo) * 100 : 0.0;
      arr.push_back({{"start_time", t}, {"motion", v}, {"camera", cams}});
    }
  }
  return dump(arr);
}

}  // namespace vigil
