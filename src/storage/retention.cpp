#include "storage/retention.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "storage/files.h"
#include "storage/media_layout.h"
#include "util/log.h"

namespace vigil {

namespace fs = std::filesystem;

namespace {

constexpr double kDay = 86400;

std::shared_ptr<spdlog::logger> log() { return logger("vigil.storage"); }

double mb(uint64_t bytes) { return double(bytes) / 1e6; }

// End of the month/day/hour a folder below recordings/ stands for; nullopt if not a date folder.
std::optional<double> bucket_end(const std::vector<std::string>& parts) {
  return RecordingDatePrefix::parse(parts).end();
}

std::vector<std::string> split(const fs::path& rel) {
  std::vector<std::string> parts;
  for (const auto& p : rel) parts.push_back(p.string());
  return parts;
}

std::optional<dev_t> device_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return st.st_dev;
}

// Finished events that still have the medium, oldest first.
std::vector<EventRecord> events_having(EventDb& db, bool clip) {
  EventQuery q;
  q.limit = -1;
  q.include_thumbnails = false;
  (clip ? q.has_clip : q.has_snapshot) = 1;
  std::vector<EventRecord> events = db.list(q);
  std::stable_sort(events.begin(), events.end(),
                   [](const EventRecord& a, const EventRecord& b) { return a.start_time < b.start_time; });
  return events;
}

}  // namespace

// One file system holding media, probed through the first media folder found on it.
struct Retention::Volume {
  dev_t dev{};
  std::string probe;
  bool has_recordings = false, has_clips = false;
};

Retention::Retention(const Config& cfg, EventDb& db, const Clock& clock, FreeSpaceFn free_space)
    : cfg_(cfg),
      db_(db),
      clock_(clock),
      free_space_(std::move(free_space)),
      clips_dir_(MediaLayout(cfg.media_dir).clips_dir()),
      recordings_dir_(MediaLayout(cfg.media_dir).recordings_dir()),
      cache_dir_(MediaLayout(cfg.media_dir).cache_dir()),
      index_(RecordingRoots::of(cfg)) {
  tiers_.resize(1 + cfg.storage_tiers.size());
  tiers_[0].path = cfg.media_dir;
  for (size_t i = 0; i < cfg.storage_tiers.size(); ++i) tiers_[i + 1].path = cfg.storage_tiers[i].path;
}

Retention::~Retention() { stop(); }  // before the members the thread uses go

void Retention::set_open_clips(std::function<uint64_t()> bytes_owed, std::function<void(uint64_t)> cut) {
  clips_owed_ = std::move(bytes_owed);
  cut_clips_ = std::move(cut);
}

bool Retention::below_floor(const std::string& path) const {
  std::optional<dev_t> dev = device_of(path);
  std::lock_guard lock(below_mu_);
  return dev && below_devs_.count(*dev);
}

// ---- one pass ----

RetentionReport Retention::run_once() {
  std::lock_guard lock(pass_mu_);
  RetentionReport r;
  // Each step on its own: a failure in one (database busy, folder missing) must not
  // keep the others, above all the floor, from running.
  auto guarded = [&](const char* what, auto&& step) {
    try {
      step();
    } catch (const std::exception& e) {
      ++r.errors;
      log()->error("retention: {} failed: {}", what, e.what());
    } catch (...) {
      ++r.errors;
      log()->error("retention: {} failed", what);
    }
  };
  guarded("clip expiry", [&] { expire_event_media(Medium::Clip, r); });
  guarded("snapshot expiry", [&] { expire_event_media(Medium::Snapshot, r); });
  guarded("review expiry", [&] { expire_reviews(r); });
  guarded("event row cleanup", [&] { r.rows_deleted += db_.delete_rows_without_media(); });
  const bool first = !index_loaded_;
  guarded("recordings index", [&] { ensure_index(); });
  guarded("recording expiry", [&] { expire_recordings(r); });
  guarded("recording budgets", [&] { enforce_budgets(r); });
  guarded("tier moves", [&] { move_segments(r); });
  guarded("empty folder cleanup", [&] { first ? remove_empty_dirs(r) : remove_emptied_dirs(r); });
  guarded("free-space floor", [&] { enforce_floor_locked(r); });
  sync_touched_dirs();

  if (r.budget_recordings)
    log()->info("retention: deleted {} recording segments to keep cameras within record.max_mb", r.budget_recordings);
  if (r.clips_expired || r.snapshots_expired || r.recordings_expired || r.rows_deleted)
    log()->info("retention: expired {} clips, {} snapshots, {} recording segments ({:.1f} MB), {} event rows",
                r.clips_expired, r.snapshots_expired, r.recordings_expired, mb(r.bytes_deleted), r.rows_deleted);
  return r;
}

