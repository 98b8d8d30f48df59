// The JSON documents of the "0.14" API profile (ha-current.md §5), built from the 0.8
// ones (stats, config) and from the event rows: the shape Frigate 0.14.1 answers, with
// what vigil has (fields it cannot know are null or 0, never made up).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/switches.h"
#include "storage/event_db.h"
#include "storage/recording_hours.h"

namespace vigil {

class ThreadCpuSampler;

// "0.14.1-vigil-<version>": the integration parses the part before the first '-'.
std::string profile14_version();

// /api/stats (§5.1) from the 0.8 document `stats08`: cameras.<cam>, detectors,
// detection_fps, cpu_usages.<tid>.cpu (strings), service with version and
// latest_version "disabled" (vigil's own service keys kept).
std::string stats14_json(const std::string& stats08, const Config& cfg, ThreadCpuSampler& cpu);

// /api/config (§2.4, §5.2) from the 0.8 document `config08` (credentials already masked):
// version "0.14", go2rtc.streams.<cam> (the RTSP restream URL on `rtsp_port`), and
// every per-camera key the integration reads.
std::string config14_json(const std::string& config08, const Config& cfg, const SwitchesMap& switches = {});

// One event (§5.3 list item; `full`: every column of §5.4), with `data`.
nlohmann::json event14(const EventRecord& e, bool include_thumbnail, bool full);

// /api/events/summary (§5.5) of `events`, days in UTC shifted by `utc_offset` seconds.
std::string summary14_json(const std::vector<EventRecord>& events, int utc_offset);

// /api/<camera>/recordings/summary (§5.6): days and hours (UTC shifted by `utc_offset`),
// newest first; `event_starts`: start times of the camera's events (counted per hour);
// `activity`: the camera's activity buckets (motion and objects summed per hour).
std::string recordings_summary14_json(const std::vector<RecordingFile>& files, const std::vector<double>& event_starts,
                                      const std::vector<ActivityBucket>& activity, int utc_offset);

// /api/<camera>/recordings (§5.7); `motion` and `objects` of each file are the sums of
// the `activity` buckets (by start time) that start within it.
std::string recordings14_json(const std::string& camera, const std::vector<RecordingFile>& files,
                              const std::vector<ActivityBucket>& activity);

// GET /api/review/activity/motion (Frigate 0.14's shape): the buckets' motion in bins of
// `scale` seconds (each bin the largest of its buckets), bins from the first to the last
// bucket with motion, then scaled to 0–100 per hour of bins (min to max; an hour whose
// bins are all equal reads 0): [{start_time, motion, camera: "a,b"}].
std::string motion_activity14_json(const std::vector<ActivityBucket>& activity, int scale);

}  // namespace vigil
