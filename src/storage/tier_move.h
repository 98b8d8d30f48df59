// Moving a finished recording segment to the next storage tier (docs/storage.md "Tiers")
// and repairing a move a crash interrupted. The order makes kill -9 safe at any point:
//   1. copy to `<to>/<dir>/.MM.SS.mp4.move`, fsync it, fsync its folder;
//   2. rename it to `MM.SS.mp4`, fsync the folder: the segment is now on both tiers,
//      complete and equal;
//   3. (the caller) the index says the new tier;
//   4. unlink the source, fsync its folder.
// A crash before 2 leaves a temporary (deleted at start-up: the source is intact); after
// 2, two copies of equal size (the lower one is deleted at start-up: the move is
// finished); copies of different sizes cannot come from a move (the higher one is the
// suspect and goes). Nothing here takes a lock; the retention thread is the only mover.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "storage/recording_roots.h"
#include "util/status.h"

namespace vigil {

// ".MM.SS.mp4.move": the name a segment is copied under on the destination tier.
std::string move_temporary_name(const std::string& file_name);
bool is_move_temporary_name(const std::string& name);

// Steps 1 and 2: `from_root/rel` copied to `to_root/rel` (folders created, the source's
// modification time kept: readers take a segment's end from it). On failure the
// temporary is removed and the Status names the step, the path and errno's text.
// `between_steps` (may be empty) runs between the steps (the test hook below).
Status copy_segment(const std::string& from_root, const std::string& to_root, const std::string& rel,
                    const std::function<void()>& between_steps = {});
// Step 4: unlink the source and fsync its folder.
Status remove_source(const std::string& from_root, const std::string& rel);

// Test hook, not for production: VIGIL_TEST_MOVE_STEP_PAUSE_MS=N in vigil's environment
// makes each move wait N ms between its steps (so a test's kill -9 lands inside moves).
// 0 when unset.
int move_step_pause_ms();

// What start-up (and `vigil check`) find of interrupted moves.
struct TierFinding {
  enum Kind { kTemporary, kDuplicate, kDuplicateMismatch } kind;
  std::string path;  // the temporary, or the copy that goes
  std::string kept;  // duplicates: the copy that stays
};
// Walks every tier's recordings/ for move temporaries and segments present on more than
// one tier. With `fix`, deletes temporaries and the copy that goes (equal sizes: the
// lower tier's, the move is finished; different: the higher's, rolled back). `report`
// is told of each finding (and whether fixing it failed: its Status).
std::vector<TierFinding> reconcile_tiers(const RecordingRoots& roots, bool fix,
                                         const std::function<void(const TierFinding&, const Status&)>& report = {});

}  // namespace vigil
