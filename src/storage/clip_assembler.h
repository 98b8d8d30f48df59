// Cuts an event clip out of the clip cache (storage.md §4.2): stream copy from the last
// keyframe at or before `a` to the last packet at or before `b`, timestamps rebased so
// `a` is time 0 (earlier packets get negative times and the MP4 edit list starts
// playback at `a`), gaps in the cache skipped, the index (`moov`) first. Written to a
// dot-named temporary and published atomically (§7).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "storage/clip_cache.h"

namespace vigil {

struct ClipResult {
  bool ok = false;
  std::string why;      // when !ok
  double duration = 0;  // seconds of video from `a` (the edit list's start)
  int packets = 0;
};

// How far a cut has got, 0..1 of [a, b] copied (called from the cutting thread now and
// then); returning false cancels the cut (nothing is published; why = "cancelled").
using ClipProgress = std::function<bool(double)>;

// `segments` oldest first (ClipCache::segments(a, b)). Never throws.
ClipResult assemble_clip(const std::vector<CacheSegment>& segments, double a, double b, const std::string& out_path,
                         const ClipProgress& progress = {});

// A finished fragmented segment (`in`) as a regular MP4 at `out` with the index first,
// same packets and timestamps (stream copy), published atomically (§6, §7). Fails when
// it holds less than `min_seconds` of video. Never throws.
ClipResult finalize_segment(const std::string& in, const std::string& out, double min_seconds = 0);

}  // namespace vigil