RetentionReport Retention::enforce_floor() {
  RetentionReport r;
  std::unique_lock lock(pass_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {  // a pass is running and checks the floor itself
    r.below_floor = !writes_allowed_;
    return r;
  }
  try {
    ensure_index();
    enforce_budgets(r);
    move_segments(r);
    if (r.budget_recordings || r.segments_moved) {
      remove_emptied_dirs(r);
      log()->info("retention: deleted {} recording segments to keep cameras within record.max_mb", r.budget_recordings);
    }
    enforce_floor_locked(r);
  } catch (const std::exception& e) {
    ++r.errors;
    log()->error("retention: free-space floor failed: {}", e.what());
  } catch (...) {
    ++r.errors;
    log()->error("retention: free-space floor failed");
  }
  sync_touched_dirs();
  return r;
}

// ---- §8.1 event clips and snapshots ----

const RetainConfig& Retention::retain_for(Medium m, const std::string& camera) const {
  const CameraConfig* cam = cfg_.camera(camera);
  if (m == Medium::Clip) return cam ? cam->clips.retain : cfg_.clips_retain;
  return cam ? cam->snapshots.retain : cfg_.snapshots_retain;
}

int Retention::record_days_for(const std::string& camera) const {
  const CameraConfig* cam = cfg_.camera(camera);
  return cam ? cam->record_retain_days : cfg_.record_retain_days;
}

std::string Retention::media_path(Medium m, const EventRecord& e) const {
  return clips_dir_ + "/" +
         event_file_name(m == Medium::Clip ? EventMedium::kClip : EventMedium::kSnapshot, e.camera, e.id);
}

void Retention::expire_event_media(Medium m, RetentionReport& r) {
  const double now = clock_.wall();
  const std::set<std::string> retained = db_.retained_ids();  // favourites: kept until un-retained
  for (const EventRecord& e : events_having(db_, m == Medium::Clip)) {
    if (retained.count(e.id)) continue;
    const RetainConfig& retain = retain_for(m, e.camera);
    auto it = retain.objects.find(e.label);
    const int days = it != retain.objects.end() ? it->second : retain.default_days;
    if (e.start_time >= now - days * kDay) continue;
    if (drop_medium(m, e, r)) ++(m == Medium::Clip ? r.clips_expired : r.snapshots_expired);
  }
}

bool Retention::drop_medium(Medium m, const EventRecord& e, RetentionReport& r) {
  try {
    if (m == Medium::Clip)
      db_.clear_clip(e.id);
    else
      db_.clear_snapshot(e.id);
  } catch (const std::exception& ex) {
    ++r.errors;
    log()->error("retention: cannot update event {}: {}", e.id, ex.what());
    return false;  // keep the file: the row still claims it
  }
  remove_file(media_path(m, e), r);
  return true;
}

// Review segments (ha-current.md §7) go with the clips: a camera's segments that ended
// more than its clips' default retention ago, row and thumbnail. Activity buckets go
// with the recordings' retain_days.
void Retention::expire_reviews(RetentionReport& r) {
  const double now = clock_.wall();
  const std::string thumbs = clips_dir_ + "/review/";
  for (const CameraConfig& cam : cfg_.cameras) {
    for (const std::string& path : db_.delete_reviews_before(cam.name, now - cam.clips.retain.default_days * kDay)) {
      ++r.reviews_expired;
      if (path.compare(0, thumbs.size(), thumbs) == 0) remove_file(path, r);  // only what vigil named
    }
    // Motion activity (the timeline's lane) is kept as long as the recordings it describes.
    try {
      db_.delete_activity_before(cam.name, now - std::max(cam.record_retain_days, 1) * kDay);
    } catch (const std::exception& e) {
      ++r.errors;
      log()->error("retention: cannot delete activity of {}: {}", cam.name, e.what());
    }
  }
}

// ---- §8.2 recordings ----

void Retention::ensure_index() {
  if (index_loaded_) return;
  reconcile_moves();
  const size_t n = index_.load();
  index_loaded_ = true;
  log()->info("recordings index: {} segments ({:.1f} MB on disk) below {}", n, mb([&] {
                uint64_t total = 0;
                for (const std::string& c : index_.cameras()) total += index_.bytes(c);
                return total;
              }()),
              recordings_dir_);
}

bool Retention::held(const std::map<std::string, double>& holds, const std::string& camera, const IndexedSegment& s) {
  auto h = holds.find(camera);
  return h != holds.end() && s.end > h->second;
}

bool Retention::remove_segment(const std::string& camera, const IndexedSegment& s, RetentionReport& r) {
  // An archive tier that is not there (unmounted: its recordings/ folder is missing) must
  // not make its segments look deleted by hand: they stay indexed until it returns.
  std::error_code dec;
  if (s.tier > 0 && !fs::is_directory(index_.roots()[s.tier], dec)) return false;
  const std::string path = index_.path_of(s);
  struct stat st {};
  const uint64_t size = ::stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) {  // already gone (deleted by hand): only the index learns it
      index_.erase(camera, s);
      return false;
    }
    ++r.errors;
    log()->warn("retention: cannot delete {}: {}", path, std::strerror(errno));
    return false;  // stays in the index: tried again next pass
  }
  index_.erase(camera, s);
  r.bytes_deleted += size;
  const std::string dir = fs::path(path).parent_path().string();
  touched_dirs_.insert(dir);
  emptied_dirs_.insert(dir);
  return true;
}

