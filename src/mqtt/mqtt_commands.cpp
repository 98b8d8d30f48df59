#include "mqtt/mqtt_commands.h"

#include <charconv>
#include <cmath>

namespace vigil {
namespace {

const char* on_off(bool v) { return v ? "ON" : "OFF"; }

// The boolean switch `what` of `sw`, or null for numbers and the always-off switches.
std::atomic<bool>* bool_switch(CameraSwitches& sw, const std::string& what) {
  if (what == "detect") return &sw.detect;
  if (what == "clips") return &sw.clips;
  if (what == "snapshots") return &sw.snapshots;
  if (what == "motion") return &sw.motion;
  if (what == "recordings") return &sw.recordings;
  if (what == "improve_contrast") return &sw.improve_contrast;
  if (what == "review_alerts") return &sw.review_alerts;
  if (what == "review_detections") return &sw.review_detections;
  return nullptr;
}

std::optional<int> parse_int(const std::string& s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

const std::vector<std::string>& state_topics() {
  static const std::vector<std::string> k = {"detect",           "motion",           "recordings",         "snapshots",
                                             "improve_contrast", "review_alerts",    "review_detections",  "audio",
                                             "ptz_autotracker",  "motion_threshold", "motion_contour_area"};
  return k;
}

std::pair<int, int> number_range(const std::string& what) {
  return what == "motion_threshold" ? std::pair{5, 80} : std::pair{5, 100};
}

std::string state_payload(const CameraSwitches& sw, const std::string& what) {
  if (what == "motion_threshold") return std::to_string(std::lround(sw.motion_threshold.load()));
  if (what == "motion_contour_area") return std::to_string(sw.motion_contour_area.load());
  if (auto* s = bool_switch(const_cast<CameraSwitches&>(sw), what)) return on_off(s->load());
  return "OFF";  // audio, ptz_autotracker: vigil has neither
}

CommandResult apply_set_command(const SwitchesMap& switches, const SetTopic& t, const std::string& payload) {
  CommandResult r;
  auto it = switches.find(t.camera);
  if (it == switches.end()) return r;
  r.known_camera = true;
  CameraSwitches& sw = *it->second;
  if (t.what == "motion_threshold" || t.what == "motion_contour_area") {
    auto [lo, hi] = number_range(t.what);
    std::optional<int> v = parse_int(payload);
    r.valid = v && *v >= lo && *v <= hi;
    if (r.valid && t.what == "motion_threshold") r.changed = sw.motion_threshold.exchange(*v) != *v;
    if (r.valid && t.what == "motion_contour_area") r.changed = sw.motion_contour_area.exchange(*v) != *v;
    r.payload = state_payload(sw, t.what);
    return r;
  }
  std::optional<bool> v = parse_switch_payload(payload);
  r.valid = v.has_value();
  std::atomic<bool>* s = bool_switch(sw, t.what);
  if (v && *v && (t.what == "audio" || t.what == "ptz_autotracker"))
    r.refused = "vigil has no " + t.what;
  else if (v && *v && t.what == "recordings" && !sw.record_in_config)
    r.refused = "recording is not enabled in the config";
  else if (v && !*v && t.what == "motion" && sw.detect)
    r.refused = "turning off motion is not allowed when detection is enabled";
  else if (v && s)
    r.changed = s->exchange(*v) != *v;
  if (r.valid && r.refused.empty() && t.what == "detect" && *v && !sw.motion.exchange(true))
    r.also.emplace_back("motion", "ON");
  r.state = s && s->load();
  r.payload = state_payload(sw, t.what);
  return r;
}

}  // namespace vigil
