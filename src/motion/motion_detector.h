// 0.8's motion detector (pipeline.md §3), reproduced step for step on the Y plane:
// downscale, mask, running averages of frame and difference, threshold, dilate,
// contours larger than contour_area become motion boxes in frame pixels.
#pragma once

#include <memory>
#include <vector>

#include "config/config.h"
#include "util/box.h"

namespace vigil {

class MotionDetector {
 public:
  MotionDetector(const MotionConfig& cfg, int frame_width, int frame_height);
  ~MotionDetector();
  MotionDetector(MotionDetector&&) noexcept;

  // One frame's luma plane (frame_width × frame_height, `stride` bytes per row).
  std::vector<Box> detect(const uint8_t* y, int stride);
  // True during the first 30 frames, while the background settles and no motion is
  // reported.
  bool warming_up() const;
  // Live tuning (MQTT motion_threshold / motion_contour_area / improve_contrast), applied
  // from the next detect(); same thread as detect().
  void tune(double threshold, int contour_area, bool improve_contrast);

 private:
  struct State;  // OpenCV matrices (motion_detector.cpp)
  std::unique_ptr<State> st_;
};

}  // namespace vigil
