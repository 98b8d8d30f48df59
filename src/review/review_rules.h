// Which active objects count for review and what severity they make (ha-current.md §7.2,
// the camera's `review` config): the one decision review segments and so `review_status`
// follow.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "storage/review_record.h"
#include "util/box.h"

namespace vigil {

// A true-positive object that is not stationary in this frame (camera/frame_summary).
struct ReviewActiveObject {
  std::string label;
  std::vector<std::string> zones;  // entered so far, first-entry order
  std::string id;                  // the tracked object's (= its event's) id
  Box box;                         // in the camera's pixels
};

// Alert labels: `review.alerts.labels`, else 0.14's default person and car.
const std::vector<std::string>& alert_labels(const CameraConfig& cam);
// Detection labels: `review.detections.labels`, else every tracked label.
const std::vector<std::string>& detection_labels(const CameraConfig& cam);
// The object's label is an alert or a detection label (it is part of a segment).
bool counts_for_review(const CameraConfig& cam, const ReviewActiveObject& o);
// The severity `o` makes: alert if its label is an alert label and it entered one of
// `alerts.required_zones` (if any) and alerts are on; else detection likewise; else none.
std::optional<ReviewSeverity> object_severity(const CameraConfig& cam, const ReviewActiveObject& o, bool alerts_on,
                                              bool detections_on);

}  // namespace vigil
