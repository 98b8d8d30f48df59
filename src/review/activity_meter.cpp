#include "review/activity_meter.h"

#include <cmath>
#include <utility>

namespace vigil {

std::optional<ActivityBucket> ActivityMeter::add(double frame_time, double motion_area, long long active) {
  const double start = std::floor(frame_time / kActivityBucketSeconds) * kActivityBucketSeconds;
  std::optional<ActivityBucket> done;
  if (current_ && current_->start != start) done = flush();
  if (!current_) current_ = ActivityBucket{camera_, start, 0, 0, 0};
  current_->motion += motion_area;
  current_->objects += active;
  current_->frames += 1;
  return done;
}

std::optional<ActivityBucket> ActivityMeter::flush() {
  std::optional<ActivityBucket> b = std::exchange(current_, std::nullopt);
  if (b && b->motion <= 0 && b->objects <= 0) return std::nullopt;
  return b;
}

}  // namespace vigil
