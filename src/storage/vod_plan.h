// The HLS plan of a run of MP4 files (/vod/, ha-current.md §6.3): the files play back to
// back from the first keyframe of the first (the playlist's time 0; gaps between files
// collapse, as Frigate's `discontinuity: false`), cut into
// segments of about `target` seconds that start at keyframes. A segment's name holds
// everything needed to cut it again (its place on the playlist's timeline and its first
// and end points in the files), so segments are served statelessly and the names of a
// range that grows (an event in progress) stay valid.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/recording_index.h"

namespace vigil {

// A point in a file: its id (IndexedMedia::id) and seconds after its first sample's
// decode time.
struct VodPoint {
  std::string id;
  double offset = 0;
};

struct VodSegment {
  double position = 0;  // seconds from the playlist's start
  double duration = 0;  // seconds (0 when parsed from a name)
  VodPoint from;        // first sample (a keyframe)
  VodPoint to;          // end, exclusive: the next segment's first sample or the run's end
  double wall = 0;      // Unix time of `from` (its file's start + offset); 0 when unknown (a clip, a parsed name)

  // "seg-<position ms>-<from id>-<from ms>-<to id>-<to ms>.ts"
  std::string name() const;
  static std::optional<VodSegment> parse(const std::string& name);
};

// `files`: consecutive, oldest first. The last file is cut before the sample at or after
// wall time `end` (IndexedMedia::start + offset); pass +inf for no cut.
std::vector<VodSegment> plan_vod(const std::vector<IndexedMedia>& files, double end, double target = 10);

// Samples a segment takes from one file: decode-time offsets in [begin, stop), output
// from `base` seconds of the playlist on.
struct VodPiece {
  size_t file = 0;  // index in the files given
  double begin = 0, stop = 0;
  double base = 0;
};
// The pieces of `seg` over `files`, which must run from seg.from.id to seg.to.id (as
// recordings_between lists them); empty if they do not.
std::vector<VodPiece> vod_pieces(const VodSegment& seg, const std::vector<IndexedMedia>& files);

// Offsets within this of a named point are that point (names hold milliseconds).
inline constexpr double kVodPointTolerance = 0.001;

}  // namespace vigil
