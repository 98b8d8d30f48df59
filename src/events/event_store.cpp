#include "events/event_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "events/event_recovery.h"
#include "events/event_rows.h"
#include "storage/clip_cache.h"
#include "util/log.h"
#include "util/metric_families.h"

namespace vigil {
namespace {

// The caches' state as the scheduler sees it, read once per pass.
class AvailableUntil final : public CacheView {
 public:
  explicit AvailableUntil(std::map<std::string, double> m) : m_(std::move(m)) {}
  std::optional<double> available_until(const std::string& camera) const override {
    auto it = m_.find(camera);
    if (it == m_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, double> m_;
};

}  // namespace

EventStore::EventStore(const Config& cfg, EventDb& db, const Clock& clock)
    : cfg_(cfg),
      db_(db),
      clock_(clock),
      layout_(cfg.media_dir),
      snapshots_(layout_),
      clips_(cfg, layout_),
      worker_(clock) {
  clips_.set_switches(&switches_);
}

EventStore::~EventStore() { stop(); }

void EventStore::recover() { recovered_ends_ = recover_open_events(cfg_, db_, layout_, clips_); }

void EventStore::add_clip_cache(std::shared_ptr<ClipCache> cache) {
  cache->set_on_progress([this] {
    {
      std::lock_guard lock(worker_.mutex());
      cache_progress_ = true;
    }
    worker_.notify();
  });
  clips_.add_cache(std::move(cache));
}

void EventStore::start() {
  last_prune_ = clock_.wall();  // the first pruning one period after start
  worker_.start([this] { run(); });
}

void EventStore::stop(double grace) {
  {
    std::lock_guard lock(worker_.mutex());
    stop_deadline_ = clock_.mono() + grace;
  }
  worker_.stop();
}

void EventStore::post(std::vector<EventMessage> messages) {
  if (messages.empty()) return;
  {
    std::lock_guard lock(worker_.mutex());
    for (auto& m : messages) {
      const CameraConfig* cam = cfg_.camera(m.camera);
      live_[m.after.id] = {m.after, cam};
      queue_.push_back(std::move(m));
    }
  }
  worker_.notify();
}

std::optional<std::pair<TrackedObject, const CameraConfig*>> EventStore::in_progress(const std::string& id) const {
  std::lock_guard lock(worker_.mutex());
  auto it = live_.find(id);
  if (it == live_.end()) return std::nullopt;
  return it->second;
}

template <class F>
void EventStore::guarded(const std::string& id, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    logger("vigil.events")->error("event {}: {}", id, e.what());
  }
}

// The thread: wakes for messages, new cached video, a clip deadline, a cut and the
// periodic work when due (cache pruning, retries), at least every kPeriod; every wait is on the injected clock.
void EventStore::run() {
  for (;;) {
    std::deque<EventMessage> batch;
    bool stopping = false, cut = false;
    uint64_t cut_budget = 0;
    {
      std::unique_lock lock(worker_.mutex());
      const double next = next_wake(scheduler_.next_deadline()) - clock_.wall();
      worker_.wait_until(lock, clock_.mono() + std::clamp(next, 0.0, kPeriod),
                         [this] { return !queue_.empty() || cache_progress_ || cut_requested_; });
      cache_progress_ = false;
      batch.swap(queue_);
      stopping = worker_.stopping();
      cut = std::exchange(cut_requested_, false);
      cut_budget = cut_budget_;
    }
    for (const EventMessage& m : batch) {
      guarded(m.after.id, [&] { handle(m); });
      if (on_handled_) on_handled_(m);
    }
    if (cut) cut_clips_now(cut_budget);
    // Stopping: the cameras have stopped, no more video comes; cut clips from what exists.
    finish_ready_jobs(stopping);
    retry_unwritten(stopping);
    if (!stopping) prune_caches();  // at stop, clips left to the next start keep their cache
    if (stopping) {
      std::lock_guard lock(worker_.mutex());
      if (queue_.empty()) return;
    }
  }
}

double EventStore::next_wake(std::optional<double> clip_deadline) const {
  double t = clip_deadline.value_or(std::numeric_limits<double>::infinity());
  if (!clips_.caches().empty()) t = std::min(t, last_prune_ + kPeriod);
  if (!unwritten_.empty()) t = std::min(t, last_retry_ + kPeriod);
  return t;
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
        std::lock_guard lock(worker_.mutex());
        settled = clip_settled_.count(m.after.id);
      }
      if (!settled && clips_.wanted(*cam, m.after.label, m.after.entered_zones)) {
        // Wait for the cache to hold the span (storage.md §4.2).
        const ClipSpan span = clips_.span(*cam, m.after.start_time, m.end_time);
        std::lock_guard lock(worker_.mutex());
        scheduler_.add(m, span);
      } else {
        finish(m, nullptr);  // a settled clip (cut by the floor) keeps its result
      }
      break;
    }
  }
}

