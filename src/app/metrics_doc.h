// The /api/metrics document (docs/metrics.md): what /api/stats shows, read from the same
// sources at scrape time, then the counters and histograms the stages keep in
// process_metrics() (util/metrics.h). Prometheus text exposition format 0.0.4.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "app/stats.h"
#include "config/config.h"
#include "detect/detector_pool.h"

namespace vigil {

class Camera;
class MetricsRegistry;

// What one scrape reads.
struct MetricsInputs {
  const Config* cfg = nullptr;
  std::vector<Camera*> cameras;
  std::vector<DetectorStats> detectors;
  size_t detector_queue = 0;  // requests waiting for a detector
  double uptime_seconds = 0;
  ServiceCounters counters;
  StorageFloorView floor;
  std::map<std::string, size_t> open_events;     // per camera: events in progress
  std::map<std::string, uint64_t> folder_bytes;  // "clips", "recordings", "cache": bytes used
};

// The bytes each media folder holds: recordings from the recordings index (cheap), clips
// and cache by walking them, at most once per kWalkPeriod (scrapes in between get the last walk).
class MediaFolderBytes {
 public:
  static constexpr double kWalkPeriod = 60;  // s
  MediaFolderBytes(std::string media_dir, std::function<uint64_t()> recordings_bytes)
      : media_dir_(std::move(media_dir)), recordings_bytes_(std::move(recordings_bytes)) {}
  std::map<std::string, uint64_t> get(double mono_now);

 private:
  const std::string media_dir_;
  const std::function<uint64_t()> recordings_bytes_;
  std::mutex mu_;                         // guards the two below; held during a walk (scrapes only)
  double walked_at_ = -1e18;              // mono s of the last walk
  std::map<std::string, uint64_t> walk_;  // its result: "clips", "cache"
};

std::string metrics_document(const MetricsInputs& in, const MetricsRegistry& registry);

// CPU seconds (user + system) this process has used (/proc/self/stat); 0 when unreadable.
double process_cpu_seconds();

}  // namespace vigil
