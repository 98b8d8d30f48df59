// One camera's pipeline: capture thread → 2-frame queue → processing thread. The
// processing thread runs motion detection (and later detection and tracking) and
// publishes the latest processed frame for live view. A slow processing thread drops
// new frames (counted in skipped_fps) instead of queueing them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "config/config.h"
#include "input/capture.h"
#include "motion/motion_detector.h"
#include "util/box.h"
#include "util/clock.h"
#include "util/rate_counter.h"

namespace vigil {

// Everything live view needs about one processed frame. Immutable once published.
struct ProcessedFrame {
  FramePtr frame;                 // black frame of the camera's size before the first one
  std::vector<Box> motion_boxes;  // this frame's motion
  std::vector<Box> regions;       // detection regions of this frame
};
using ProcessedFramePtr = std::shared_ptr<const ProcessedFrame>;

struct CameraStats {
  double camera_fps = 0, process_fps = 0, skipped_fps = 0, detection_fps = 0;
  int pid = 0, capture_pid = 0;
};

class Camera {
 public:
  static constexpr size_t kQueueSize = 2;

  Camera(const CameraConfig& cfg, const Clock& clock = SystemClock::instance());
  ~Camera();
  Camera(const Camera&) = delete;
  Camera& operator=(const Camera&) = delete;

  void start();
  void stop();

  const CameraConfig& config() const { return cfg_; }
  const std::string& name() const { return cfg_.name; }
  // The most recently processed frame (never null).
  ProcessedFramePtr latest() const;
  CameraStats stats();

 private:
  void offer(FramePtr f);  // capture thread
  void process_loop();     // processing thread

  const CameraConfig cfg_;
  const Clock& clock_;
  MotionDetector motion_;
  std::unique_ptr<Capture> capture_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<FramePtr> queue_;  // at most kQueueSize frames waiting for processing
  bool stopping_ = false;       // guarded by queue_mu_

  mutable std::mutex latest_mu_;
  ProcessedFramePtr latest_;  // guarded by latest_mu_

  RateCounter camera_fps_, skipped_fps_, process_fps_, detection_fps_;
  std::atomic<int> tid_{0};
  std::thread thread_;
};

}  // namespace vigil