void EventStore::finish_ready_jobs(bool stopping) {
  const AvailableUntil caches(clips_.available());
  std::vector<ClipJob> ready;
  {
    std::lock_guard lock(worker_.mutex());
    ready = scheduler_.take_ready(clock_.wall(), stopping, caches);
  }
  size_t left = 0;
  for (ClipJob& job : ready) {
    if (stopping && clock_.mono() >= stop_deadline()) {
      // Past the stop's grace: the event stays open in the database; the next start's
      // recovery cuts its clip from the cache (storage.md §3.1).
      std::lock_guard lock(worker_.mutex());
      scheduler_.add(std::move(job.end), job.span);
      ++left;
      continue;
    }
    guarded(job.end.after.id, [&] { finish(job.end, &job); });
  }
  if (left)
    logger("vigil.events")
        ->warn(
            "stopping: {} event clip(s) not cut before the stop's grace ran out; the next start cuts them from "
            "the cache",
            left);
}

double EventStore::stop_deadline() const {
  std::lock_guard lock(worker_.mutex());
  return stop_deadline_;
}

void EventStore::prune_caches(bool force) {
  const double now = clock_.wall();
  if ((!force && now - last_prune_ < kPeriod) || clips_.caches().empty()) return;
  last_prune_ = now;
  std::map<std::string, double> keep;  // camera → keep_from (storage.md §4.3)
  for (const auto& [name, cache] : clips_.caches()) {
    const CameraConfig* cam = cfg_.camera(name);
    keep[name] = now - (cam ? cam->clips.pre_capture : 0) - 30;
  }
  {
    std::lock_guard lock(worker_.mutex());
    for (const auto& [id, state] : live_) {
      const auto& [o, cam] = state;
      if (!cam || !keep.count(cam->name) || clip_settled_.count(id)) continue;
      const double need = clips_.span(*cam, o.start_time, now).a - 30;  // as if it ended now
      keep[cam->name] = std::min(keep[cam->name], need);
    }
    for (const ClipJob& j : scheduler_.jobs())
      if (keep.count(j.end.camera)) keep[j.end.camera] = std::min(keep[j.end.camera], j.span.a - 30);
  }
  for (const auto& [name, cache] : clips_.caches()) cache->prune(keep[name]);
}

bool EventStore::snapshots_enabled(const CameraConfig& cam) const {
  auto it = switches_.find(cam.name);
  return it != switches_.end() ? it->second->snapshots.load() : cam.snapshots.enabled;
}

// The latest snapshot of an event in progress (storage.md §3), so a crash still leaves
// the event a snapshot. `new`/`update` come at most every 5 s, so this is rare I/O.
void EventStore::write_pending_snapshot(const CameraConfig& cam, const EventMessage& m) {
  if (!snapshots_enabled(cam)) return;
  if (auto why = snapshots_.write(cam, m.after, true))
    logger("vigil.events")->debug("event {}: pending snapshot not written: {}", m.after.id, *why);
}

// pipeline.md §11 "finishing an event": snapshot, clip, row if either exists.
void EventStore::finish(const EventMessage& m, const ClipJob* job) {
  const CameraConfig& cam = *cfg_.camera(m.camera);
  const TrackedObject& o = m.after;
  bool has_snapshot = false;
  if (snapshots_enabled(cam) && required_zones_met(cam.snapshots.required_zones, o.entered_zones)) {
    const std::optional<std::string> why = snapshots_.write(cam, o, false);
    has_snapshot = !why;
    if (why) {
      ++snapshot_failures_;
      logger("vigil.events")->warn("event {}: snapshot could not be written: {}", o.id, *why);
    }
  }
  EventRecord e = finished_row(m, cam);
  {
    std::lock_guard lock(worker_.mutex());
    auto settled = clip_settled_.find(o.id);
    e.has_clip = settled != clip_settled_.end() && settled->second;
  }
  if (job) {
    e.has_clip = clips_.make(cam.name, o.id, job->span);
    if (!e.has_clip) ++clip_failures_;
  }
  {
    std::lock_guard lock(worker_.mutex());
    clip_settled_[o.id] = e.has_clip;
  }
  e.has_snapshot = has_snapshot;
  const bool stored = write_finished(e);
  if (!stored) unwritten_.push_back(std::move(e));
  rows_waiting_ = unwritten_.size();
  events_finished_metric().with({cam.name}).inc();
  if (on_finished_) on_finished_(o.id, stored);
}

std::map<std::string, size_t> EventStore::open_events() const {
  std::map<std::string, size_t> n;
  std::lock_guard lock(worker_.mutex());
  for (const auto& [id, state] : live_)
    if (state.second) ++n[state.second->name];
  return n;
}

// The `event` row and the end of the open row, in one transaction. A failure (disk
// full, I/O error) keeps the event in memory — still served as in progress — and it is
// retried every kPeriod (storage.md §9); its files are already complete.
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
  snapshots_.remove_pending(e.camera, e.id);
  std::lock_guard lock(worker_.mutex());
  live_.erase(e.id);
  clip_settled_.erase(e.id);
  return true;
}

