#include "camera/frame_summary.h"

#include <algorithm>

namespace vigil {

FrameSummary summarize_frame(const CameraConfig& cfg, double frame_time,
                             const std::map<std::string, TrackedObject>& objects) {
  FrameSummary s;
  s.frame_time = frame_time;
  for (const std::string& label : cfg.track) s.counts[label] = s.active_counts[label] = 0;
  for (const ZoneConfig& z : cfg.zones)
    for (const std::string& label : cfg.track) s.zone_counts[z.name][label] = s.zone_active_counts[z.name][label] = 0;
  for (const auto& [id, o] : objects) {
    if (!o.true_positive) continue;
    s.counts[o.label]++;
    if (!o.stationary) {
      s.active_counts[o.label]++;
      s.active.push_back({o.label, o.entered_zones, o.id, o.box});
    }
    for (const std::string& z : o.current_zones) {
      if (auto it = s.zone_counts.find(z); it != s.zone_counts.end()) it->second[o.label]++;
      if (o.stationary) continue;
      if (auto it = s.zone_active_counts.find(z); it != s.zone_active_counts.end()) it->second[o.label]++;
    }
  }
  return s;
}

}  // namespace vigil
