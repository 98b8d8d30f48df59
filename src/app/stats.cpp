#include "app/stats.h"

#include <malloc.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "camera/camera.h"
#include "config/redact.h"
#include "detect/detector_pool.h"
#include "storage/event_db.h"

namespace vigil {
namespace {

double round1(double v) { return std::round(v * 10.0) / 10.0; }

// File-system type of the longest mount point containing `path` (/proc/mounts).
std::string mount_type(const std::string& path) {
  std::ifstream in("/proc/mounts");
  std::string line, best_dir, best_type;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string dev, dir, type;
    ls >> dev >> dir >> type;
    bool contains = path == dir || (path.rfind(dir, 0) == 0 && (dir == "/" || path[dir.size()] == '/'));
    if (contains && dir.size() >= best_dir.size()) {
      best_dir = dir;
      best_type = type;
    }
  }
  return best_type;
}

nlohmann::json storage(const std::string& path, const StorageFloorView& floor) {
  const std::optional<FolderSpace> fs = folder_space(path, floor);
  if (!fs) return nullptr;
  nlohmann::json j = {{"total", round1(fs->total / 1e6)},
                      {"used", round1(fs->used / 1e6)},
                      {"free", round1(fs->free / 1e6)},
                      {"mount_type", mount_type(path)}};
  if (floor.below_floor) j["below_floor"] = fs->below_floor;
  return j;
}

// Where the process's memory is (vigil-only, bytes): resident set, what the allocator has
// handed out and what it holds free (arenas keep freed memory), and SQLite's share of the
// handed-out part. Tells a cache that fills from a leak or fragmentation.
nlohmann::json memory() {
  struct mallinfo2 m = mallinfo2();
  return {{"rss", resident_memory_bytes()},
          {"heap_in_use", int64_t(m.uordblks + m.hblkhd)},
          {"heap_free", int64_t(m.fordblks)},
          {"sqlite", sqlite_memory_bytes()}};
}

}  // namespace

std::optional<FolderSpace> folder_space(const std::string& path, const StorageFloorView& floor) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) return std::nullopt;
  const double unit = double(st.f_frsize);
  FolderSpace fs{st.f_blocks * unit, (st.f_blocks - st.f_bfree) * unit, st.f_bavail * unit, false};
  if (floor.free_bytes) {  // the floor's own view (the test hook's small disk included)
    fs.free = double(floor.free_bytes(path));
    if (std::optional<uint64_t> cap = test_fs_capacity()) {
      fs.total = double(*cap);
      fs.used = double(*cap) - fs.free;
    }
  }
  if (floor.below_floor) fs.below_floor = floor.below_floor(path);
  return fs;
}

int64_t resident_memory_bytes() {
  long pages = 0, resident = 0;
  std::ifstream("/proc/self/statm") >> pages >> resident;
  return int64_t(resident) * sysconf(_SC_PAGESIZE);
}

std::string stats_json(const Config& cfg, const std::vector<Camera*>& cameras,
                       const std::vector<DetectorStats>& detectors, double uptime_seconds,
                       const ServiceCounters& counters, const StorageFloorView& floor) {
  nlohmann::json j = nlohmann::json::object();
  nlohmann::json degraded = {
      {"input_failures", nlohmann::json::object()},    {"recording_failures", nlohmann::json::object()},
      {"recording_gaps", nlohmann::json::object()},    {"clip_cache_gaps", nlohmann::json::object()},
      {"detector_restarts", nlohmann::json::object()}, {"snapshot_failures", counters.snapshot_failures},
      {"clip_failures", counters.clip_failures},       {"event_rows_waiting", counters.event_rows_waiting}};
  if (counters.mqtt_enabled)
    degraded["mqtt"] = {{"connected", counters.mqtt_connected},
                        {"failed_attempts", counters.mqtt_failed_attempts},
                        {"dropped_messages", counters.mqtt_dropped_messages}};
  nlohmann::json shedding = nlohmann::json::object();
  double total_detection = 0;
  for (Camera* cam : cameras) {
    CameraStats s = cam->stats();
    shedding[cam->name()] = {{"active", s.shedding}, {"frames_skipped", s.frames_skipped}};
    degraded["input_failures"][cam->name()] = s.input_failures;
    degraded["recording_failures"][cam->name()] = s.recording_failures;
    degraded["recording_gaps"][cam->name()] = s.recording_gaps;
    degraded["clip_cache_gaps"][cam->name()] = s.clip_cache_gaps;
    j[cam->name()] = {{"camera_fps", s.camera_fps},
                      {"process_fps", s.process_fps},
                      {"skipped_fps", s.skipped_fps},
                      {"detection_fps", s.detection_fps},
                      {"pid", s.pid},
                      {"capture_pid", s.capture_pid}};
    total_detection += s.detection_fps;
  }
  j["detection_fps"] = std::round(total_detection * 100.0) / 100.0;
  j["detectors"] = nlohmann::json::object();
  for (const DetectorStats& d : detectors) {
    j["detectors"][d.name] = {
        {"inference_speed", d.inference_speed}, {"detection_start", d.detection_start}, {"pid", d.pid}};
    degraded["detector_restarts"][d.name] = d.restarts;
  }
  nlohmann::json st = nlohmann::json::object();
  for (const char* sub : {"recordings", "clips", "cache"}) {
    std::string p = cfg.media_dir + "/" + sub;
    st[p] = storage(p, floor);
    if (std::string(sub) == "recordings" && floor.recording_cameras && st[p].is_object())
      st[p]["cameras"] = floor.recording_cameras();
  }
  const nlohmann::json tiers = floor.storage_tiers ? floor.storage_tiers() : nlohmann::json::object();
  for (const auto& [dir, tier] : tiers.items()) {
    nlohmann::json e = tier.value("state", "") == "ok" ? storage(dir, floor) : nullptr;
    if (!e.is_object()) e = {{"total", 0.0}, {"used", 0.0}, {"free", 0.0}, {"mount_type", ""}};
    e["tier"] = tier;
    st[dir] = std::move(e);
  }
  j["service"] = {{"uptime", int64_t(uptime_seconds)},
                  {"version", std::string("0.8.4-vigil-") + VIGIL_VERSION},
                  {"storage", st},
                  {"rejected_ingress_headers", counters.rejected_ingress_headers},
                  {"http",
                   {{"rejected_connections", counters.http_rejected_connections},
                    {"refused_requests", counters.http_refused_requests},
                    {"open_connections", counters.http_open_connections}}},
                  {"degraded", degraded},
                  {"shedding", shedding},
                  {"memory", memory()}};
  redact_json(j);
  return j.dump(-1, ' ', true);
}

}  // namespace vigil
