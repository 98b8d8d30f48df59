// Converting frames to OpenCV BGR images (for detection, overlays and snapshots).
#pragma once

#include <opencv2/core.hpp>

#include "input/frame.h"

namespace vigil {

// The whole frame as 8-bit BGR.
cv::Mat frame_to_bgr(const Frame& f);

}  // namespace vigil
