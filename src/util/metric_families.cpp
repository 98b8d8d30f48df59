#include "util/metric_families.h"

namespace vigil {

MetricFamily<Histogram>& detector_inference_metric() {
  static auto& f = process_metrics().histogram("vigil_detector_inference_seconds",
                                               "Time one inference took, by detector.", {"name"}, latency_buckets());
  return f;
}

MetricFamily<Counter>& events_finished_metric() {
  static auto& f = process_metrics().counter("vigil_events_finished_total",
                                             "Events finished (stored, or waiting for a retry).", {"camera_name"});
  return f;
}

MetricFamily<Counter>& recording_segments_written_metric() {
  static auto& f = process_metrics().counter("vigil_recording_segments_written_total",
                                             "Recording segments completed, by camera.", {"camera_name"});
  return f;
}

MetricFamily<Counter>& recording_segments_dropped_metric() {
  static auto& f = process_metrics().counter("vigil_recording_segments_dropped_total",
                                             "Recording segments that could not be started or completed, by camera.",
                                             {"camera_name"});
  return f;
}

MetricFamily<Histogram>& clip_assembly_metric() {
  static auto& f = process_metrics().histogram("vigil_clip_assembly_seconds",
                                               "Time assembling one clip from the cache took, by result.", {"result"},
                                               slow_task_buckets());
  return f;
}

MetricFamily<Counter>& http_requests_metric() {
  static auto& f = process_metrics().counter("vigil_http_requests_total",
                                             "HTTP requests answered, by method, route pattern and status.",
                                             {"method", "route", "status"});
  return f;
}

MetricFamily<Counter>& live_viewers_cut_metric() {
  static auto& f = process_metrics().counter("vigil_live_viewers_cut_total",
                                             "Live video viewers (/live/<camera>.mp4) disconnected for falling behind.",
                                             {"camera_name"});
  return f;
}

void register_metric_families(const std::vector<std::string>& cameras) {
  detector_inference_metric();
  clip_assembly_metric();
  http_requests_metric();
  for (const std::string& c : cameras) {
    events_finished_metric().with({c});
    recording_segments_written_metric().with({c});
    recording_segments_dropped_metric().with({c});
    live_viewers_cut_metric().with({c});
  }
}

}  // namespace vigil
