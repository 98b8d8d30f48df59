#include "events/event_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "api/render.h"
#include "storage/event_db.h"
#include "storage/files.h"
#include "util/base64.h"
#include "util/log.h"

namespace vigil {
namespace {

bool zones_allow(const std::vector<std::string>& required, const std::vector<std::string>& entered) {
  if (required.empty()) return true;
  return std::any_of(required.begin(), required.end(), [&](const std::string& z) {
    return std::find(entered.begin(), entered.end(), z) != entered.end();
  });
}

OpenEvent open_row(const EventMessage& m, const CameraConfig& cam) {
  const TrackedObject& o = m.after;
  OpenEvent e;
  e.id = o.id;
  e.label = o.label;
  e.camera = m.camera;
  e.start_time = o.start_time;
  e.last_seen = o.frame_time;
  e.top_score = o.top_score;
  e.zones = o.entered_zones;
  e.thumbnail = base64_encode(render_thumbnail(o.best, cam));
  e.state = m.type == EventMessage::kEnd ? "ending" : "open";
  if (m.type == EventMessage::kEnd) e.end_time = m.end_time;
  return e;
}

}  // namespace

EventStore::EventStore(const Config& cfg, EventDb& db) : cfg_(cfg), db_(db) {}
EventStore::~EventStore() { stop(); }

void EventStore::recover() {
  namespace fs = std::filesystem;
  auto log = logger("vigil.events");
  // Files a crash left half-written never became visible (dot-named temporaries).
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cfg_.media_dir + "/clips", ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 4 && name[0] == '.' && name.ends_with(".tmp")) fs::remove(entry.path(), ec);
  }
  for (const OpenEvent& o : db_.open_events()) {
    EventRecord e;
    e.id = o.id;
    e.label = o.label;
    e.camera = o.camera;
    e.end_time = o.state == "ending" && o.end_time ? *o.end_time : o.last_seen;
    e.start_time = o.start_time;
    e.top_score = o.top_score;
    e.zones = o.zones;
    e.thumbnail = o.thumbnail;
    // A snapshot file exists only when complete; otherwise promote the pending one if
    // the camera (still configured) wants snapshots of this event.
    const std::string final_path = snapshot_path(o.camera, o.id, false);
    const std::string pending = snapshot_path(o.camera, o.id, true);
    e.has_snapshot = fs::is_regular_file(final_path);
    const CameraConfig* cam = cfg_.camera(o.camera);
    if (!e.has_snapshot && cam && cam->snapshots.enabled && zones_allow(cam->snapshots.required_zones, o.zones) &&
        fs::is_regular_file(pending)) {
      fs::rename(pending, final_path, ec);
      e.has_snapshot = !ec;
      sync_directory(cfg_.media_dir + "/clips");
    }
    fs::remove(pending, ec);
    e.has_clip = false;
    db_.finish_event(e, e.has_clip || e.has_snapshot);
    log->warn("recovered event {}", o.id);
  }
}

void EventStore::start() {
  thread_ = std::thread([this] { run(); });
}

void EventStore::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventStore::post(std::vector<EventMessage> messages) {
  if (messages.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (auto& m : messages) {
      const CameraConfig* cam = cfg_.camera(m.camera);
      live_[m.after.id] = {m.after, cam};
      queue_.push_back(std::move(m));
    }
  }
  cv_.notify_one();
}

std::optional<std::pair<TrackedObject, const CameraConfig*>> EventStore::in_progress(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = live_.find(id);
  if (it == live_.end()) return std::nullopt;
  return it->second;
}

void EventStore::run() {
  for (;;) {
    EventMessage m;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      m = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      handle(m);
    } catch (const std::exception& e) {
      logger("vigil.events")->error("event {}: {}", m.after.id, e.what());
    }
  }
}

void EventStore::handle(const EventMessage& m) {
  const CameraConfig* cam = cfg_.camera(m.camera);
  if (!cam) return;
  switch (m.type) {
    case EventMessage::kNew:
      db_.open_event(open_row(m, *cam));
      write_pending_snapshot(*cam, m);
      break;
    case EventMessage::kUpdate:
      db_.update_open_event(open_row(m, *cam));
      write_pending_snapshot(*cam, m);
      break;
    case EventMessage::kEnd:
      db_.update_open_event(open_row(m, *cam));
      finish(m);
      break;
  }
}

bool EventStore::snapshots_enabled(const CameraConfig& cam) const {
  auto it = switches_.find(cam.name);
  return it != switches_.end() ? it->second->snapshots.load() : cam.snapshots.enabled;
}

bool EventStore::clips_enabled(const CameraConfig& cam) const {
  auto it = switches_.find(cam.name);
  return it != switches_.end() ? it->second->clips.load() : cam.clips.enabled;
}

std::string EventStore::snapshot_path(const std::string& camera, const std::string& id, bool pending) const {
  return cfg_.media_dir + "/clips/" + (pending ? ".pending/" : "") + camera + "-" + id + ".jpg";
}

bool EventStore::write_snapshot(const CameraConfig& cam, const TrackedObject& o, bool pending) {
  if (!o.best || !o.best->frame) return false;
  const auto& s = cam.snapshots;
  std::string jpeg = render_snapshot(*o.best, o.label, cam, s.timestamp, s.bounding_box, s.crop, s.height.value_or(0));
  return write_file_atomically(snapshot_path(cam.name, o.id, pending), jpeg);
}

// The latest snapshot of an event in progress (storage.md §3), so a crash still leaves
// the event a snapshot. `new`/`update` come at most every 5 s, so this is rare I/O.
void EventStore::write_pending_snapshot(const CameraConfig& cam, const EventMessage& m) {
  if (!snapshots_enabled(cam)) return;
  std::filesystem::create_directories(cfg_.media_dir + "/clips/.pending");
  write_snapshot(cam, m.after, true);
}

// pipeline.md §11 "finishing an event": snapshot, (clip: not yet), row if either exists.
void EventStore::finish(const EventMessage& m) {
  const CameraConfig& cam = *cfg_.camera(m.camera);
  const TrackedObject& o = m.after;
  bool has_snapshot = false;
  if (snapshots_enabled(cam) && zones_allow(cam.snapshots.required_zones, o.entered_zones)) {
    has_snapshot = write_snapshot(cam, o, false);
    if (!has_snapshot) logger("vigil.events")->warn("event {}: snapshot could not be written", o.id);
  }
  EventRecord e;
  e.id = o.id;
  e.label = o.label;
  e.camera = cam.name;
  e.start_time = o.start_time;
  e.end_time = m.end_time;
  e.top_score = o.top_score;
  e.zones = o.entered_zones;
  e.thumbnail = base64_encode(render_thumbnail(o.best, cam));
  e.has_clip = false;
  e.has_snapshot = has_snapshot;
  db_.finish_event(e, e.has_clip || e.has_snapshot);
  std::filesystem::remove(snapshot_path(cam.name, o.id, true));
  std::lock_guard lock(mu_);
  live_.erase(o.id);
}

}  // namespace vigil
