// The events thread (pipeline.md §1, §11; storage.md §3): persists events in progress,
// writes snapshots, finishes events into the `event` table, and answers what the API
// needs about events still in progress. Cameras hand it messages and never wait on
// disk or database.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "config/switches.h"
#include "events/event_lifecycle.h"
#include "storage/event_db.h"
#include "util/clock.h"

namespace vigil {

class ClipCache;

class EventStore {
 public:
  EventStore(const Config& cfg, EventDb& db, const Clock& clock = SystemClock::instance());
  ~EventStore();

  // Asked before each clip is written (storage.md §9: the free-space floor). Before start().
  void set_write_gate(std::function<bool()> gate) { gate_ = std::move(gate); }

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

  void start();
  // Handles every queued message, then stops.
  void stop();

  // From camera processing threads.
  void post(std::vector<EventMessage> messages);

  // The free-space floor (storage.md §9), from any thread. Bytes the clips still owed
  // would take if every event in progress ended now (the cache segments each clip's span
  // overlaps: an upper bound).
  uint64_t clip_bytes_owed() const;
  // Asks the events thread to cut those clips now: each ends at this moment and is
  // written from the cache if it fits in `budget` bytes (else it has none); the cache is
  // then released; its event keeps its snapshot and row and is cut once (logged once).
  // Returns at once.
  void cut_open_clips(uint64_t budget);

  // An event in progress (or ending, not yet written): its latest object state.
  std::optional<std::pair<TrackedObject, const CameraConfig*>> in_progress(const std::string& id) const;

 private:
  // An ended event waiting for the cache to hold its clip's span (storage.md §4.2).
  struct ClipJob {
    EventMessage end;
    double a = 0, b = 0;  // the clip's span, wall time
    double deadline = 0;  // wall time after which the clip is cut from what exists
  };

  void run();
  void handle(const EventMessage& m);
  // Snapshot, clip (if `job`), then the `event` row (pipeline.md §11).
  void finish(const EventMessage& m, const ClipJob* job);
  bool clip_wanted(const CameraConfig& cam, const std::string& label, const std::vector<std::string>& zones) const;
  // The clip's span for an event from `start` to `end` (wall/frame time).
  std::pair<double, double> clip_span(const CameraConfig& cam, double start, double end) const;
  bool make_clip(const std::string& camera, const std::string& id, double a, double b, bool cut = false);
  // Finishes the jobs whose span is cached (or whose deadline passed; all when `all`).
  void finish_ready_jobs(bool all);
  // Deletes cache segments no event needs (storage.md §4.3); every 10 s, or now if `force`.
  void prune_caches(bool force = false);
  // The floor's cut (cut_open_clips) on the events thread.
  void cut_clips_now(uint64_t budget);
  // The clip of a cut event, if its bytes fit in `budget` (then taken from it).
  bool make_cut_clip(const std::string& camera, const std::string& id, double a, double b, uint64_t& budget);
  double next_job_deadline() const;
  bool write_finished(const EventRecord& e);
  // Retries the rows a database error kept in memory (every 10 s; at once if `now`).
  void retry_unwritten(bool now);
  bool write_snapshot(const CameraConfig& cam, const TrackedObject& o, bool pending);
  void write_pending_snapshot(const CameraConfig& cam, const EventMessage& m);
  bool snapshots_enabled(const CameraConfig& cam) const;
  bool clips_enabled(const CameraConfig& cam) const;
  std::string snapshot_path(const std::string& camera, const std::string& id, bool pending) const;

  const Config& cfg_;
  EventDb& db_;
  const Clock& clock_;
  SwitchesMap switches_;
  std::vector<EventMessage> recovered_ends_;  // filled by recover()
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<EventMessage> queue_;                                             // guarded by mu_
  bool stopping_ = false;                                                      // guarded by mu_
  std::map<std::string, std::pair<TrackedObject, const CameraConfig*>> live_;  // guarded by mu_
  bool cache_progress_ = false;                               // guarded by mu_: a cache has new data (wakes the thread)
  std::map<std::string, std::shared_ptr<ClipCache>> caches_;  // by camera; fixed after start()
  std::vector<ClipJob> jobs_;  // changed by the events thread only, under mu_ (clip_bytes_owed reads it)
  // Events whose clip is settled (cut by the floor, or made at the end) until their row
  // is written: their clip result. They hold no cache and owe no clip.
  std::map<std::string, bool> clip_settled_;  // guarded by mu_
  bool cut_requested_ = false;                // guarded by mu_
  uint64_t cut_budget_ = 0;                   // guarded by mu_: bytes the requested cut may write
  std::function<bool()> gate_;                // may a clip be written now
  std::vector<EventRecord> unwritten_;        // events thread only: finished, row write failed (retried)
  double last_retry_ = 0;                     // events thread only: wall time of the last retry
  double last_prune_ = 0;                     // events thread only: wall time of the last cache pruning
  std::thread thread_;
};

}  // namespace vigil
