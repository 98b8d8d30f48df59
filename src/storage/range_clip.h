// One MP4 of a camera's 24/7 recordings over a wall-time range (ha-current.md §2.5:
// /api/<camera>/start/<s>/end/<e>/clip.mp4, and the fallback of an event's clip.mp4),
// by stream copy: the recordings overlapping the range are handed to assemble_clip as if
// they were clip-cache segments, so the clip is cut exactly as event clips are (from the
// keyframe at or before `start`, an edit list starting playback at `start`, gaps longer
// than 1 s skipped, one set of codec parameters, index first, published atomically).
#pragma once

#include <string>
#include <vector>

#include "storage/clip_assembler.h"
#include "storage/clip_cache.h"
#include "storage/recording_index.h"
#include "storage/recording_roots.h"

namespace vigil {

// The recordings (recordings_overlapping, oldest first) as clip-cache segments on the
// wall clock. A recording's name gives its start to the second only, so a file that
// would begin before the previous one ends is moved to that end: files never overlap
// (an overlap would drop the next file's first keyframe).
std::vector<CacheSegment> recordings_as_segments(const std::vector<IndexedMedia>& files);

// Cuts [start, end] of `camera`'s recordings into `out_path` (a range starting before
// the first recording starts at its first keyframe). Fails (ok = false, why)
// when no recording covers the range.
ClipResult range_clip(const RecordingRoots& roots, const std::string& camera, double start, double end,
                      const std::string& out_path, const ClipProgress& progress = {});

}  // namespace vigil
