// The events thread (pipeline.md §1, §11; storage.md §3): persists events in progress,
// writes snapshots, finishes events into the `event` table, and answers what the API
// needs about events still in progress. Cameras hand it messages and never wait on
// disk or database.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/switches.h"
#include "events/clip_cutter.h"
#include "events/clip_scheduler.h"
#include "events/event_lifecycle.h"
#include "events/snapshot_writer.h"
#include "storage/event_db.h"
#include "storage/media_layout.h"
#include "util/clock.h"
#include "util/worker.h"

namespace vigil {

class ClipCache;

class EventStore {
 public:
  static constexpr double kPeriod = 10;  // s between cache prunings and retries of failed row writes

  EventStore(const Config& cfg, EventDb& db, const Clock& clock = SystemClock::instance());
  ~EventStore();

  // Asked before each clip is written (storage.md §9: the free-space floor). Before start().
  void set_write_gate(std::function<bool()> gate) { clips_.set_write_gate(std::move(gate)); }

  // The clip cache of a camera (before recover()): event clips are cut from it.
  void add_clip_cache(std::shared_ptr<ClipCache> cache);

  // Before cameras start: finishes the events a crash left open (storage.md §3.1), then
  // deletes cache segments of cameras no longer configured.
  void recover();

  // The cameras' runtime switches (MQTT clips/snapshots `…/set`): events that end
  // from then on follow them instead of the config values. Call before cameras start.
  void set_switches(SwitchesMap s) { switches_ = std::move(s); }

  // The `end` messages of events recover() finished whose `end` MQTT never sent
  // (mqtt.md §1.1 step 5); MQTT announces them on its next connect.
  std::vector<EventMessage> take_recovered_ends() { return std::move(recovered_ends_); }

  // Completion hooks (tests, before start()); called on the events thread.
  // After each posted message was handled: an `end` is then finished or its clip waits.
  void set_on_handled(std::function<void(const EventMessage&)> f) { on_handled_ = std::move(f); }
  // After each attempt to store a finished event (snapshot and clip written or given
  // up): `stored` = its row was written; false = the database refused, retried later.
  void set_on_finished(std::function<void(const std::string& id, bool stored)> f) { on_finished_ = std::move(f); }

  // Seconds stop() goes on cutting clips of ended events (storage.md §3.1).
  static constexpr double kStopGrace = 15;

  void start();
  // Handles every queued message, cuts the clips of ended events for up to `grace` s
  // (injected clock), then stops. A clip not cut by then is left to the next start:
  // its event stays in vigil_open_event and recover() cuts it from the cache, which
  // stop() does not prune. So a slow disk cannot hold a stop for minutes.
  void stop(double grace = kStopGrace);

  // From camera processing threads.
  void post(std::vector<EventMessage> messages);

  // The free-space floor (storage.md §9), from any thread. Bytes the clips still owed
  // would take if every event in progress ended now (the cache segments each clip's span
  // overlaps: an upper bound).
  uint64_t clip_bytes_owed() const;
  // Retention's holds (docs/storage.md "Byte budgets"), from any thread: per camera, the
  // earliest wall time recordings are still needed from — each event in progress from its
  // start minus pre_capture, each clip waiting to be cut from its span's start.
  std::map<std::string, double> recording_holds() const;
  // Asks the events thread to cut those clips now: each ends at this moment and is
  // written from the cache if it fits in `budget` bytes (else it has none); the cache is
  // then released; its event keeps its snapshot and row and is cut once (logged once).
  // Returns at once.
  void cut_open_clips(uint64_t budget);

  // Degraded modes so far (service.degraded of /api/stats), from any thread: snapshots
  // that could not be written, wanted clips that ended without one (no cached video, or
  // no room below the floor), finished events whose row waits for a database retry.
  struct Health {
    uint64_t snapshot_failures = 0, clip_failures = 0, rows_waiting = 0;
  };
  Health health() const { return {snapshot_failures_.load(), clip_failures_.load(), rows_waiting_.load()}; }

  // Events in progress (or ending, not yet written) per camera, from any thread (/api/metrics).
  std::map<std::string, size_t> open_events() const;

  // An event in progress (or ending, not yet written): its latest object state.
  std::optional<std::pair<TrackedObject, const CameraConfig*>> in_progress(const std::string& id) const;

 private:
  void run();
  // Wall time the thread must wake at the latest: the first clip deadline, the next
  // cache pruning, the next retry of unwritten rows (events thread).
  double next_wake(std::optional<double> clip_deadline) const;
  void handle(const EventMessage& m);
  // Snapshot, clip (if `job`), then the `event` row (pipeline.md §11).
  void finish(const EventMessage& m, const ClipJob* job);
  // Finishes the jobs whose span is cached (or whose deadline passed; all when `stopping`).
  void finish_ready_jobs(bool stopping);
  double stop_deadline() const;
  // Deletes cache segments no event needs (storage.md §4.3); every kPeriod, or now if `force`.
  void prune_caches(bool force = false);
  // The floor's cut (cut_open_clips) on the events thread.
  void cut_clips_now(uint64_t budget);
  // Logs a cut (and counts a clip that had no room).
  void log_cut(const std::string& id, const std::string& camera, double t, bool ok, double seconds);
  bool write_finished(const EventRecord& e);
  // Retries the rows a database error kept in memory (every kPeriod; at once if `now`).
  void retry_unwritten(bool now);
  void write_pending_snapshot(const CameraConfig& cam, const EventMessage& m);
  bool snapshots_enabled(const CameraConfig& cam) const;
  // Runs `f` for the event `id`; an exception is logged, not thrown.
  template <class F>
  void guarded(const std::string& id, F&& f);

  const Config& cfg_;
  EventDb& db_;
  const Clock& clock_;
  const MediaLayout layout_;
  const SnapshotWriter snapshots_;
  SwitchesMap switches_;                                       // set before start()
  ClipCutter clips_;                                           // caches, gate, switches: fixed once started
  std::vector<EventMessage> recovered_ends_;                   // filled by recover()
  std::function<void(const EventMessage&)> on_handled_;        // set before start()
  std::function<void(const std::string&, bool)> on_finished_;  // set before start()

  // Guarded by worker_.mutex():
  std::deque<EventMessage> queue_;                                             // posted, not yet handled
  std::map<std::string, std::pair<TrackedObject, const CameraConfig*>> live_;  // events not yet stored
  bool cache_progress_ = false;  // a cache has new data (wakes the thread)
  // Ended events waiting for their clip; changed by the events thread only (clip_bytes_owed reads it).
  ClipScheduler scheduler_;
  // Events whose clip is settled (cut by the floor, or made at the end) until their row
  // is written: their clip result. They hold no cache and owe no clip.
  std::map<std::string, bool> clip_settled_;
  bool cut_requested_ = false;
  double stop_deadline_ = 0;  // monotonic time stop() stops cutting clips at (set by stop())
  uint64_t cut_budget_ = 0;   // bytes the requested cut may write

  // Events thread only:
  std::vector<EventRecord> unwritten_;  // finished, row write failed (retried)
  double last_retry_ = 0;               // wall time of the last retry
  double last_prune_ = 0;               // wall time of the last cache pruning (or of start())

  // Written by the events thread, read by health():
  std::atomic<uint64_t> snapshot_failures_{0}, clip_failures_{0};
  std::atomic<uint64_t> rows_waiting_{0};  // unwritten_.size()

  Worker worker_;  // the events thread; last member, so it stops before the state goes
};

}  // namespace vigil
