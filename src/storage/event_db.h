// The event database (storage.md §2, §3): Frigate 0.8's `event` table, kept byte-compatible
// so 0.8 and tools written against it keep working, plus vigil's own `vigil_` tables that
// persist events in progress. One writer connection (events thread, guarded by a mutex);
// readers (HTTP threads) use separate read-only connections, which WAL lets run while the
// writer commits.
#pragma once

#include <mutex>
#include <optional>
#include <semaphore>
#include <set>
#include <string>
#include <vector>

#include "storage/activity_record.h"
#include "storage/export_record.h"
#include "storage/review_record.h"

struct sqlite3;

namespace vigil {

// One finished event: a row of `event` (false_positive is always 0 and not kept here).
struct EventRecord {
  std::string id, label, camera;
  double start_time = 0, end_time = 0, top_score = 0;
  std::vector<std::string> zones;  // in order of first entry
  std::string thumbnail;           // base64 JPEG
  bool has_clip = false, has_snapshot = false;
};

// An event in progress: a row of `vigil_open_event`.
struct OpenEvent {
  std::string id, label, camera;
  double start_time = 0, last_seen = 0;
  std::optional<double> end_time;  // set once the track ended
  double top_score = 0;
  std::vector<std::string> zones;
  std::string thumbnail;
  std::string state = "open";  // "open" | "ending"
  bool end_announced = false;  // MQTT `end` sent
};

// One group of 0.8's event summary (storage.md §2.4): events of a camera, label, local
// day and zone list.
struct EventSummaryGroup {
  std::string camera, label, day;  // day: local YYYY-MM-DD of start_time
  std::vector<std::string> zones;
  long long count = 0;
};

// Filters of GET /api/events (http-api.md §4.1). The HTTP layer parses and validates.
struct EventQuery {
  std::optional<double> before, after;              // 0 behaves as unset (as in 0.8)
  std::string camera, label, zone;                  // empty = no filter; zone = exact membership
  std::optional<long long> has_clip, has_snapshot;  // values other than 0/1 match nothing
  long long limit = 100;                            // negative = no limit, 0 = none
  bool include_thumbnails = true;
};

// Bytes SQLite holds on the heap now, over every connection of the process (page caches,
// statements): /api/stats `service.memory.sqlite`.
long long sqlite_memory_bytes();

class EventDb {
 public:
  // Opens or creates the database at `path` (storage.md §2.1, §2.6). Throws
  // std::runtime_error naming the file (and the column, if that is the cause) when the
  // file is corrupt, not a database, or incompatible.
  explicit EventDb(const std::string& path);
  ~EventDb();
  EventDb(const EventDb&) = delete;
  EventDb& operator=(const EventDb&) = delete;

  const std::string& path() const { return path_; }

  // Writer side (storage.md §3). Each call is its own transaction; errors throw.
  void open_event(const OpenEvent& e);         // INSERT into vigil_open_event
  void update_open_event(const OpenEvent& e);  // UPDATE every mutable column of the row
  // One transaction: INSERT the `event` row (if insert_row) and DELETE the open row.
  void finish_event(const EventRecord& e, bool insert_row);
  std::vector<OpenEvent> open_events();  // oldest first

  // Retention (storage.md §8.1). Return whether / how many rows changed.
  bool clear_clip(const std::string& id);
  bool clear_snapshot(const std::string& id);
  int delete_rows_without_media();
  // Favourites (Frigate's `retain_indefinitely`, vigil_retained_event): retention keeps
  // their clip and snapshot. False when no event (finished or in progress) has the id.
  bool set_retained(const std::string& id, bool retained);

