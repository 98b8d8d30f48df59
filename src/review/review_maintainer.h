// One camera's review segments (ha-current.md §7.2, with 0.17's cutoffs and review_status
// rule): fed after every processed frame with its active objects, it starts, updates and
// ends segments and says what to announce. Pure logic on the processing thread; time is
// the frame time. The messages go to MQTT (`<p>/reviews`, review_status) and to the
// review thread (database row, thumbnail).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "input/frame.h"
#include "review/review_rules.h"
#include "storage/review_record.h"
#include "util/box.h"

namespace vigil {

struct ReviewMessage {
  enum Type { kNew, kUpdate, kEnd } type;
  ReviewSegment before;  // as last announced (for `new`: the same as after)
  ReviewSegment after;   // now; for `end` with end_time set
  // A new thumbnail to write (new segment, or more active objects than in the current
  // one): the frame and the boxes of its active objects.
  FramePtr thumb_frame;
  std::vector<Box> thumb_boxes;
  bool announce = true;  // publish on `<p>/reviews` (false: a silent row update)
};

class ReviewMaintainer {
 public:
  // `thumb_dir`: where thumbnails go (<media_dir>/clips/review), named in thumb_path.
  ReviewMaintainer(const CameraConfig& cam, std::string thumb_dir);

  // After each processed frame. `recording`: the camera's recordings switch (no new
  // segment while off; an open one is still updated and ended). `alerts_on` /
  // `detections_on`: the review switches (which severities may start or upgrade).
  std::vector<ReviewMessage> update(double frame_time, const std::vector<ReviewActiveObject>& active,
                                    const FramePtr& frame, bool recording, bool alerts_on, bool detections_on);
  // Clean stop: the open segment ends at its last activity.
  std::vector<ReviewMessage> end_all();

  bool open() const { return open_.has_value(); }

 private:
  struct Open {
    ReviewSegment segment;     // now
    ReviewSegment announced;   // as last published
    double last_activity = 0;  // frame time of the latest frame with active objects
    size_t thumb_objects = 0;  // active objects in the current thumbnail
  };
  ReviewMessage finish();  // ends open_ at its last activity

  const CameraConfig& cam_;
  const std::string thumb_dir_;
  std::optional<Open> open_;  // processing thread only: the camera's open segment
};

}  // namespace vigil
