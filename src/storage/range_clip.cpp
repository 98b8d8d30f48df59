#include "storage/range_clip.h"

#include <algorithm>

namespace vigil {

std::vector<CacheSegment> recordings_as_segments(const std::vector<IndexedMedia>& files) {
  std::vector<CacheSegment> out;
  double prev_end = 0;
  for (const IndexedMedia& f : files) {
    if (f.dts.empty()) continue;
    // Wall time of the first sample: the name's second, never before the previous end.
    const double first = std::max(f.start, prev_end);
    CacheSegment s;
    s.part_path = s.final_path = f.path;
    s.closed = true;
    s.wall0 = first - f.dts.front();  // SegmentReader times are file times
    s.end = first + f.duration;
    for (double k : f.keyframes) s.keyframes.push_back(s.wall0 + k);
    prev_end = s.end;
    out.push_back(std::move(s));
  }
  return out;
}

ClipResult range_clip(const RecordingRoots& roots, const std::string& camera, double start, double end,
                      const std::string& out_path, const ClipProgress& progress) {
  const std::vector<IndexedMedia> files = recordings_overlapping(roots, camera, start, end);
  if (files.empty()) {
    ClipResult r;
    r.why = "no recordings of " + camera + " in the range";
    return r;
  }
  std::vector<CacheSegment> segs = recordings_as_segments(files);
  // A range that starts before the first recording starts at its first picture (not
  // with seconds of nothing before it, which an edit list would make).
  if (!segs.empty() && !segs.front().keyframes.empty()) start = std::max(start, segs.front().keyframes.front());
  return assemble_clip(segs, start, end, out_path, progress);
}

}  // namespace vigil
