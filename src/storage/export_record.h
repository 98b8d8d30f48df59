// One export: a time range of one camera's recordings cut into a single MP4 by stream
// copy (the `export` table of Frigate 0.14, plus vigil's range and failure columns).
#pragma once

#include <string>

namespace vigil {

struct ExportRecord {
  std::string id;  // "<camera>_<6 of [a-z0-9]>" (Frigate 0.14's form); also the file's stem
  std::string camera;
  std::string name;         // the user's name for it (≤ 256 bytes), renameable
  double date = 0;          // Frigate: the range's start (what its UI sorts and shows)
  std::string video_path;   // <media>/exports/<id>.mp4 (absolute, as Frigate stores it)
  std::string thumb_path;   // "" (vigil makes no export thumbnail)
  bool in_progress = true;  // true from the request until the file is published or failed
  double start_time = 0;    // vigil: the range asked for (wall clock, seconds)
  double end_time = 0;
  std::string error;  // vigil: why it failed ("" = none); the file then does not exist
};

}  // namespace vigil
