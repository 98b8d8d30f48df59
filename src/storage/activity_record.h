// A camera's activity over one 10 s bucket: what Frigate 0.14 keeps per recording
// segment (`recordings.motion`, `recordings.objects`), kept by vigil per bucket of wall
// time so that it does not depend on how recordings are cut. Read by the recordings API
// (`motion`, `objects`), GET /api/review/activity/motion and the timeline's motion lane.
#pragma once

#include <string>

namespace vigil {

inline constexpr double kActivityBucketSeconds = 10;

struct ActivityBucket {
  std::string camera;
  double start = 0;       // Unix time, a multiple of kActivityBucketSeconds
  double motion = 0;      // sum over its frames of the motion boxes' areas (px² of the detect size)
  long long objects = 0;  // sum over its frames of the active objects (moving true positives)
  long long frames = 0;   // frames processed in it
};

}  // namespace vigil
