#include "events/event_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>
#include <utility>

#include "render/render.h"
#include "storage/clip_assembler.h"
#include "storage/clip_cache.h"
#include "storage/event_db.h"
#include "storage/files.h"
#include "storage/reconcile.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/log.h"

namespace vigil {
namespace {

OpenEvent open_row(const EventMessage& m, const CameraConfig& cam, bool mqtt_enabled) {
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
  // With MQTT the camera queued the `end` for it before handing it to the events thread.
  e.end_announced = m.type == EventMessage::kEnd && mqtt_enabled;
  return e;
}

}  // namespace

EventStore::EventStore(const Config& cfg, EventDb& db, const Clock& clock) : cfg_(cfg), db_(db), clock_(clock) {}
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
  const std::vector<OpenEvent> open = db_.open_events();
  std::set<std::string> open_ids;
  for (const OpenEvent& o : open) open_ids.insert(o.id);
  reconcile_media(db_, cfg_.media_dir + "/clips", open_ids);
  for (const OpenEvent& o : open) {
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
    if (!e.has_snapshot && cam && cam->snapshots.enabled &&
        required_zones_met(cam->snapshots.required_zones, o.zones) && fs::is_regular_file(pending)) {
      fs::rename(pending, final_path, ec);
      e.has_snapshot = !ec;
      sync_directory(cfg_.media_dir + "/clips");
    }
    fs::remove(pending, ec);
    // The clip from the cache segments that survived (no waiting: nothing more comes),
    // unless it is already complete (the floor cut it, or the crash came before the row).
    e.has_clip = fs::is_regular_file(cfg_.media_dir + "/clips/" + o.camera + "-" + o.id + ".mp4");
    if (!e.has_clip && cam && clip_wanted(*cam, o.label, o.zones)) {
      auto [a, b] = clip_span(*cam, o.start_time, e.end_time);
      e.has_clip = make_clip(o.camera, o.id, a, b);
    }
    db_.finish_event(e, e.has_clip || e.has_snapshot);
    log->warn("recovered event {}", o.id);
    if (!o.end_announced && cfg_.mqtt.enabled) {
      // What the row knows: no box or region (zeros) after a crash.
      TrackedObject t;
      t.id = o.id;
      t.label = o.label;
      t.start_time = o.start_time;
      t.frame_time = o.last_seen;
      t.top_score = o.top_score;
      t.true_positive = true;
      t.entered_zones = o.zones;
      recovered_ends_.push_back({EventMessage::kEnd, o.camera, t, t, e.end_time});
    }
  }
  std::vector<std::string> names;
  for (const auto& c : cfg_.cameras) names.push_back(c.name);
  remove_foreign_cache_segments(cfg_.media_dir + "/cache", names);
}

void EventStore::add_clip_cache(std::shared_ptr<ClipCache> cache) {
  cache->set_on_progress([this] {
    {
      std::lock_guard lock(mu_);
      cache_progress_ = true;
    }
    cv_.notify_one();
  });
  caches_[cache->camera()] = std::move(cache);
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
    std::deque<EventMessage> batch;
    bool stopping = false, cut = false;
    uint64_t cut_budget = 0;
    {
      std::unique_lock lock(mu_);
      auto ready = [this] { return stopping_ || !queue_.empty() || cache_progress_ || cut_requested_; };
      // Wake for messages, new cached video, a clip deadline, a cut and cache pruning (10 s).
      double wait = std::min(10.0, next_job_deadline() - clock_.wall());
      cv_.wait_for(lock, std::chrono::duration<double>(std::max(0.0, wait)), ready);
      cache_progress_ = false;
      batch.swap(queue_);
      stopping = stopping_;
      cut = std::exchange(cut_requested_, false);
      cut_budget = cut_budget_;
    }
    for (const EventMessage& m : batch) {
      try {
        handle(m);
      } catch (const std::exception& e) {
        logger("vigil.events")->error("event {}: {}", m.after.id, e.what());
      }
    }
    if (cut) cut_clips_now(cut_budget);
    // Stopping: the cameras have stopped, no more video comes; cut clips from what exists.
    finish_ready_jobs(stopping);
    retry_unwritten(stopping);
    prune_caches();
    if (stopping) {
      std::lock_guard lock(mu_);
      if (queue_.empty()) return;
    }
  }
}

