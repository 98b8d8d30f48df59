// One HLS segment cut from MP4 files by stream copy into MPEG-TS, in memory (/vod/,
// ha-current.md §6.3). The video is rewritten to Annex B per file (each file's own
// parameter sets go in-band before every keyframe), and its timestamps follow the
// playlist's timeline, so consecutive segments continue each other across files.
#pragma once

#include <string>
#include <vector>

#include "storage/vod_plan.h"

namespace vigil {

// Added to every timestamp of a segment: the playlist's time 0 is this far into the
// MPEG-TS clock, so decode times before the first picture stay positive.
inline constexpr double kVodTimestampOffset = 10.0;

// Writes the samples `pieces` name (vod_pieces) of `files` as one MPEG-TS into `out`;
// false with the cause (libav's message, the file) in `error`.
bool write_ts_segment(const std::vector<IndexedMedia>& files, const std::vector<VodPiece>& pieces, std::string* out,
                      std::string* error);

}  // namespace vigil