// §8.2 through the index: each camera's segments that started before its retain_days,
// oldest first, except what an open event or a clip still needs.
void Retention::expire_recordings(RetentionReport& r) {
  const double now = clock_.wall();
  const std::map<std::string, double> holds = holds_ ? holds_() : std::map<std::string, double>{};
  constexpr size_t kBatch = 1024;
  for (const std::string& camera : index_.cameras()) {
    const double cutoff = now - record_days_for(camera) * kDay;
    for (bool more = true; more;) {
      const std::vector<IndexedSegment> batch = index_.started_before(camera, cutoff, kBatch);
      more = batch.size() == kBatch;
      for (const IndexedSegment& s : batch) {
        if (held(holds, camera, s)) {
          more = false;
          break;
        }
        if (remove_segment(camera, s, r)) ++r.recordings_expired;
      }
    }
  }
}

uint64_t Retention::budget_bytes(const std::string& camera) const {
  const CameraConfig* cam = cfg_.camera(camera);
  const double budget_mb = cam ? cam->record_max_mb : cfg_.record_max_mb;
  return budget_mb > 0 ? uint64_t(budget_mb * 1e6) : 0;
}

uint64_t Retention::budget_held(const std::string& camera) const {
  std::lock_guard lock(held_mu_);
  auto it = budget_held_.find(camera);
  return it == budget_held_.end() ? 0 : it->second;
}

// Budgets: while a camera's segments take more than its record.max_mb on disk, its oldest
// segment goes; a needed one stops it (all newer ones are needed too), logged once per
// episode and counted.
void Retention::enforce_budgets(RetentionReport& r) {
  std::map<std::string, double> holds;
  bool holds_read = false;
  for (const std::string& camera : index_.cameras()) {
    const uint64_t budget = budget_bytes(camera);
    if (budget == 0) continue;
    bool held_now = false;
    while (!held_now && index_.bytes(camera) > budget) {
      if (!holds_read) {  // asked only when some camera is over its budget
        holds = holds_ ? holds_() : holds;
        holds_read = true;
      }
      const std::vector<IndexedSegment> batch = index_.oldest(camera, 16);
      if (batch.empty()) break;
      bool progress = false;
      for (const IndexedSegment& s : batch) {
        if (held(holds, camera, s)) {
          held_now = true;
          break;
        }
        const uint64_t before = index_.bytes(camera);
        if (remove_segment(camera, s, r)) ++r.budget_recordings;
        progress |= index_.bytes(camera) < before;  // deleted, or found gone
        if (index_.bytes(camera) <= budget) break;
      }
      if (!progress && !held_now) break;  // undeletable files: logged, tried again next pass
    }
    if (held_now) {
      ++r.budget_held;
      if (held_logged_.insert(camera).second) {
        {
          std::lock_guard lock(held_mu_);
          ++budget_held_[camera];
        }
        log()->warn(
            "camera {} is over its record.max_mb ({:.1f} MB: {:.1f} MB on disk): its oldest recordings are still "
            "needed by an event in progress or a clip being cut, and are kept until it ends",
            camera, mb(budget), mb(index_.bytes(camera)));
      }
    } else if (held_logged_.erase(camera)) {
      log()->info("camera {} is within its record.max_mb again ({:.1f} MB on disk)", camera, mb(index_.bytes(camera)));
    }
  }
}

