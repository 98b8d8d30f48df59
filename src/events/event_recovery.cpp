#include "events/event_recovery.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <set>
#include <string>

#include "events/event_rows.h"
#include "storage/clip_cache.h"
#include "storage/files.h"
#include "storage/reconcile.h"
#include "util/log.h"

namespace vigil {

std::vector<EventMessage> recover_open_events(const Config& cfg, EventDb& db, const MediaLayout& layout,
                                              const ClipCutter& clips) {
  namespace fs = std::filesystem;
  auto log = logger("vigil.events");
  std::vector<EventMessage> ends;
  // Files a crash left half-written never became visible (dot-named temporaries).
  std::error_code ec;
  for (const std::string& dir : {layout.clips_dir(), layout.pending_dir()})
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (is_temporary_name(entry.path().filename().string())) fs::remove(entry.path(), ec);
  const std::vector<OpenEvent> open = db.open_events();
  std::set<std::string> open_ids;
  for (const OpenEvent& o : open) open_ids.insert(o.id);
  reconcile_media(db, layout.clips_dir(), open_ids);
  for (const OpenEvent& o : open) {
    EventRecord e = recovered_row(o);
    // A snapshot file exists only when complete; otherwise promote the pending one if
    // the camera (still configured) wants snapshots of this event.
    const std::string final_path = layout.snapshot(o.camera, o.id);
    const std::string pending = layout.pending_snapshot(o.camera, o.id);
    e.has_snapshot = fs::is_regular_file(final_path);
    const CameraConfig* cam = cfg.camera(o.camera);
    if (!e.has_snapshot && cam && cam->snapshots.enabled &&
        required_zones_met(cam->snapshots.required_zones, o.zones) && fs::is_regular_file(pending)) {
      fs::rename(pending, final_path, ec);
      e.has_snapshot = !ec;
      sync_directory(layout.clips_dir());
    }
    fs::remove(pending, ec);
    // The clip from the cache segments that survived (no waiting: nothing more comes),
    // unless it is already complete (the floor cut it, or the crash came before the row).
    e.has_clip = fs::is_regular_file(layout.clip(o.camera, o.id));
    if (!e.has_clip && cam && clips.wanted(*cam, o.label, o.zones))
      e.has_clip = clips.make(o.camera, o.id, clips.span(*cam, o.start_time, e.end_time));
    db.finish_event(e, e.has_clip || e.has_snapshot);
    log->warn("recovered event {}", o.id);
    if (!o.end_announced && cfg.mqtt.enabled) {
      const TrackedObject t = recovered_object(o);
      ends.push_back({EventMessage::kEnd, o.camera, t, t, e.end_time});
    }
  }
  std::vector<std::string> names;
  for (const auto& c : cfg.cameras) names.push_back(c.name);
  remove_foreign_cache_segments(layout.cache_dir(), names);
  return ends;
}

}  // namespace vigil
