// Converting frames to OpenCV BGR images (for detection, overlays and snapshots).
// Callers use Frame::bgr(), which converts each frame at most once.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>

#include "input/frame.h"

namespace vigil {

// The whole frame as 8-bit BGR, converted anew (Frame::bgr() caches this).
cv::Mat frame_to_bgr(const Frame& f);

// How many YUV→BGR conversions frame_to_bgr() has made in this process (tests).
uint64_t bgr_conversions();

}  // namespace vigil
