// What MQTT needs to know about a camera after each processed frame (mqtt.md §2.2–2.4):
// true-positive counts per label and per zone and label, and the labels whose best
// object changed in this frame.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "review/review_rules.h"
#include "tracking/objects.h"

namespace vigil {

struct FrameSummary {
  double frame_time = 0;
  std::map<std::string, int> counts;                              // label → true positives (every tracked label)
  std::map<std::string, std::map<std::string, int>> zone_counts;  // zone → label → true positives in it
  std::vector<TrackedObject> new_best;                            // best object per label that changed
  // 0.14 (ha-current.md §3.4): the frame had motion boxes; true positives that are not
  // stationary, per label and per zone and label; the active objects' labels and zones
  // (what review_status is decided from).
  bool motion = false;
  std::map<std::string, int> active_counts;
  std::map<std::string, std::map<std::string, int>> zone_active_counts;
  using Active = ReviewActiveObject;  // label, entered zones, id, box
  std::vector<Active> active;
};

// Counts of `objects` for the camera's tracked labels and zones.
FrameSummary summarize_frame(const CameraConfig& cfg, double frame_time,
                             const std::map<std::string, TrackedObject>& objects);

}  // namespace vigil
