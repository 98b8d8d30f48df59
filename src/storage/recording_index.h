// The 24/7 recordings of a camera over a time range, read from the folders and the MP4
// index only (no decoding, no probing): what HLS playlists (/vod/) are planned from.
// Names are local time (media_layout.h); there is no database of recordings, so the hour
// folders a range touches are scanned on each call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/media_layout.h"
#include "storage/recording_roots.h"

struct AVFormatContext;

namespace vigil {

// One finished MP4 (a recording segment or an event clip) as its index describes it.
struct IndexedMedia {
  std::string path;
  std::string id;                 // recordings: the local start stamp YYYYmmddHHMMSS; a clip: "c"
  double start = 0;               // Unix time of file time 0 (a recording's name, to the second)
  double duration = 0;            // seconds of video (the track's duration)
  std::vector<double> dts;        // every video sample's decode time, seconds, ascending
  std::vector<double> keyframes;  // decode times of the keyframes (a subset of dts)
  int width = 0, height = 0;
  uint64_t bytes = 0;  // file size
};

// Opens an MP4 for /vod/ as nginx-vod does (`vod_ignore_edit_list on`): every stored
// sample, from the file's first (a clip's edit list starts it mid-GOP; HLS starts at
// the keyframe before). libav's result code.
int open_ignoring_edit_list(AVFormatContext** fmt, const std::string& path);

// Reads `path`'s video index; nullopt (with `error`) when it is no readable MP4 with video.
std::optional<IndexedMedia> index_media(const std::string& path, std::string* error = nullptr);

// "YYYYmmddHHMMSS" of a recording's name, and back (the camera given).
std::string recording_id(const RecordingSegmentName& n);
std::optional<RecordingSegmentName> parse_recording_id(const std::string& camera, const std::string& id);

// Finished recordings of `camera` whose names (start times) lie in [from, to], oldest
// first (by start time, then name), each once whichever tiers hold it. Reads folders only.
std::vector<RecordingSegmentName> recordings_between(const RecordingRoots& roots, const std::string& camera,
                                                     double from, double to);

// Recordings longer than this are not expected (Frigate's MAX_SEGMENT_DURATION): a file
// starting this long before a range cannot overlap it.
inline constexpr double kMaxRecordingSeconds = 600;

// Finished recordings of `camera` overlapping [start, end] (Frigate 0.14's vod_ts
// selection), oldest first, with their index. Files that cannot be read are skipped.
std::vector<IndexedMedia> recordings_overlapping(const RecordingRoots& roots, const std::string& camera, double start,
                                                 double end);

}  // namespace vigil
