// Start-up reconciliation of the event table with the clips folder (storage.md §7.1):
// a row never claims a file that does not exist, and files an interrupted retention
// left behind are deleted. Runs before cameras start, after the database is opened.
#pragma once

#include <set>
#include <string>

#include "storage/event_db.h"

namespace vigil {

struct ReconcileReport {
  int clips_missing = 0, snapshots_missing = 0;  // flags cleared: the file was gone
  int rows_deleted = 0;                          // rows left with neither medium
  int files_deleted = 0;                         // files whose row has the flag at 0
  int unknown_files = 0;                         // files with no row and no open event (kept)
};

// `open_ids`: events in progress (their files belong to recovery, not to this).
ReconcileReport reconcile_media(EventDb& db, const std::string& clips_dir, const std::set<std::string>& open_ids);

}  // namespace vigil