void Retention::segment_completed(const std::string& path, double start, double end) {
  if (!index_.add_file(path, start, end)) return;
  {
    std::lock_guard lock(worker_.mutex());
    check_requested_ = true;
  }
  worker_.notify();
}

// After deletions: each emptied segment folder and its parents up to recordings/, as long
// as they are empty and not of the current hour (the recorder creates those).
void Retention::remove_emptied_dirs(RetentionReport& r) {
  const double now = clock_.wall();
  for (const std::string& dir : emptied_dirs_) {
    std::optional<std::pair<size_t, std::string>> where = index_.roots().split(dir);
    if (!where) continue;  // not below any tier's recordings/
    const fs::path root(index_.roots()[where->first]);
    for (fs::path d(dir); d != root && d.native().size() > root.native().size(); d = d.parent_path()) {
      std::optional<double> until = bucket_end(split(d.lexically_relative(root)));
      if (until && *until > now - 120) break;
      if (::rmdir(d.c_str()) != 0) {
        const int err = errno;
        if (err != ENOTEMPTY && err != EEXIST && err != ENOENT) {
          ++r.errors;
          log()->warn("retention: cannot remove folder {}: {}", d.string(), std::strerror(err));
        }
        if (err != ENOENT) break;
        continue;  // already gone: its parent may be empty now
      }
      ++r.dirs_removed;
      touched_dirs_.insert(d.parent_path().string());
    }
  }
  emptied_dirs_.clear();
}

void Retention::remove_empty_dirs(RetentionReport& r) {
  std::error_code ec;
  if (!fs::is_directory(recordings_dir_, ec)) return;
  std::vector<fs::path> dirs;
  fs::recursive_directory_iterator it(recordings_dir_, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code dec;
    if (!it->is_directory(dec)) continue;
    if (it->path().filename().string().starts_with(".")) {
      it.disable_recursion_pending();  // private work folder: not ours
      continue;
    }
    dirs.push_back(it->path());
  }
  // Deepest first, so a folder emptied by removing its children goes in the same pass.
  std::sort(dirs.begin(), dirs.end(),
            [](const fs::path& a, const fs::path& b) { return a.native().size() > b.native().size(); });
  const double now = clock_.wall();
  for (const fs::path& d : dirs) {
    // The recorder creates the folders of the current hour just before opening its
    // .part file there; leave those alone rather than race with it.
    std::optional<double> until = bucket_end(split(d.lexically_relative(recordings_dir_)));
    if (until && *until > now - 120) continue;
    if (::rmdir(d.c_str()) == 0) {
      ++r.dirs_removed;
      touched_dirs_.insert(d.parent_path().string());
    } else if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
      ++r.errors;
      log()->warn("retention: cannot remove folder {}: {}", d.string(), std::strerror(errno));
    }
  }
  emptied_dirs_.clear();
}

// ---- §9 free-space floor ----

