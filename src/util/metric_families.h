// The metric families the stages count into where things happen (docs/metrics.md), in
// one place: their names, help and labels. Each is registered in process_metrics() on
// first call; register_metric_families() makes them all at start, so a scrape shows
// every family (with # HELP and # TYPE) before its first sample.
#pragma once

#include <string>
#include <vector>

#include "util/metrics.h"

namespace vigil {

MetricFamily<Histogram>& detector_inference_metric();        // {name}: seconds per inference
MetricFamily<Counter>& events_finished_metric();             // {camera_name}
MetricFamily<Counter>& recording_segments_written_metric();  // {camera_name}
MetricFamily<Counter>& recording_segments_dropped_metric();  // {camera_name}: not started or not completed
MetricFamily<Histogram>& clip_assembly_metric();             // {result}: seconds per clip
MetricFamily<Counter>& http_requests_metric();               // {method, route, status}
MetricFamily<Counter>& live_viewers_cut_metric();            // {camera_name}: live viewers cut for falling behind

// Makes every family above, and for each of `cameras` its per-camera children (at 0).
void register_metric_families(const std::vector<std::string>& cameras);

}  // namespace vigil