void EventStore::retry_unwritten(bool now) {
  const double t = clock_.wall();
  if (unwritten_.empty() || (!now && t - last_retry_ < kPeriod)) return;
  last_retry_ = t;
  std::vector<EventRecord> again;
  std::vector<std::string> stored;
  for (EventRecord& e : unwritten_) {
    if (write_finished(e))
      stored.push_back(e.id);
    else
      again.push_back(std::move(e));
  }
  if (!stored.empty()) logger("vigil.events")->info("{} finished events written after a database error", stored.size());
  unwritten_ = std::move(again);
  rows_waiting_ = unwritten_.size();
  if (on_finished_)
    for (const std::string& id : stored) on_finished_(id, true);
}

uint64_t EventStore::clip_bytes_owed() const {
  std::vector<std::pair<std::string, ClipSpan>> spans;  // camera, span
  {
    std::lock_guard lock(worker_.mutex());
    const double now = clock_.wall();
    std::set<std::string> ending;
    for (const ClipJob& j : scheduler_.jobs()) {
      spans.emplace_back(j.end.camera, j.span);
      ending.insert(j.end.after.id);
    }
    for (const auto& [id, state] : live_) {
      const auto& [o, cam] = state;
      if (!cam || ending.count(id) || clip_settled_.count(id) || !clips_.wanted(*cam, o.label, o.entered_zones))
        continue;
      spans.emplace_back(cam->name, ClipSpan{clips_.span(*cam, o.start_time, now).a, now});  // as if it ended now
    }
  }
  uint64_t total = 0;
  for (const auto& [camera, span] : spans) total += clips_.bytes_between(camera, span);
  return total;
}

std::map<std::string, double> EventStore::recording_holds() const {
  std::map<std::string, double> holds;
  auto hold = [&holds](const std::string& camera, double from) {
    auto [it, fresh] = holds.try_emplace(camera, from);
    if (!fresh) it->second = std::min(it->second, from);
  };
  std::lock_guard lock(worker_.mutex());
  for (const ClipJob& j : scheduler_.jobs()) hold(j.end.camera, j.span.a);
  for (const auto& [id, state] : live_) {
    const auto& [o, cam] = state;
    if (cam) hold(cam->name, o.start_time - cam->clips.pre_capture);  // the whole event, not only its clip's span
  }
  return holds;
}

void EventStore::cut_open_clips(uint64_t budget) {
  {
    std::lock_guard lock(worker_.mutex());
    cut_requested_ = true;
    cut_budget_ = budget;
  }
  worker_.notify();
}

void EventStore::log_cut(const std::string& id, const std::string& camera, double t, bool ok, double seconds) {
  if (!ok) ++clip_failures_;
  logger("vigil.events")
      ->warn(
          "event {} of camera {}: clip cut at {:.1f} ({}; the disk is below its free-space floor with nothing "
          "else to delete); its cache is released",
          id, camera, t, ok ? fmt::format("{:.0f} s", seconds) : std::string("no room for it"));
}

// storage.md §9: below the floor with nothing old left, the clips owed end now. Their
// bytes were counted by the floor, so they are written even though it blocks new clips;
// then the cache they held goes.
void EventStore::cut_clips_now(uint64_t budget) {
  const double t = clock_.wall();
  // Ended events waiting for their span to be cached: cut with what exists, if it fits.
  std::vector<ClipJob> jobs;
  {
    std::lock_guard lock(worker_.mutex());
    jobs = scheduler_.take_all();
  }
  for (ClipJob& j : jobs) {
    j.span.b = std::min(j.span.b, t);
    const bool ok = clips_.make_within(j.end.camera, j.end.after.id, j.span, budget);
    {
      std::lock_guard lock(worker_.mutex());
      clip_settled_[j.end.after.id] = ok;
    }
    log_cut(j.end.after.id, j.end.camera, t, ok, j.span.b - j.span.a);
    guarded(j.end.after.id, [&] { finish(j.end, nullptr); });  // keeps the settled clip
  }
  // Events in progress: the clip of each is made now, ending here; the event goes on.
  std::vector<std::pair<TrackedObject, const CameraConfig*>> open;
  {
    std::lock_guard lock(worker_.mutex());
    for (const auto& [id, state] : live_)
      if (state.second && !clip_settled_.count(id)) open.push_back(state);
  }
  for (const auto& [o, cam] : open) {
    if (!clips_.wanted(*cam, o.label, o.entered_zones)) continue;
    const ClipSpan span{clips_.span(*cam, o.start_time, t).a, t};
    const bool ok = clips_.make_within(cam->name, o.id, span, budget);
    {
      std::lock_guard lock(worker_.mutex());
      clip_settled_[o.id] = ok;
    }
    log_cut(o.id, cam->name, t, ok, t - span.a);
  }
  prune_caches(true);
}

}  // namespace vigil
