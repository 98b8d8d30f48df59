// `vigil check [--config FILE] [--fix]` (Moonfire's check; docs/storage.md "vigil check"):
// compares every storage tier's recordings and the clips folder with what vigil's index
// and database expect. Findings, one line each:
//   temporary     a move's temporary (`.MM.SS.mp4.move`) or a remux's leftover
//   half-move     a segment on two tiers (a move interrupted after its rename)
//   undecodable   a segment libavformat cannot open or read to its end
//   orphan        a file in a recordings folder that is no segment vigil writes
//   dead-row      an event row claiming a clip or snapshot file that is missing
// With `fix`: temporaries and orphans deleted, half moves finished (equal sizes) or
// rolled back, undecodable segments deleted, dead rows' flags cleared. Dry run otherwise.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/config.h"

namespace vigil {

struct CheckFinding {
  std::string kind;    // temporary, half-move, undecodable, orphan, dead-row
  std::string what;    // path or event id
  std::string detail;  // why (libav's message, the copy kept, …)
  bool fixed = false;  // repaired (fix only)
};

struct CheckReport {
  std::vector<CheckFinding> findings;
  size_t segments_checked = 0;  // segments opened and read
  int fix_errors = 0;           // repairs that failed (their line says why)
};

// `line` receives each finding as it is found (printing as it goes).
CheckReport check_media(const Config& cfg, bool fix, const std::function<void(const CheckFinding&)>& line = {});

// The media folder's instance lock (`<media_dir>/.vigil.lock`, flock): vigil holds it
// while it runs. Returns the fd (kept open = held) or -1 when another process holds it.
int lock_media_dir(const std::string& media_dir);

}  // namespace vigil
