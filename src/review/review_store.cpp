#include "review/review_store.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "review/review_thumbnail.h"
#include "storage/files.h"
#include "storage/media_layout.h"
#include "util/log.h"

namespace vigil {

ReviewStore::ReviewStore(EventDb& db, std::string thumb_dir, const Clock& clock)
    : db_(db), thumb_dir_(std::move(thumb_dir)), worker_(clock) {}

ReviewStore::~ReviewStore() { stop(); }

void ReviewStore::start() {
  auto log = logger("vigil.review");
  // Thumbnails a crash left half-written never became visible (dot-named temporaries).
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(thumb_dir_, ec))
    if (is_temporary_name(entry.path().filename().string())) std::filesystem::remove(entry.path(), ec);
  try {
    if (int n = db_.close_open_reviews(worker_.clock().wall()))
      log->info("closed {} review segment(s) a previous run left open", n);
  } catch (const std::exception& e) {
    log->error("closing open review segments: {}", e.what());
  }
  worker_.start([this] { run(); });
}

void ReviewStore::stop() { worker_.stop(); }

void ReviewStore::submit(std::vector<ReviewMessage> messages) {
  if (messages.empty()) return;
  {
    std::lock_guard lock(worker_.mutex());
    for (ReviewMessage& m : messages) {
      if (queue_.size() >= kMaxQueue) {
        queue_.pop_front();
        if (dropped_++ == 0) logger("vigil.review")->warn("more than {} review messages waiting; dropping", kMaxQueue);
      }
      queue_.push_back(std::move(m));
    }
  }
  worker_.notify();
}

void ReviewStore::submit_activity(ActivityBucket bucket) {
  {
    std::lock_guard lock(worker_.mutex());
    if (activity_.size() >= kMaxQueue) {
      if (dropped_++ == 0) logger("vigil.review")->warn("more than {} activity buckets waiting; dropping", kMaxQueue);
      return;
    }
    activity_.push_back(std::move(bucket));
  }
  worker_.notify();
}

void ReviewStore::run() {
  for (;;) {
    std::optional<ReviewMessage> m;
    std::vector<ActivityBucket> activity;
    {
      std::unique_lock lock(worker_.mutex());
      worker_.wait(lock, [this] { return !queue_.empty() || !activity_.empty(); });
      if (queue_.empty() && activity_.empty()) return;  // stopping, and everything is written
      if (!queue_.empty()) {
        m = std::move(queue_.front());
        queue_.pop_front();
      }
      activity.swap(activity_);
    }
    if (!activity.empty()) {
      try {
        db_.add_activity(activity);
      } catch (const std::exception& e) {
        logger("vigil.review")->error("activity of {} bucket(s): {}", activity.size(), e.what());
      }
    }
    if (m) {
      write(*m);
      if (on_written_) on_written_(*m);
    }
  }
}

void ReviewStore::write(const ReviewMessage& m) {
  auto log = logger("vigil.review");
  if (m.thumb_frame) {
    // Made with the first thumbnail: a vigil that never has a segment adds no folder to clips/.
    std::error_code ec;
    if (!dir_made_) dir_made_ = std::filesystem::create_directories(thumb_dir_, ec) || !ec;
    if (ec) log->warn("cannot create {}: {}", thumb_dir_, ec.message());
    try {
      std::string webp = render_review_thumbnail(*m.thumb_frame, m.thumb_boxes);
      if (Status st = write_file_atomically(m.after.thumb_path, webp); !st.ok())
        log->warn("review thumbnail {}: {}", m.after.thumb_path, st.why());
    } catch (const std::exception& e) {
      log->warn("review thumbnail {}: {}", m.after.thumb_path, e.what());
    }
  }
  try {
    db_.upsert_review(m.after);
  } catch (const std::exception& e) {
    log->error("review segment {}: {}", m.after.id, e.what());
  }
}

}  // namespace vigil
