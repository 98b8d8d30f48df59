// The configured detectors behind one queue shared by all cameras (pipeline.md §5.2).
// Each detector runs `workers` threads (default: one per core), each with its own
// network; the queue serves cameras round-robin (fair_queue.h). A camera sends a
// frame's regions together and waits for their results (at most 10 s), so one camera's
// regions run on several workers at once. A detector whose current
// inference has run for more than 10 s is replaced by a fresh one (network
// re-created, with no lock held that a camera or /api/stats needs); the stuck thread is
// retired: it exits when its call returns, and stop() joins it (no thread is detached,
// so shutdown waits for a call still in progress).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "detect/detector.h"
#include "util/clock.h"

namespace vigil {

struct DetectorStats {
  std::string name;
  double inference_speed = 10.0;  // ms, running average (9·avg + t)/10
  double detection_start = 0.0;   // epoch s the current inference began, 0.0 when idle
  int pid = 0;                    // thread id of the detector thread
  uint64_t restarts = 0;          // stuck inferences the watchdog restarted (service.degraded)
};

class DetectorPool {
 public:
  static constexpr double kTimeout = 10.0;   // seconds a request or an inference may take
  static constexpr double kStopGrace = 3.0;  // seconds stop() waits for inferences in progress

  // Builds a detector for one config entry; the default is make_detector() with the
  // global model size. Tests pass their own to simulate a stuck or slow backend.
  using Factory = std::function<std::unique_ptr<Detector>(const DetectorConfig&)>;

  // Builds every configured detector; throws std::runtime_error naming the one that
  // cannot be loaded. The watchdog checks once a second of `clock`.
  explicit DetectorPool(const Config& cfg, const Clock& clock = SystemClock::instance(), Factory make = {});
  ~DetectorPool();
  DetectorPool(const DetectorPool&) = delete;
  DetectorPool& operator=(const DetectorPool&) = delete;

  void start();
  // Stops taking requests (callers waiting for a result get none at once) and joins
  // every detector thread that finishes its inference within `grace` s of the clock.
  // Returns the names of detectors still inside an inference then (a hung accelerator or
  // driver call, which nothing can interrupt): their threads keep running, and the
  // destructor would wait for them, so the app exits around them (app.cpp).
  std::vector<std::string> stop(double grace = kStopGrace);

  // Input size of the first detector: regions are resized to it before queueing
  // (a detector of another size resizes again).
  int input_width() const;
  int input_height() const;

  // Runs one 8-bit BGR image (square region) on the next free worker and waits.
  // nullopt when no result came within kTimeout or the pool is stopping. `source`
  // names the camera: requests are served in turn by source.
  std::optional<std::vector<RawDetection>> detect(const cv::Mat& bgr, const std::string& source = {});
  // Queues every image at once (they may run on several workers in parallel) and waits
  // for all of them; one result per image, nullopt for those without a result within
  // kTimeout (or when the pool is stopping).
  std::vector<std::optional<std::vector<RawDetection>>> detect_all(const std::vector<cv::Mat>& images,
                                                                   const std::string& source = {});

  // One entry per configured detector, over its workers.
  std::vector<DetectorStats> stats() const;
  // Detection requests waiting for a detector now (/api/metrics).
  size_t queued() const;

  // True when a detector cannot find objects that are small in its input (HOG needs
  // people at least 64×128 px), so whole frames must not be shrunk into one pass.
  bool needs_native_scale() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil
