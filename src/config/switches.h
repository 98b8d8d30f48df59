// Runtime switches of a camera (MQTT `…/set`, mqtt.md §3 and ha-current.md §3.3):
// detection, clips, snapshots and the 0.14 switches and numbers. They start at the config values and live until
// restart. The processing thread (detect), the events thread (clips, snapshots), MQTT and /api/config share one
// instance per camera.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "config/config.h"

namespace vigil {

struct CameraSwitches {
  std::atomic<bool> detect{true}, clips{false}, snapshots{false};
  // 0.14 (ha-current.md §3.3), each read lock-free by the thread that acts on it:
  // motion detection (processing thread; OFF only while detect is off), 24/7 recording
  // (the recorder's gate: OFF ends the segment at the next keyframe), contrast
  // normalisation before motion detection, and the review levels that review_status reports.
  std::atomic<bool> motion{true}, recordings{false}, improve_contrast{false};
  std::atomic<bool> review_alerts{true}, review_detections{true};
  // The live motion detector's threshold (1–255) and contour area (processing thread).
  std::atomic<double> motion_threshold{25};
  std::atomic<int> motion_contour_area{100};
  bool record_in_config = false;  // fixed: recordings ON is refused without record.enabled

  CameraSwitches() = default;
  explicit CameraSwitches(const CameraConfig& c)
      : detect(c.detect_enabled),
        clips(c.clips.enabled),
        snapshots(c.snapshots.enabled),
        recordings(c.record_enabled),
        motion_threshold(c.motion.threshold),
        motion_contour_area(c.motion.contour_area),
        record_in_config(c.record_enabled) {}
};

// Camera name → its switches.
using SwitchesMap = std::map<std::string, std::shared_ptr<CameraSwitches>>;

// The /api/config document `doc` (config_to_api_json) with the cameras' current
// `detect.enabled`, `clips.enabled` and `snapshots.enabled`.
std::string config_json_with_switches(const std::string& doc, const SwitchesMap& switches);

}  // namespace vigil
