// The /api/stats document (http-api.md §2.4), also published on MQTT <prefix>/stats.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "detect/detector_pool.h"
#include "storage/free_space.h"

namespace vigil {

class Camera;

// vigil-only counters, shown inside `service` (never as top-level keys). Besides these,
// `service.degraded` shows each camera's input and recording failures and each
// detector's restarts (CameraStats, DetectorStats); docs/architecture.md §Errors.
struct ServiceCounters {
  uint64_t rejected_ingress_headers = 0;  // X-Ingress-Path values ignored as unsafe
  // HttpCounters (`service.http`): connections answered 503 at once, requests refused
  // by a size or time limit, connections open now.
  uint64_t http_rejected_connections = 0, http_refused_requests = 0, http_open_connections = 0;
  // EventStore::Health: snapshots not written, wanted clips not made, rows waiting for
  // a database retry.
  uint64_t snapshot_failures = 0, clip_failures = 0, event_rows_waiting = 0;
  // MqttService::Health, shown when MQTT is enabled.
  bool mqtt_enabled = false, mqtt_connected = false;
  uint64_t mqtt_failed_attempts = 0, mqtt_dropped_messages = 0;
};

// What the free-space floor sees of a media folder (storage.md §9): its free-space probe
// (statvfs, or the test hook's capacity) and whether its file system is below the floor
// with nothing left to delete (`service.storage.<folder>.below_floor`).
struct StorageFloorView {
  FreeSpaceFn free_bytes;
  std::function<bool(const std::string& path)> below_floor;
  // The per-camera accounting (app/storage_json.h), shown as `cameras` inside the
  // recordings folder's entry: service.storage keeps one entry per folder (0.8 clients
  // read every entry as a folder).
  std::function<nlohmann::json()> recording_cameras;
  // The archive tiers (app/storage_json.h storage_tiers_json): each gets its own folder
  // entry with a `tier` object (total/used/free 0 while it cannot be used).
  std::function<nlohmann::json()> storage_tiers;
};

// A media folder's file system in bytes (statvfs, or the floor's view: the test hook's
// capacity), as /api/stats `service.storage` shows it in MB and /api/metrics in bytes.
struct FolderSpace {
  double total = 0, used = 0, free = 0;
  bool below_floor = false;  // below the free-space floor with nothing left to delete
};
std::optional<FolderSpace> folder_space(const std::string& path, const StorageFloorView& floor);

// The process's resident set (/proc/self/statm), bytes.
int64_t resident_memory_bytes();

// Secrets redacted (config/redact.h) like /api/config.
std::string stats_json(const Config& cfg, const std::vector<Camera*>& cameras,
                       const std::vector<DetectorStats>& detectors, double uptime_seconds,
                       const ServiceCounters& counters = {}, const StorageFloorView& floor = {});

}  // namespace vigil
