#include "storage/reconcile.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>

#include "storage/files.h"
#include "storage/media_layout.h"
#include "util/log.h"

namespace vigil {

ReconcileReport reconcile_media(EventDb& db, const std::string& clips_dir, const std::set<std::string>& open_ids) {
  namespace fs = std::filesystem;
  ReconcileReport r;
  auto log = logger("vigil.storage");
  EventQuery all;
  all.limit = -1;
  all.include_thumbnails = false;
  // File name → whether its row claims it.
  std::map<std::string, bool> claimed;
  for (const EventRecord& e : db.list(all)) {
    const std::string clip = event_file_name(EventMedium::kClip, e.camera, e.id);
    const std::string snapshot = event_file_name(EventMedium::kSnapshot, e.camera, e.id);
    claimed[clip] = e.has_clip;
    claimed[snapshot] = e.has_snapshot;
    if (e.has_clip && !fs::exists(clips_dir + "/" + clip)) {
      db.clear_clip(e.id);
      claimed[clip] = false;
      ++r.clips_missing;
      log->warn("event {}: its clip is missing; has_clip cleared", e.id);
    }
    if (e.has_snapshot && !fs::exists(clips_dir + "/" + snapshot)) {
      db.clear_snapshot(e.id);
      claimed[snapshot] = false;
      ++r.snapshots_missing;
      log->warn("event {}: its snapshot is missing; has_snapshot cleared", e.id);
    }
  }
  if (r.clips_missing || r.snapshots_missing) r.rows_deleted = db.delete_rows_without_media();

  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(clips_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!is_event_file_name(name) || !entry.is_regular_file()) continue;
    auto it = claimed.find(name);
    if (it != claimed.end()) {
      if (!it->second && fs::remove(entry.path(), ec)) ++r.files_deleted;  // an interrupted retention
      continue;
    }
    bool open = false;
    for (const std::string& id : open_ids) open |= names_event(name, id);
    if (!open) ++r.unknown_files;
  }
  if (r.files_deleted) sync_directory(clips_dir);
  if (r.files_deleted) log->info("deleted {} clip/snapshot files whose events no longer claim them", r.files_deleted);
  if (r.unknown_files) log->info("{} files in {} belong to no known event; kept", r.unknown_files, clips_dir);
  return r;
}

}  // namespace vigil