double EventStore::next_job_deadline() const {
  double d = 1e18;
  for (const ClipJob& j : jobs_) d = std::min(d, j.deadline);
  return d;
}

void EventStore::finish_ready_jobs(bool all) {
  const double now = clock_.wall();
  for (size_t i = 0; i < jobs_.size();) {
    const ClipJob& j = jobs_[i];
    auto it = caches_.find(j.end.camera);
    const bool cached = it != caches_.end() && it->second->available_until() >= j.b;
    if (!(all || cached || now >= j.deadline)) {
      ++i;
      continue;
    }
    ClipJob job = std::move(jobs_[i]);
    {
      std::lock_guard lock(mu_);
      jobs_.erase(jobs_.begin() + long(i));
    }
    try {
      finish(job.end, &job);
    } catch (const std::exception& e) {
      logger("vigil.events")->error("event {}: {}", job.end.after.id, e.what());
    }
  }
}

void EventStore::prune_caches(bool force) {
  const double now = clock_.wall();
  if ((!force && now - last_prune_ < 10) || caches_.empty()) return;
  last_prune_ = now;
  std::map<std::string, double> keep;  // camera → keep_from (storage.md §4.3)
  for (const auto& [name, cache] : caches_) {
    const CameraConfig* cam = cfg_.camera(name);
    keep[name] = now - (cam ? cam->clips.pre_capture : 0) - 30;
  }
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, state] : live_) {
      const auto& [o, cam] = state;
      if (!cam || !keep.count(cam->name) || clip_settled_.count(id)) continue;
      double need = clip_span(*cam, o.start_time, now).first - 30;  // as if it ended now
      keep[cam->name] = std::min(keep[cam->name], need);
    }
  }
  for (const ClipJob& j : jobs_)
    if (keep.count(j.end.camera)) keep[j.end.camera] = std::min(keep[j.end.camera], j.a - 30);
  for (const auto& [name, cache] : caches_) cache->prune(keep[name]);
}

// storage.md §4.2: [max(start − pre_capture, end − max_seconds), end + post_capture].
std::pair<double, double> EventStore::clip_span(const CameraConfig& cam, double start, double end) const {
  return {std::max(start - cam.clips.pre_capture, end - cfg_.clips_max_seconds), end + cam.clips.post_capture};
}

bool EventStore::clip_wanted(const CameraConfig& cam, const std::string& label,
                             const std::vector<std::string>& zones) const {
  if (!clips_enabled(cam) || !caches_.count(cam.name)) return false;
  const auto& objects = cam.clips.objects;
  if (objects && std::find(objects->begin(), objects->end(), label) == objects->end()) return false;
  return required_zones_met(cam.clips.required_zones, zones);
}

bool EventStore::make_clip(const std::string& camera, const std::string& id, double a, double b, bool cut) {
  auto it = caches_.find(camera);
  if (it == caches_.end()) return false;
  if (!cut && gate_ && !gate_()) {
    logger("vigil.events")->warn("event {} of camera {}: no clip, the disk is below its free-space floor", id, camera);
    return false;
  }
  const std::string path = cfg_.media_dir + "/clips/" + camera + "-" + id + ".mp4";
  ClipResult r = assemble_clip(it->second->segments(a, b), a, b, path);
  if (!r.ok) {
    logger("vigil.events")->warn("no cached video for event {} of camera {} ({})", id, camera, r.why);
    return false;
  }
  logger("vigil.events")->debug("clip {} ({:.1f} s)", path, r.duration);
  return true;
}

