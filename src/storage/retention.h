// Retention (storage.md §8) and the free-space floor (storage.md §9).
//
// Expiry: event clips and snapshots older than their camera's (or, for cameras no longer
// configured, the global) `retain` days lose the medium — database flag first, then the
// file (§7) — rows with neither are deleted; 24/7 recording segments older than
// `record.retain_days` are deleted and empty folders below recordings/ removed.
// Floor: while a media file system has less than `storage.min_free_mb` free — counting as
// taken what vigil has already begun and must still write (the remux of the recording
// segments being written, the clips of events in progress) — delete the oldest recording
// segments, then the oldest event clips, then the oldest snapshots, then cut the clips of
// the events in progress (their cache is released); if still below, block new writes.
// Budgets (docs/storage.md "Byte budgets"): each camera's recordings are kept within
// `record.max_mb` (allocated bytes), oldest first, never deleting a segment an open event
// or a pending clip still needs. Recordings are found through a SegmentIndex (one walk at
// the first pass, then fed by the recorders), never by a walk per pass.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "storage/event_db.h"
#include "storage/free_space.h"
#include "storage/segment_index.h"
#include "util/clock.h"
#include "util/worker.h"

namespace vigil {

// What one pass deleted (for logs and tests).
struct RetentionReport {
  // §8 expiry. Clip/snapshot counts are events that lost the medium.
  int clips_expired = 0, snapshots_expired = 0, recordings_expired = 0;
  int rows_deleted = 0;     // event rows with neither clip nor snapshot left
  int reviews_expired = 0;  // review segments (rows and thumbnails) past the clips' retention
  int dirs_removed = 0;     // empty folders below recordings/
  // §9 floor.
  int floor_recordings = 0, floor_clips = 0, floor_snapshots = 0;
  // Budgets: segments deleted to bring a camera within record.max_mb; cameras left over
  // their budget because the oldest segment left is still needed (an open event, a clip).
  int budget_recordings = 0, budget_held = 0;
  uint64_t bytes_deleted = 0;  // every file above
  int errors = 0;              // files that could not be deleted, failed database calls
  uint64_t reserved = 0;       // bytes vigil must still write (open recordings' remux, open clips)
  // Tiers: segments moved to the next tier, moves that failed (logged; tried again later).
  int segments_moved = 0, move_errors = 0;
  bool clips_cut = false;    // the clips of events in progress were cut (their cache released)
  bool below_floor = false;  // still below the floor with nothing left to delete
};

class Retention {
 public:
  // `cfg` and `db` must outlive this object.
  Retention(const Config& cfg, EventDb& db, const Clock& clock = SystemClock::instance(),
            FreeSpaceFn free_space = statvfs_free_bytes);
  ~Retention();
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // One full pass: §8.1, §8.2, empty folders, then the §9 floor. Never throws.
  RetentionReport run_once();
  // Only the §9 floor check (every 10 s, and before each new recording segment). Never
  // throws. Returns at once with an empty report when a pass is already running.
  RetentionReport enforce_floor();
  // The writers' gate (storage.md §9): asks the background thread for a floor check
  // soon (at most one a second, requests coalesce) and answers writes_allowed() at once.
  // A pure read on the caller's thread: only the retention thread deletes.
  bool may_write();
  // False while a media file system is below the floor and nothing more can be deleted:
  // callers then start no new recording segments, cache segments or clips (§9). Clears
  // by itself when a later check finds the space back.
  bool writes_allowed() const { return writes_allowed_; }
  // True while the file system holding `path` is in that state (for /api/stats).
  bool below_floor(const std::string& path) const;

  // The clip cache held for events in progress (§9), before start(): `bytes_owed` = what
  // their clips would take if they ended now; `cut(budget)` ends those clips now
  // (asynchronously), writing those that fit in `budget` bytes (the free space above the
  // floor), so their cache can go. Called from the pass: neither may call back into Retention.
  void set_open_clips(std::function<uint64_t()> bytes_owed, std::function<void(uint64_t budget)> cut);

  // What recordings are still needed, per camera: segments that end after the time given
  // are kept whatever their age or the budget (open events from their start minus
  // pre-capture, clips waiting to be cut from their start). Called from the pass, on the
  // retention thread; must not call back into Retention. Set before start().
  using HoldsFn = std::function<std::map<std::string, double>()>;
  void set_recording_holds(HoldsFn holds) { holds_ = std::move(holds); }

  // A recorder published a segment (any thread): it joins the index, and the thread is
  // asked for a budget and floor check soon.
  void segment_completed(const std::string& path, double start, double end);
  // The recordings index (accounting reads it; tests and bench fill it).
  SegmentIndex& index() { return index_; }
  const SegmentIndex& index() const { return index_; }
  // Times a camera was found over its budget with only needed segments left (since start).
  uint64_t budget_held(const std::string& camera) const;
  // The byte budget of a camera (configured or not: the global one), 0 = none.
  uint64_t budget_bytes(const std::string& camera) const;

  // A storage tier as the last pass found it (docs/storage.md "Tiers"), for /api/stats.
  struct TierStatus {
    std::string path;          // the tier's folder (media_dir for tier 0)
    bool ok = true;            // usable at the last check
    std::string error;         // why not (with errno's text); empty when ok
    uint64_t moved_in = 0;     // segments moved into it since start
    uint64_t move_errors = 0;  // moves into it that failed since start
    uint64_t unavailable = 0;  // times it became unusable (each logged once)
    size_t segments = 0;       // index entries on it (filled by tier_status())
  };
  // One per tier, tier 0 (media_dir) first.
  std::vector<TierStatus> tier_status() const;

