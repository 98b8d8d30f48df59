#include "motion/motion_detector.h"

#include <opencv2/imgproc.hpp>

namespace vigil {

struct MotionDetector::State {
  MotionConfig cfg;
  int W, H, mw, mh;
  double r;                       // motion image → frame scale factor
  cv::Mat mask;                   // 255 where pixels are masked (resized mask value exactly 0)
  cv::Mat avg_frame;              // CV_32F, background running average
  cv::Mat avg_delta;              // CV_32F, running average of differences
  int frame_counter = 0;          // warm-up frames seen (stops at 30)
  int motion_frame_count = 0;     // consecutive frames with motion
  bool warm_up_frame = true;      // the latest frame was a warm-up frame (no boxes possible)
  bool improve_contrast = false;  // stretch the small image's min..max to 0..255 first
  cv::Mat small, avg8, delta, thresh, delta8, combined, dilated;
};

MotionDetector::MotionDetector(const MotionConfig& cfg, int W, int H) : st_(std::make_unique<State>()) {
  State& s = *st_;
  s.cfg = cfg;
  s.W = W;
  s.H = H;
  s.mh = cfg.frame_height > 0 ? cfg.frame_height : H / 6;
  s.mw = s.mh * W / H;
  s.r = double(H) / s.mh;
  cv::Mat full(H, W, CV_8UC1, cv::Scalar(255));
  std::vector<std::vector<cv::Point>> polys;
  for (const auto& p : cfg.mask.polygons) {
    std::vector<cv::Point> pts;
    for (auto [x, y] : p.points) pts.emplace_back(x, y);
    polys.push_back(pts);
  }
  if (!polys.empty()) cv::fillPoly(full, polys, cv::Scalar(0));
  cv::Mat resized;
  cv::resize(full, resized, cv::Size(s.mw, s.mh), 0, 0, cv::INTER_LINEAR);
  s.mask = resized == 0;
  s.avg_frame = cv::Mat::zeros(s.mh, s.mw, CV_32F);
  s.avg_delta = cv::Mat::zeros(s.mh, s.mw, CV_32F);
}

MotionDetector::~MotionDetector() = default;
MotionDetector::MotionDetector(MotionDetector&&) noexcept = default;

bool MotionDetector::warming_up() const { return st_->warm_up_frame; }

void MotionDetector::tune(double threshold, int contour_area, bool improve_contrast) {
  st_->cfg.threshold = threshold;
  st_->cfg.contour_area = contour_area;
  st_->improve_contrast = improve_contrast;
}

std::vector<Box> MotionDetector::detect(const uint8_t* y, int stride) {
  State& s = *st_;
  const MotionConfig& c = s.cfg;
  cv::Mat luma(s.H, s.W, CV_8UC1, const_cast<uint8_t*>(y), stride);
  cv::resize(luma, s.small, cv::Size(s.mw, s.mh), 0, 0, cv::INTER_LINEAR);
  // 0.14's improve_contrast, cheaply: a min–max stretch of the unmasked pixels, so a
  // dim or washed-out scene still produces differences above the threshold.
  if (s.improve_contrast) cv::normalize(s.small, s.small, 0, 255, cv::NORM_MINMAX, -1, ~s.mask);
  s.small.setTo(255, s.mask);

  std::vector<Box> boxes;
  s.warm_up_frame = s.frame_counter < 30;
  if (s.frame_counter < 30) {
    s.frame_counter++;
  } else {
    cv::convertScaleAbs(s.avg_frame, s.avg8);  // rounds to nearest, clamps to 0–255
    cv::absdiff(s.small, s.avg8, s.delta);
    cv::accumulateWeighted(s.delta, s.avg_delta, c.delta_alpha);
    cv::threshold(s.delta, s.thresh, c.threshold, 255, cv::THRESH_BINARY);
    cv::convertScaleAbs(s.avg_delta, s.delta8);
    cv::bitwise_and(s.delta8, s.thresh, s.combined);
    cv::threshold(s.combined, s.combined, c.threshold, 255, cv::THRESH_BINARY);
    cv::dilate(s.combined, s.dilated, cv::Mat(), cv::Point(-1, -1), 2);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(s.dilated, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    for (const auto& ct : contours) {
      if (cv::contourArea(ct) <= c.contour_area) continue;
      cv::Rect b = cv::boundingRect(ct);
      boxes.push_back({int(b.x * s.r), int(b.y * s.r), int((b.x + b.width) * s.r), int((b.y + b.height) * s.r)});
    }
  }

  // Background update: a change is absorbed only after it has lasted 10 frames.
  if (!boxes.empty()) {
    s.motion_frame_count++;
    if (s.motion_frame_count >= 10) cv::accumulateWeighted(s.small, s.avg_frame, c.frame_alpha);
  } else {
    cv::accumulateWeighted(s.small, s.avg_frame, c.frame_alpha);
    s.motion_frame_count = 0;
  }
  return boxes;
}

}  // namespace vigil
