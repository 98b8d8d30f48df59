#include "app/metrics_doc.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "camera/camera.h"
#include "storage/free_space.h"
#include "util/metrics.h"

namespace vigil {
namespace {

using L = MetricLabels;

// One family written from values read now (the registry's families are written after).
void gauge_family(MetricsText& out, const char* name, const char* help,
                  const std::vector<std::pair<L, double>>& samples, const char* type = "gauge") {
  out.family(name, type, help);
  for (const auto& [labels, v] : samples) out.sample(name, labels, v);
}

void counter_family(MetricsText& out, const char* name, const char* help,
                    const std::vector<std::pair<L, double>>& samples) {
  gauge_family(out, name, help, samples, "counter");
}

}  // namespace

double process_cpu_seconds() {
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (in parentheses, may hold spaces): state is field 3,
  // utime 14 and stime 15 (proc(5)).
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  const long ticks = sysconf(_SC_CLK_TCK);
  return ticks > 0 ? double(utime + stime) / double(ticks) : 0;
}

std::map<std::string, uint64_t> MediaFolderBytes::get(double mono_now) {
  std::map<std::string, uint64_t> out;
  {
    std::lock_guard lock(mu_);
    if (mono_now - walked_at_ >= kWalkPeriod) {
      for (const char* sub : {"clips", "cache"}) walk_[sub] = bytes_used_under({media_dir_ + "/" + sub});
      walked_at_ = mono_now;
    }
    out = walk_;
  }
  if (recordings_bytes_) out["recordings"] = recordings_bytes_();
  return out;
}

std::string metrics_document(const MetricsInputs& in, const MetricsRegistry& registry) {
  MetricsText out;
  // Cameras (Frigate's names and `camera_name` label).
  std::vector<std::pair<L, double>> camera_fps, process_fps, skipped_fps, detection_fps, input_failures, recording_gaps,
      frames_skipped, open_events;
  double total_detection = 0;
  for (Camera* cam : in.cameras) {
    const CameraStats s = cam->stats();
    const L l = {{"camera_name", cam->name()}};
    camera_fps.emplace_back(l, s.camera_fps);
    process_fps.emplace_back(l, s.process_fps);
    skipped_fps.emplace_back(l, s.skipped_fps);
    detection_fps.emplace_back(l, s.detection_fps);
    input_failures.emplace_back(l, double(s.input_failures));
    recording_gaps.emplace_back(l, double(s.recording_gaps));
    frames_skipped.emplace_back(l, double(s.frames_skipped));
    auto it = in.open_events.find(cam->name());
    open_events.emplace_back(l, it == in.open_events.end() ? 0.0 : double(it->second));
    total_detection += s.detection_fps;
  }
  gauge_family(out, "frigate_camera_fps", "Frames per second being consumed from your camera.", camera_fps);
  gauge_family(out, "frigate_process_fps", "Frames per second being processed by frigate.", process_fps);
  gauge_family(out, "frigate_skipped_fps", "Frames per second skip for processing by frigate.", skipped_fps);
  gauge_family(out, "frigate_detection_fps", "Number of times detection is run per second.", detection_fps);
  gauge_family(out, "frigate_detection_total_fps", "Sum of detection_fps across all cameras and detectors.",
               {{{}, total_detection}});
  counter_family(out, "vigil_camera_input_failures_total",
                 "Connections of the camera's inputs that failed or were lost (each retried).", input_failures);
  counter_family(out, "vigil_camera_frames_shed_total",
                 "Frames the processing thread was too busy for (motion and detection shed them).", frames_skipped);
  counter_family(out, "vigil_recording_gaps_total",
                 "Drop streaks the recorder left when its queue was full (the disk was behind).", recording_gaps);
  gauge_family(out, "vigil_events_open", "Events in progress (or ending, not yet stored).", open_events);

  // Detectors (Frigate's `name` label).
  std::vector<std::pair<L, double>> speed, start, restarts;
  for (const DetectorStats& d : in.detectors) {
    const L l = {{"name", d.name}};
    speed.emplace_back(l, d.inference_speed / 1000.0);
    start.emplace_back(l, d.detection_start);
    restarts.emplace_back(l, double(d.restarts));
  }
  gauge_family(out, "frigate_detector_inference_speed_seconds", "Time spent running object detection in seconds.",
               speed);
  gauge_family(out, "frigate_detection_start", "Detector start time (unix timestamp)", start);
  counter_family(out, "vigil_detector_restarts_total", "Stuck inferences the watchdog restarted.", restarts);
  gauge_family(out, "vigil_detector_queue_depth", "Detection requests waiting for a detector.",
               {{{}, double(in.detector_queue)}});

  // Storage: each media folder's file system (Frigate's `storage` label: the path), and
  // the bytes each folder holds.
  std::vector<std::pair<L, double>> total, used, free, below;
  for (const char* sub : {"recordings", "clips", "cache"}) {
    const std::string p = in.cfg->media_dir + "/" + sub;
    const std::optional<FolderSpace> fs = folder_space(p, in.floor);
    if (!fs) continue;
    const L l = {{"storage", p}};
    total.emplace_back(l, fs->total);
    used.emplace_back(l, fs->used);
    free.emplace_back(l, fs->free);
    below.emplace_back(l, fs->below_floor ? 1 : 0);
  }
  gauge_family(out, "frigate_storage_free_bytes", "Storage free bytes", free);
  gauge_family(out, "frigate_storage_total_bytes", "Storage total bytes", total);
  gauge_family(out, "frigate_storage_used_bytes", "Storage used bytes", used);
  gauge_family(out, "vigil_storage_below_floor",
               "1 when the folder's file system is below the free-space floor with nothing left to delete.", below);
  std::vector<std::pair<L, double>> folder_bytes;
  for (const auto& [folder, bytes] : in.folder_bytes) folder_bytes.emplace_back(L{{"folder", folder}}, double(bytes));
  gauge_family(out, "vigil_media_folder_bytes", "Bytes the files of a media folder take.", folder_bytes);

  // Event storage degraded modes.
  counter_family(out, "vigil_snapshot_failures_total", "Event snapshots that could not be written.",
                 {{{}, double(in.counters.snapshot_failures)}});
  counter_family(out, "vigil_clip_failures_total", "Wanted event clips that ended without one.",
                 {{{}, double(in.counters.clip_failures)}});
  gauge_family(out, "vigil_event_rows_waiting", "Finished events whose database row waits for a retry.",
               {{{}, double(in.counters.event_rows_waiting)}});

  // MQTT, when enabled.
  if (in.counters.mqtt_enabled) {
    gauge_family(out, "vigil_mqtt_connected", "1 while connected to the MQTT broker.",
                 {{{}, in.counters.mqtt_connected ? 1.0 : 0.0}});
    counter_family(out, "vigil_mqtt_dropped_messages_total", "MQTT messages dropped (queue full or not connected).",
                   {{{}, double(in.counters.mqtt_dropped_messages)}});
    counter_family(out, "vigil_mqtt_failed_connection_attempts_total", "Failed attempts to connect to the broker.",
                   {{{}, double(in.counters.mqtt_failed_attempts)}});
  }

  // HTTP connections (the requests are counted by the server, below).
  counter_family(out, "vigil_http_rejected_connections_total",
                 "Connections answered 503 at once (no thread free, or too many open).",
                 {{{}, double(in.counters.http_rejected_connections)}});
  counter_family(out, "vigil_http_refused_requests_total", "Requests refused by a size or time limit.",
                 {{{}, double(in.counters.http_refused_requests)}});
  gauge_family(out, "vigil_http_open_connections", "Connections open now (idle ones included).",
               {{{}, double(in.counters.http_open_connections)}});

  // The process.
  gauge_family(out, "frigate_service_uptime_seconds", "Uptime seconds", {{{}, double(int64_t(in.uptime_seconds))}});
  counter_family(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                 {{{}, process_cpu_seconds()}});
  gauge_family(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
               {{{}, double(resident_memory_bytes())}});

  registry.write(out);
  return out.text();
}

}  // namespace vigil