void EventStore::handle(const EventMessage& m) {
  const CameraConfig* cam = cfg_.camera(m.camera);
  if (!cam) return;
  switch (m.type) {
    case EventMessage::kNew:
      db_.open_event(open_row(m, *cam, cfg_.mqtt.enabled));
      write_pending_snapshot(*cam, m);
      break;
    case EventMessage::kUpdate:
      db_.update_open_event(open_row(m, *cam, cfg_.mqtt.enabled));
      write_pending_snapshot(*cam, m);
      break;
    case EventMessage::kEnd: {
      db_.update_open_event(open_row(m, *cam, cfg_.mqtt.enabled));
      bool settled = false;
      {
        std::lock_guard lock(mu_);
        settled = clip_settled_.count(m.after.id);
      }
      if (!settled && clip_wanted(*cam, m.after.label, m.after.entered_zones)) {
        // Wait for the cache to hold [a, b] (storage.md §4.2), at most until b + 30 s.
        ClipJob j{m, 0, 0, 0};
        std::tie(j.a, j.b) = clip_span(*cam, m.after.start_time, m.end_time);
        j.deadline = j.b + 30;
        std::lock_guard lock(mu_);
        jobs_.push_back(std::move(j));
      } else {
        finish(m, nullptr);  // a settled clip (cut by the floor) keeps its result
      }
      break;
    }
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
  return write_file_atomically(snapshot_path(cam.name, o.id, pending), jpeg).ok();
}

// The latest snapshot of an event in progress (storage.md §3), so a crash still leaves
// the event a snapshot. `new`/`update` come at most every 5 s, so this is rare I/O.
void EventStore::write_pending_snapshot(const CameraConfig& cam, const EventMessage& m) {
  if (!snapshots_enabled(cam)) return;
  std::filesystem::create_directories(cfg_.media_dir + "/clips/.pending");
  write_snapshot(cam, m.after, true);
}

// pipeline.md §11 "finishing an event": snapshot, clip, row if either exists.
void EventStore::finish(const EventMessage& m, const ClipJob* job) {
  const CameraConfig& cam = *cfg_.camera(m.camera);
  const TrackedObject& o = m.after;
  bool has_snapshot = false;
  if (snapshots_enabled(cam) && required_zones_met(cam.snapshots.required_zones, o.entered_zones)) {
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
  {
    std::lock_guard lock(mu_);
    auto settled = clip_settled_.find(o.id);
    e.has_clip = settled != clip_settled_.end() && settled->second;
  }
  if (job) e.has_clip = make_clip(cam.name, o.id, job->a, job->b);
  {
    std::lock_guard lock(mu_);
    clip_settled_[o.id] = e.has_clip;
  }
  e.has_snapshot = has_snapshot;
  if (!write_finished(e)) unwritten_.push_back(std::move(e));
}

// The `event` row and the end of the open row, in one transaction. A failure (disk
// full, I/O error) keeps the event in memory — still served as in progress — and it is
// retried every 10 s (storage.md §9); its files are already complete.
bool EventStore::write_finished(const EventRecord& e) {
  try {
    db_.finish_event(e, e.has_clip || e.has_snapshot);
  } catch (const std::exception& ex) {
    if (std::find_if(unwritten_.begin(), unwritten_.end(), [&](const EventRecord& u) { return u.id == e.id; }) ==
        unwritten_.end())
      logger("vigil.events")
          ->error("event {}: database write failed ({}); kept in memory, retried every 10 s", e.id, ex.what());
    return false;
  }
  std::filesystem::remove(snapshot_path(e.camera, e.id, true));
  std::lock_guard lock(mu_);
  live_.erase(e.id);
  clip_settled_.erase(e.id);
  return true;
}

void EventStore::retry_unwritten(bool now) {
  const double t = clock_.wall();
  if (unwritten_.empty() || (!now && t - last_retry_ < 10)) return;
  last_retry_ = t;
  std::vector<EventRecord> again;
  for (EventRecord& e : unwritten_)
    if (!write_finished(e)) again.push_back(std::move(e));
  if (again.size() < unwritten_.size())
    logger("vigil.events")->info("{} finished events written after a database error", unwritten_.size() - again.size());
  unwritten_ = std::move(again);
}

}  // namespace vigil

namespace vigil {

uint64_t EventStore::clip_bytes_owed() const {
  std::vector<std::tuple<std::string, double, double>> spans;  // camera, a, b
  {
    std::lock_guard lock(mu_);
    const double now = clock_.wall();
    std::set<std::string> ending;
    for (const ClipJob& j : jobs_) {
      spans.emplace_back(j.end.camera, j.a, j.b);
      ending.insert(j.end.after.id);
    }
    for (const auto& [id, state] : live_) {
      const auto& [o, cam] = state;
      if (!cam || ending.count(id) || clip_settled_.count(id) || !clip_wanted(*cam, o.label, o.entered_zones)) continue;
      spans.emplace_back(cam->name, clip_span(*cam, o.start_time, now).first, now);  // as if it ended now
    }
  }
  uint64_t total = 0;
  for (const auto& [camera, a, b] : spans)
    if (auto it = caches_.find(camera); it != caches_.end()) total += it->second->bytes_between(a, b);
  return total;
}

void EventStore::cut_open_clips(uint64_t budget) {
  {
    std::lock_guard lock(mu_);
    cut_requested_ = true;
    cut_budget_ = budget;
  }
  cv_.notify_one();
}

// storage.md §9: below the floor with nothing old left, the clips owed end now. Their
// bytes were counted by the floor, so they are written even though it blocks new clips;
// then the cache they held goes.
void EventStore::cut_clips_now(uint64_t budget) {
  const double t = clock_.wall();
  auto log = logger("vigil.events");
  // Ended events waiting for their span to be cached: cut with what exists, if it fits.
  std::vector<ClipJob> jobs;
  {
    std::lock_guard lock(mu_);
    jobs.swap(jobs_);
  }
  for (ClipJob& j : jobs) {
    j.b = std::min(j.b, t);
    const bool ok = make_cut_clip(j.end.camera, j.end.after.id, j.a, j.b, budget);
    {
      std::lock_guard lock(mu_);
      clip_settled_[j.end.after.id] = ok;
    }
    log->warn(
        "event {} of camera {}: clip cut at {:.1f} ({}; the disk is below its free-space floor with nothing "
        "else to delete); its cache is released",
        j.end.after.id, j.end.camera, t, ok ? fmt::format("{:.0f} s", j.b - j.a) : std::string("no room for it"));
    try {
      finish(j.end, nullptr);  // keeps the settled clip
    } catch (const std::exception& e) {
      log->error("event {}: {}", j.end.after.id, e.what());
    }
  }
  // Events in progress: the clip of each is made now, ending here; the event goes on.
  std::vector<std::pair<TrackedObject, const CameraConfig*>> open;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, state] : live_)
      if (state.second && !clip_settled_.count(id)) open.push_back(state);
  }
  for (const auto& [o, cam] : open) {
    if (!clip_wanted(*cam, o.label, o.entered_zones)) continue;
    const double a = clip_span(*cam, o.start_time, t).first;
    const bool ok = make_cut_clip(cam->name, o.id, a, t, budget);
    {
      std::lock_guard lock(mu_);
      clip_settled_[o.id] = ok;
    }
    log->warn(
        "event {} of camera {}: clip cut at {:.1f} ({}; the disk is below its free-space floor with nothing "
        "else to delete); its cache is released",
        o.id, cam->name, t, ok ? fmt::format("{:.0f} s", t - a) : std::string("no room for it"));
  }
  prune_caches(true);
}

bool EventStore::make_cut_clip(const std::string& camera, const std::string& id, double a, double b, uint64_t& budget) {
  auto it = caches_.find(camera);
  const uint64_t need = it != caches_.end() ? it->second->bytes_between(a, b) : 0;
  if (need == 0 || need > budget) return false;
  if (!make_clip(camera, id, a, b, true)) return false;
  budget -= need;
  return true;
}

}  // namespace vigil
