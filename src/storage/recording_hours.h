// The finished 24/7 recording segments of a camera found by walking the recordings
// folders (storage.md §6), for the 0.14 profile's /api/<camera>/recordings[/summary].
// A plain folder scan; nothing is cached.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/recording_roots.h"

namespace vigil {

struct RecordingFile {
  double start = 0;     // Unix time from the file's name (local time of its first packet)
  double duration = 0;  // seconds: until the file was last written, at most until the next segment
  uint64_t bytes = 0;
};

// Segments of `camera` on any tier of `roots` (each once) whose start lies in [after, before), oldest
// first. Folders and files that do not parse are skipped; hour folders wholly outside the
// range are not opened.
std::vector<RecordingFile> recording_files(const RecordingRoots& roots, const std::string& camera, double after,
                                           double before);

}  // namespace vigil