  // Reader side: safe from any thread, concurrently with the writer. Finished events only.
  std::vector<EventRecord> list(const EventQuery& q);
  std::optional<EventRecord> get(const std::string& id);
  // Ids of the events kept indefinitely (set_retained).
  std::set<std::string> retained_ids();
  // Events in progress (rows of vigil_open_event), newest first; `thumbnails`: with their
  // base64 JPEG, else empty.
  std::vector<OpenEvent> list_open(bool thumbnails);
  // The groups of GET /api/events/summary (http-api.md §4.2), in its order.
  std::vector<EventSummaryGroup> summary(std::optional<long long> has_clip, std::optional<long long> has_snapshot);

  // Review segments (ha-current.md §7.1: the `reviewsegment` table of Frigate 0.14, on
  // this file; review_db.cpp). Writer side: the review thread, and retention.
  // Inserts the row or updates everything but has_been_reviewed.
  void upsert_review(const ReviewSegment& s);
  // Start-up (§7.2): segments left open (end_time NULL) end at `now`; returns how many.
  int close_open_reviews(double now);
  // Marks `ids` reviewed or not; returns how many rows exist among them.
  int set_reviewed(const std::vector<std::string>& ids, bool reviewed);
  // Retention: deletes the segments of `camera` that ended before `before` and returns
  // their thumbnail paths (the caller deletes the files).
  std::vector<std::string> delete_reviews_before(const std::string& camera, double before);
  // Reader side, any thread (the same bounded readers as the events).
  std::vector<ReviewSegment> list_reviews(const ReviewQuery& q);
  std::optional<ReviewSegment> get_review(const std::string& id);

  // Activity buckets (activity_record.h; the vigil-only `vigil_activity` table,
  // activity_db.cpp). Writer side: the review thread (add), retention (delete).
  // Adds each bucket, or adds its counts to the stored one.
  void add_activity(const std::vector<ActivityBucket>& buckets);
  // Deletes the buckets of `camera` that start before `before`; returns how many.
  int delete_activity_before(const std::string& camera, double before);
  // Reader side, any thread: buckets starting in [from, to) of `cameras` (empty: all),
  // by start time then camera.
  std::vector<ActivityBucket> list_activity(const std::vector<std::string>& cameras, double from, double to);

  // Exports (the `export` table of Frigate 0.14 on this file; export_db.cpp). Writer
  // side: the export thread (insert, finish) and the API (rename, delete).
  void insert_export(const ExportRecord& e);
  // The export is done: published (`error` empty) or failed with `error`.
  void finish_export(const std::string& id, const std::string& error);
  // Start-up: exports a stop or crash left unfinished fail with `error`; returns how many.
  int fail_unfinished_exports(const std::string& error);
  bool rename_export(const std::string& id, const std::string& name);  // false: no such export
  bool delete_export(const std::string& id);                           // false: no such export
  // Reader side, any thread. Newest range first.
  std::vector<ExportRecord> list_exports();
  std::optional<ExportRecord> get_export(const std::string& id);

 private:
  class ReaderLease;

  void migrate_reviews();   // creates the reviewsegment table if missing (writer, in the constructor)
  void migrate_exports();   // creates the export table if missing (likewise)
  void migrate_activity();  // creates the vigil_activity table if missing (likewise)

  sqlite3* acquire_reader();
  void release_reader(sqlite3* db);

  std::string path_;
  std::mutex write_mu_;
  sqlite3* writer_ = nullptr;  // guarded by write_mu_
  // At most kMaxReaders reads at once, from any thread, each on its own read-only
  // connection; more wait for a slot. A reader closed while the writer holds its lock
  // on the file keeps its descriptor until vigil exits (SQLite cannot release a POSIX
  // lock's file early: the lock belongs to the process), so readers are never closed
  // before the database is: at most kMaxReaders connections exist, kept for reuse.
  static constexpr int kMaxReaders = 8;
  std::counting_semaphore<kMaxReaders> reader_slots_{kMaxReaders};
  std::mutex readers_mu_;
  std::vector<sqlite3*> idle_readers_;  // guarded by readers_mu_; size <= kMaxReaders
};

}  // namespace vigil
