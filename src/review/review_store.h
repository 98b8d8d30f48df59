// The review thread (ha-current.md §7): takes the cameras' review messages and writes
// them — the `reviewsegment` row (EventDb) and, when asked, the segment's thumbnail
// (clips/review/thumb-<camera>-<id>.webp, atomic) — off the capture and processing
// threads. One `Worker`; the queue is bounded (kMaxQueue, the oldest dropped first).
// The cameras' motion activity buckets (`vigil_activity`) go the same way, in batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "review/review_maintainer.h"
#include "storage/event_db.h"
#include "util/clock.h"
#include "util/worker.h"

namespace vigil {

class ReviewStore {
 public:
  static constexpr size_t kMaxQueue = 1000;

  // `thumb_dir`: <media_dir>/clips/review (created with the first thumbnail).
  ReviewStore(EventDb& db, std::string thumb_dir, const Clock& clock = SystemClock::instance());
  ~ReviewStore();
  ReviewStore(const ReviewStore&) = delete;
  ReviewStore& operator=(const ReviewStore&) = delete;

  // Closes the segments a previous run left open (end_time = the clock's wall time, §7.2),
  // then starts the thread. Call before the cameras start.
  void start();
  // Writes what is queued, then joins.
  void stop();

  // From processing threads: never waits for the disk.
  void submit(std::vector<ReviewMessage> messages);
  // Motion activity buckets (storage/activity_record.h), likewise; written in batches.
  void submit_activity(ActivityBucket bucket);

  // Tests: called on the review thread after each message is written.
  void set_on_written(std::function<void(const ReviewMessage&)> f) { on_written_ = std::move(f); }
  uint64_t dropped() const { return dropped_; }

 private:
  void run();
  void write(const ReviewMessage& m);

  EventDb& db_;
  const std::string thumb_dir_;
  std::function<void(const ReviewMessage&)> on_written_;  // set before start()
  std::deque<ReviewMessage> queue_;                       // guarded by worker_.mutex()
  std::vector<ActivityBucket> activity_;                  // guarded by worker_.mutex(); at most kMaxQueue
  std::atomic<uint64_t> dropped_{0};                      // messages the full queue dropped
  bool dir_made_ = false;                                 // review thread: thumb_dir_ exists
  Worker worker_;                                         // last: joined before the rest goes
};

}  // namespace vigil
