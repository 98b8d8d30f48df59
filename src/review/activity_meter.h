// One camera's activity per 10 s bucket of frame time (storage/activity_record.h): fed
// after every processed frame on the processing thread, it hands back each bucket that
// a frame has moved past. Buckets without motion or objects are not handed back (the
// lane and the API read a missing bucket as zero).
#pragma once

#include <optional>
#include <string>

#include "storage/activity_record.h"

namespace vigil {

class ActivityMeter {
 public:
  explicit ActivityMeter(std::string camera) : camera_(std::move(camera)) {}

  // A processed frame: `motion_area`, the sum of its motion boxes' areas; `active`, its
  // active objects. Returns the previous bucket when `frame_time` is in a later one.
  std::optional<ActivityBucket> add(double frame_time, double motion_area, long long active);
  // The bucket in progress (clean stop), if it holds anything.
  std::optional<ActivityBucket> flush();

 private:
  const std::string camera_;
  // The bucket of the latest frame; its start is kActivityBucketSeconds-aligned. A frame
  // time earlier than its start (a clock step back) starts a new bucket too.
  std::optional<ActivityBucket> current_;
};

}  // namespace vigil
