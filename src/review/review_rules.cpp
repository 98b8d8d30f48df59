#include "review/review_rules.h"

#include <algorithm>

#include "config/config.h"

namespace vigil {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool zones_met(const ReviewLevelConfig& level, const ReviewActiveObject& o) {
  return level.required_zones.empty() || required_zones_met(level.required_zones, o.zones);
}

}  // namespace

const std::vector<std::string>& alert_labels(const CameraConfig& cam) {
  static const std::vector<std::string> kDefault = {"person", "car"};
  return cam.review.alerts.labels ? *cam.review.alerts.labels : kDefault;
}

const std::vector<std::string>& detection_labels(const CameraConfig& cam) {
  return cam.review.detections.labels ? *cam.review.detections.labels : cam.track;
}

bool counts_for_review(const CameraConfig& cam, const ReviewActiveObject& o) {
  return contains(alert_labels(cam), o.label) || contains(detection_labels(cam), o.label);
}

std::optional<ReviewSeverity> object_severity(const CameraConfig& cam, const ReviewActiveObject& o, bool alerts_on,
                                              bool detections_on) {
  if (alerts_on && contains(alert_labels(cam), o.label) && zones_met(cam.review.alerts, o))
    return ReviewSeverity::kAlert;
  if (detections_on && contains(detection_labels(cam), o.label) && zones_met(cam.review.detections, o))
    return ReviewSeverity::kDetection;
  return std::nullopt;
}

}  // namespace vigil
