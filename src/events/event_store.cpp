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
  auto log = logger("vigil.events");
  for (const OpenEvent& o : db_.open_events()) {
    EventRecord e;
    e.id = o.id;
    e.label = o.label;
    e.camera = o.camera;
    e.start_time = o.start_time;
    e.end_time = o.state == "ending" && o.end_time ? *o.end_time : o.last_seen;
    e.top_score = o.top_score;
    e.zones = o.zones;
    e.thumbnail = o.thumbnail;
    // A snapshot counts only if its file is complete (it appears under its final name
    // only then, see storage/files.h).
    e.has_snapshot = std::filesystem::is_regular_file(cfg_.media_dir + "/clips/" + o.camera + "-" + o.id + ".jpg");
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
      break;
    case EventMessage::kUpdate:
      db_.update_open_event(open_row(m, *cam));
      break;
    case EventMessage::kEnd:
      db_.update_open_event(open_row(m, *cam));
      finish(m);
      break;
  }
}

bool EventStore::write_snapshot(const CameraConfig& cam, const TrackedObject& o) {
  if (!o.best || !o.best->frame) return false;
  const auto& s = cam.snapshots;
  std::string jpeg = render_snapshot(*o.best, o.label, cam, s.timestamp, s.bounding_box, s.crop, s.height.value_or(0));
  std::string path = cfg_.media_dir + "/clips/" + cam.name + "-" + o.id + ".jpg";
  return write_file_atomically(path, jpeg);
}

// pipeline.md §11 "finishing an event": snapshot, (clip: not yet), row if either exists.
void EventStore::finish(const EventMessage& m) {
  const CameraConfig& cam = *cfg_.camera(m.camera);
  const TrackedObject& o = m.after;
  bool has_snapshot = false;
  if (cam.snapshots.enabled && zones_allow(cam.snapshots.required_zones, o.entered_zones)) {
    has_snapshot = write_snapshot(cam, o);
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
  std::lock_guard lock(mu_);
  live_.erase(o.id);
}

}  // namespace vigil
