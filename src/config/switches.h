// Runtime switches of a camera (MQTT `…/set`, mqtt.md §3): detection, clips and
// snapshots. They start at the config values and live until restart. The processing
// thread (detect), the events thread (clips, snapshots), MQTT and /api/config share one
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

  CameraSwitches() = default;
  explicit CameraSwitches(const CameraConfig& c)
      : detect(c.detect_enabled), clips(c.clips.enabled), snapshots(c.snapshots.enabled) {}
};

// Camera name → its switches.
using SwitchesMap = std::map<std::string, std::shared_ptr<CameraSwitches>>;

// The /api/config document `doc` (config_to_api_json) with the cameras' current
// `detect.enabled`, `clips.enabled` and `snapshots.enabled`.
std::string config_json_with_switches(const std::string& doc, const SwitchesMap& switches);

}  // namespace vigil
