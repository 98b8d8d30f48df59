// The finished 24/7 recording segments, per camera, ordered oldest first, held in memory
// for retention (docs/storage.md "Byte budgets"), so that no pass walks the folder.
//
// What it guarantees:
// - It holds only finished segments: it is built by one walk of recordings/ at start-up
//   (dot-names — the `.part` a recorder is writing, a remux's temporary — are skipped)
//   and then fed by the recorders once a segment is published (renamed to its final
//   name), so a segment a recorder is still writing is never in it.
// - Entries leave it when retention deletes the file (`erase`), or when a pass finds the
//   file gone (another program deleted it): the index can hold a file that is no longer
//   there, never miss one vigil wrote since start-up.
// - Per camera, `bytes` is the sum of its entries' allocated bytes (st_blocks × 512, what
//   `du` counts), kept in step with every insert and erase.
// - Safe from any thread (one mutex); no I/O under the lock.
//
// Tiers (docs/storage.md "Tiers"): an entry names its segment by its path relative to
// recordings/, the same on every tier; its `tier` says which tier's root holds it, so a
// move is an update of one entry, and budgets keep counting over all tiers.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "storage/recording_roots.h"

namespace vigil {

struct IndexedSegment {
  double start = 0;    // wall time of its first packet (from its name; else its mtime)
  double end = 0;      // wall time it was completed (recorder) or its mtime (walk)
  uint64_t bytes = 0;  // allocated on disk: st_blocks × 512
  std::string rel;     // path below recordings/: YYYY-MM/DD/HH/<camera>/MM.SS.mp4
  // The tier holding it (index into RecordingRoots); not part of the order, so a move
  // changes it in place (set_tier, under the index's lock).
  mutable size_t tier = 0;

  // Oldest first; the path breaks ties (two segments of one second after a DST change).
  bool operator<(const IndexedSegment& o) const { return start != o.start ? start < o.start : rel < o.rel; }
};

// One camera's totals, for accounting.
struct CameraUsage {
  uint64_t bytes = 0;  // allocated bytes of its segments
  size_t segments = 0;
  std::optional<double> oldest_start;  // start of its oldest segment
  // Bytes and seconds of the segments that ended within the last hour (the write rate).
  uint64_t recent_bytes = 0;
  double recent_seconds = 0;
};

class SegmentIndex {
 public:
  explicit SegmentIndex(RecordingRoots roots);

  // Tier 0's recordings/ (where recorders write).
  const std::string& recordings_dir() const { return roots_.first(); }
  const RecordingRoots& roots() const { return roots_; }
  // Full path of an entry on its tier.
  std::string path_of(const IndexedSegment& s) const { return roots_[s.tier] + "/" + s.rel; }

  // The start-up walk of every tier (run reconcile_tiers first, so no segment is on two
  // tiers; should one be, the higher tier's entry wins): every finished segment below recordings/ (dot-names skipped,
  // files that are not `…/<camera>/MM.SS.mp4` at segment depth left out). Merges with what
  // recorders added meanwhile (an entry is never counted twice). Returns the count found.
  size_t load();
  // A segment a recorder published: stats it for its allocated size. False when the file
  // cannot be stat'ed or is not a segment name below recordings/.
  bool add_file(const std::string& path, double start, double end);
  // Adds an entry as given (tests, bench). False if already there.
  bool insert(const std::string& camera, IndexedSegment s);
  // Removes an entry (the file was deleted or is gone). False if it was not there.
  bool erase(const std::string& camera, const IndexedSegment& s);
  // A move finished: the entry now lives on `tier`. False if it is not there.
  bool set_tier(const std::string& camera, const IndexedSegment& s, size_t tier);
  // Entries of `camera` on `tier` that ended before `t`, oldest first, at most `n`.
  std::vector<IndexedSegment> on_tier_ended_before(const std::string& camera, size_t tier, double t, size_t n) const;
  // The oldest `n` entries of `camera` on `tier`.
  std::vector<IndexedSegment> oldest_on_tier(const std::string& camera, size_t tier, size_t n) const;
  // Allocated bytes of `camera` per tier (size = the number of tiers).
  std::vector<uint64_t> tier_bytes(const std::string& camera) const;
  // Entries on `tier`, all cameras.
  size_t count_on_tier(size_t tier) const;

  // The oldest `n` entries of `camera` (a copy: the caller deletes without the lock).
  std::vector<IndexedSegment> oldest(const std::string& camera, size_t n) const;
  // Entries of `camera` that started before `t`, oldest first, at most `n`.
  std::vector<IndexedSegment> started_before(const std::string& camera, double t, size_t n) const;
  uint64_t bytes(const std::string& camera) const;
  // Totals of `camera`; the recent rate counts segments that ended after `now − 3600`.
  CameraUsage usage(const std::string& camera, double now) const;
  std::vector<std::string> cameras() const;
  size_t size() const;

 private:
  struct Camera {
    std::set<IndexedSegment> segments;  // oldest first
    uint64_t bytes = 0;                 // sum of segments' bytes
  };
  RecordingRoots roots_;  // fixed at construction
  mutable std::mutex mu_;
  std::map<std::string, Camera> cams_;  // guarded by mu_
};

// Allocated bytes of a file (st_blocks × 512), as `du` counts them; nullopt if it cannot
// be stat'ed.
std::optional<uint64_t> allocated_bytes(const std::string& path);

}  // namespace vigil