void Retention::enforce_floor_locked(RetentionReport& r) {
  const uint64_t floor = uint64_t(std::max(cfg_.storage_min_free_mb, 0)) * 1000000ULL;
  std::set<dev_t> below;
  if (floor == 0) {
    set_below(below);
    return;
  }
  // Every file system holding media or the database, each probed once.
  std::vector<Volume> volumes;
  const std::string db_dir = fs::path(db_.path()).parent_path().string();
  for (const std::string& dir : {recordings_dir_, clips_dir_, cache_dir_, db_dir}) {
    std::optional<dev_t> dev = device_of(dir);
    if (!dev) continue;
    auto v = std::find_if(volumes.begin(), volumes.end(), [&](const Volume& x) { return x.dev == *dev; });
    if (v == volumes.end()) v = volumes.insert(volumes.end(), Volume{*dev, dir});
    v->has_recordings |= dir == recordings_dir_;
    v->has_clips |= dir == clips_dir_;
  }
  // What vigil has begun and must still write counts as taken (§9: every writer stays
  // above the floor): the remux of each recording segment being written, and the clips
  // of the events in progress, as if they ended now.
  const uint64_t parts = open_recording_bytes();
  const uint64_t owed = clips_owed_ ? clips_owed_() : 0;

  for (const Volume& v : volumes) {
    const uint64_t reserved = (v.has_recordings ? parts : 0) + (v.has_clips ? owed : 0);
    r.reserved += reserved;
    auto usable = [reserved](uint64_t free) { return free > reserved ? free - reserved : 0; };
    const uint64_t before = free_space_(v.probe);
    // One check early: what went since the last check may go again before the next, so
    // act when that would take it below the floor (clips owed grow with every event).
    auto [last, first] = last_usable_.try_emplace(v.dev, usable(before));
    const uint64_t drop = last->second > usable(before) ? last->second - usable(before) : 0;
    const uint64_t trigger = floor + drop;
    if (usable(before) >= trigger) {
      last->second = usable(before);
      continue;
    }
    // Free a margin above the floor so the next check does not trigger again at once.
    const uint64_t target = floor + std::max(floor / 10, uint64_t(100000000)) + reserved;
    const int recs = r.floor_recordings, clips = r.floor_clips, snaps = r.floor_snapshots;
    const uint64_t bytes = r.bytes_deleted;

    uint64_t free = before;
    if (v.has_recordings) free = free_recordings(v, target, r);
    if (v.has_clips && free < target) free = free_event_media(Medium::Clip, v, target, r);
    if (v.has_clips && free < target) free = free_event_media(Medium::Snapshot, v, target, r);
    if (r.floor_clips > clips || r.floor_snapshots > snaps) r.rows_deleted += db_.delete_rows_without_media();

    const bool deleted = r.floor_recordings > recs || r.floor_clips > clips || r.floor_snapshots > snaps;
    if (deleted)  // an activation that found nothing to delete is reported by report_still_below
      log()->warn(
          "free space on {} was {:.0f} MB, below the floor of {:.0f} MB: deleted {} recording segments, {} clips, "
          "{} snapshots ({:.1f} MB); now {:.0f} MB free, {:.0f} MB of it still to be written by vigil",
          v.probe, mb(before), mb(floor), r.floor_recordings - recs, r.floor_clips - clips, r.floor_snapshots - snaps,
          mb(r.bytes_deleted - bytes), mb(free), mb(reserved));
    last->second = usable(free);
    if (usable(free) >= trigger) continue;
    // Nothing old left: the cache held for events in progress is all that can give way.
    // Their clips end now and their cache goes (the events thread does it); until the
    // next check finds the space back, nothing new starts.
    if (v.has_clips && owed > 0 && cut_clips_) {
      cut_clips_(free > floor ? free - floor : 0);  // the cut clips never take it below the floor
      r.clips_cut = true;
    }
    below.insert(v.dev);
    report_still_below(v.probe, free, reserved);
  }
  r.below_floor = !below.empty();
  set_below(below);
}

void Retention::set_below(const std::set<dev_t>& below) {
  const bool was_allowed = writes_allowed_.exchange(below.empty());
  {
    std::lock_guard lock(below_mu_);
    below_devs_ = below;
  }
  if (!was_allowed && below.empty() && std::exchange(blocked_logged_, false))
    log()->warn("free space is back above storage.min_free_mb ({}): recording segments and clips resume",
                cfg_.storage_min_free_mb);
}

uint64_t Retention::open_recording_bytes() const {
  // A segment lives in the folder of the hour it started in: this hour's or the last.
  uint64_t total = 0;
  const double now = clock_.wall();
  for (double t : {now, now - 3600}) {
    std::error_code ec;
    for (const auto& cam : fs::directory_iterator(recordings_dir_ + "/" + recording_hour_folder(t), ec)) {
      std::error_code cec;
      for (const auto& f : fs::directory_iterator(cam.path(), cec)) {
        const std::string name = f.path().filename().string();
        std::error_code sec;
        if (recording_part_final_name(name)) total += f.file_size(sec) * !sec;
      }
    }
  }
  return total;
}

uint64_t Retention::free_recordings(const Volume& v, uint64_t target, RetentionReport& r) {
  // The oldest segments over all cameras, from the index, a batch at a time.
  uint64_t free = free_space_(v.probe);
  constexpr size_t kBatch = 256;
  while (free < target) {
    std::vector<std::pair<std::string, IndexedSegment>> batch;
    for (const std::string& camera : index_.cameras())
      for (IndexedSegment& s : index_.oldest_on_tier(camera, 0, kBatch))  // tier 0 is media_dir's disk
        batch.emplace_back(camera, std::move(s));
    if (batch.empty()) break;
    std::stable_sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    if (batch.size() > kBatch) batch.resize(kBatch);
    const size_t before = index_.size();
    for (const auto& [camera, s] : batch) {
      if (free >= target) break;
      if (remove_segment(camera, s, r)) ++r.floor_recordings;
      free = free_space_(v.probe);
    }
    if (index_.size() == before) break;  // nothing could be deleted
  }
  return free;
}

uint64_t Retention::free_event_media(Medium m, const Volume& v, uint64_t target, RetentionReport& r) {
  uint64_t free = free_space_(v.probe);
  for (const EventRecord& e : events_having(db_, m == Medium::Clip)) {
    if (free >= target) break;
    if (drop_medium(m, e, r)) ++(m == Medium::Clip ? r.floor_clips : r.floor_snapshots);
    free = free_space_(v.probe);
  }
  return free;
}

// The blocked state is logged when it begins, at most once a minute (§9).
void Retention::report_still_below(const std::string& probe, uint64_t free, uint64_t reserved) {
  const double now = clock_.mono();
  if (!writes_allowed_ || now - last_floor_error_ < 60) return;
  last_floor_error_ = now;
  blocked_logged_ = true;  // its end is logged too
  log()->error(
      "free space on {} is {:.0f} MB ({:.0f} MB of it still to be written by vigil), below storage.min_free_mb "
      "({}) with nothing left to delete: not starting new recording segments or clips until space returns",
      probe, mb(free), mb(reserved), cfg_.storage_min_free_mb);
}

// ---- files ----

bool Retention::remove_file(const std::string& path, RetentionReport& r) {
  struct stat st {};
  const uint64_t size = ::stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return false;  // already gone: nothing to do
    ++r.errors;
    log()->warn("retention: cannot delete {}: {}", path, std::strerror(errno));
    return false;
  }
  r.bytes_deleted += size;
  touched_dirs_.insert(fs::path(path).parent_path().string());
  return true;
}

// Unlinks are made durable once per folder per pass rather than per file (§7).
void Retention::sync_touched_dirs() {
  for (const std::string& d : touched_dirs_) sync_directory(d);
  touched_dirs_.clear();
}

// ---- background thread ----

void Retention::start(double retention_interval_s, double floor_interval_s) {
  const double started = clock_.mono();  // here, not on the thread: the schedule starts now
  worker_.start([=, this] { loop(started, retention_interval_s, floor_interval_s); });
}

bool Retention::may_write() {
  if (!check_requested_) {
    {
      std::lock_guard lock(worker_.mutex());
      check_requested_ = true;
    }
    worker_.notify();
  }
  return writes_allowed_;
}

// Deadlines are taken from the clock before each pass, so a pass's time does not shift
// the schedule and a clock advanced once the pass is seen done counts from its start.
void Retention::loop(double started, double retention_interval_s, double floor_interval_s) {
  double next_pass = started;
  double next_floor = started + floor_interval_s;
  double last_floor = -1e18;  // clock mono() of the last pass
  while (!worker_.stopping()) {
    const double now = clock_.mono();
    // A writer asked (may_write): check soon, but not more than once a second.
    if (check_requested_.exchange(false))
      next_floor = std::min(next_floor, std::max(now, last_floor + kRequestedCheckGap));
    if (now >= next_pass || now >= next_floor) {
      last_floor = now;
      const bool full = now >= next_pass;
      if (full) next_pass = now + retention_interval_s;
      next_floor = now + floor_interval_s;
      const RetentionReport r = full ? run_once() : enforce_floor();  // run_once includes the floor
      log()->debug("retention: {} pass done ({} errors)", full ? "full" : "floor", r.errors);
      if (pass_hook_) pass_hook_(r, full);
    }
    std::unique_lock lock(worker_.mutex());
    worker_.wait_until(lock, std::min(next_pass, next_floor), [this] { return check_requested_.load(); });
  }
}

}  // namespace vigil
