#include "camera/camera.h"

#include <unistd.h>

#include <cmath>

#include "util/log.h"

namespace vigil {
namespace {

double round2(double v) { return std::round(v * 100.0) / 100.0; }

CaptureSettings capture_settings(const CameraConfig& cfg) {
  CaptureSettings s;
  s.camera = cfg.name;
  s.input = cfg.detect_input();
  s.width = cfg.width;
  s.height = cfg.height;
  if (cfg.fps)
    s.fps = *cfg.fps;
  else if (s.input.options.rate)
    s.fps = *s.input.options.rate;  // -r N without fps
  return s;
}

}  // namespace

Camera::Camera(const CameraConfig& cfg, const Clock& clock)
    : cfg_(cfg),
      clock_(clock),
      motion_(cfg.motion, cfg.width, cfg.height),
      camera_fps_(clock.mono()),
      skipped_fps_(clock.mono()),
      process_fps_(clock.mono()),
      detection_fps_(clock.mono()) {
  auto first = std::make_shared<ProcessedFrame>();
  first->frame = make_black_frame(cfg.width, cfg.height);
  latest_ = first;
  capture_ = std::make_unique<Capture>(
      capture_settings(cfg_), [this](FramePtr f) { offer(std::move(f)); }, clock_);
}

Camera::~Camera() { stop(); }

void Camera::start() {
  thread_ = std::thread([this] { process_loop(); });
  capture_->start();
}

void Camera::stop() {
  capture_->stop();
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Camera::offer(FramePtr f) {
  double now = clock_.mono();
  camera_fps_.tick(now);
  {
    std::lock_guard lock(queue_mu_);
    if (queue_.size() >= kQueueSize) {
      skipped_fps_.tick(now);
      return;
    }
    queue_.push_back(std::move(f));
  }
  queue_cv_.notify_one();
}

void Camera::process_loop() {
  tid_ = gettid();
  for (;;) {
    FramePtr f;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      f = std::move(queue_.front());
      queue_.pop_front();
    }
    auto pf = std::make_shared<ProcessedFrame>();
    pf->motion_boxes = motion_.detect(f->plane[0], f->stride[0]);
    pf->frame = std::move(f);
    {
      std::lock_guard lock(latest_mu_);
      latest_ = std::move(pf);
    }
    process_fps_.tick(clock_.mono());
  }
}

ProcessedFramePtr Camera::latest() const {
  std::lock_guard lock(latest_mu_);
  return latest_;
}

CameraStats Camera::stats() {
  double now = clock_.mono();
  CameraStats s;
  s.camera_fps = round2(camera_fps_.rate(now));
  s.skipped_fps = round2(skipped_fps_.rate(now));
  s.process_fps = round2(process_fps_.rate(now));
  s.detection_fps = round2(detection_fps_.rate(now));
  s.pid = tid_;
  s.capture_pid = capture_->thread_id();
  return s;
}

}  // namespace vigil