  // Called on the background thread after each pass it ran, with the pass's report;
  // `full` = run_once, else a floor-only check. Set before start() (tests wait on it).
  using PassHook = std::function<void(const RetentionReport&, bool full)>;
  void set_pass_hook(PassHook hook) { pass_hook_ = std::move(hook); }

  // Background thread: run_once now and every `retention_interval_s` (§8: 5 min), the
  // floor check every `floor_interval_s` (§9: 10 s), both on the injected clock. stop()
  // wakes and joins it promptly.
  void start(double retention_interval_s = 300, double floor_interval_s = 10);
  void stop() { worker_.stop(); }

 private:
  enum class Medium { Clip, Snapshot };
  struct Volume;

  void expire_event_media(Medium m, RetentionReport& r);
  void expire_recordings(RetentionReport& r);
  void expire_reviews(RetentionReport& r);
  void enforce_budgets(RetentionReport& r);
  // Tiers (retention_tiers.cpp): moves each tier's segments older than the next tier's
  // move_after_hours to it, oldest first, never one a hold keeps; bounded per pass.
  void move_segments(RetentionReport& r);
  // Whether archive tier `tier` can be read and written now; logs a change of state once.
  bool check_tier(size_t tier);
  // Start-up: finishes or rolls back the moves a crash interrupted (before the index walk).
  void reconcile_moves();
  // Loads the index by its one walk, the first time a pass needs it (pass_mu_ held).
  void ensure_index();
  // Deletes an indexed segment (unlink, then out of the index; also when already gone).
  bool remove_segment(const std::string& camera, const IndexedSegment& s, RetentionReport& r);
  // True when `s` of `camera` ends after what holds_ keeps (a fresh holds map per pass).
  static bool held(const std::map<std::string, double>& holds, const std::string& camera, const IndexedSegment& s);
  // The whole walk of empty folders (first pass), then only the folders deletions emptied.
  void remove_empty_dirs(RetentionReport& r);
  void remove_emptied_dirs(RetentionReport& r);
  void enforce_floor_locked(RetentionReport& r);
  uint64_t free_recordings(const Volume& v, uint64_t target, RetentionReport& r);
  uint64_t free_event_media(Medium m, const Volume& v, uint64_t target, RetentionReport& r);
  void report_still_below(const std::string& probe, uint64_t free, uint64_t reserved);
  // Records which file systems are blocked; logs when writes may resume.
  void set_below(const std::set<dev_t>& below);
  // Bytes of the recording segments being written (`.part`): their remux at close
  // writes as much again.
  uint64_t open_recording_bytes() const;

  const RetainConfig& retain_for(Medium m, const std::string& camera) const;
  int record_days_for(const std::string& camera) const;
  std::string media_path(Medium m, const EventRecord& e) const;
  // Flag cleared (committed), then the file unlinked. False if the database call failed.
  bool drop_medium(Medium m, const EventRecord& e, RetentionReport& r);
  bool remove_file(const std::string& path, RetentionReport& r);
  void sync_touched_dirs();
  // The worker's loop; `started`: clock mono() at start().
  void loop(double started, double retention_interval_s, double floor_interval_s);

  const Config& cfg_;
  EventDb& db_;
  const Clock& clock_;
  FreeSpaceFn free_space_;
  std::string clips_dir_, recordings_dir_, cache_dir_;

  std::mutex pass_mu_;                  // one pass (full or floor-only) at a time
  std::set<std::string> touched_dirs_;  // folders to fsync after unlinks (guarded by pass_mu_)
  std::set<std::string> emptied_dirs_;  // segment folders deletions or moves may have emptied, any tier (pass_mu_)
  SegmentIndex index_;                  // the finished recording segments (its own lock)
  bool index_loaded_ = false;           // the start-up walk is done (guarded by pass_mu_)
  HoldsFn holds_;                       // set before start()
  std::set<std::string> held_logged_;   // cameras whose current held-over-budget state was logged (pass_mu_)
  mutable std::mutex held_mu_;
  std::map<std::string, uint64_t> budget_held_;  // guarded by held_mu_: held-over-budget episodes per camera
  double last_floor_error_ = -1e18;              // clock mono() of the last "still below" error
  std::map<dev_t, uint64_t> last_usable_;        // per file system, at the last check (guarded by pass_mu_)
  bool blocked_logged_ = false;                  // the current blocked state's start was logged (guarded by pass_mu_)
  std::atomic<bool> writes_allowed_{true};
  mutable std::mutex tiers_mu_;
  std::vector<TierStatus> tiers_;            // guarded by tiers_mu_: one per tier, state of the last check
  std::function<uint64_t()> clips_owed_;     // set before start()
  std::function<void(uint64_t)> cut_clips_;  // set before start()
  mutable std::mutex below_mu_;
  std::set<dev_t> below_devs_;  // guarded by below_mu_: file systems in the blocked state

  static constexpr double kRequestedCheckGap = 1;  // s of the clock between requested floor checks
  std::atomic<bool> check_requested_{false};       // set by may_write() under worker_.mutex()
  PassHook pass_hook_;                             // set before start(); called on the worker thread
  Worker worker_{clock_};  // the background thread, on clock_ (last member: stopped before the rest goes)
};

}  // namespace vigil
