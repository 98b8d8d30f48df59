#include "input/frame_image.h"

#include <atomic>
#include <cstring>
#include <opencv2/imgproc.hpp>

namespace vigil {
namespace {
std::atomic<uint64_t> g_conversions{0};  // frame_to_bgr() calls so far
}

cv::Mat frame_to_bgr(const Frame& f) {
  ++g_conversions;
  // cvtColor wants the three planes one after another without row padding.
  cv::Mat yuv(f.height * 3 / 2, f.width, CV_8UC1);
  for (int r = 0; r < f.height; ++r) std::memcpy(yuv.ptr(r), f.plane[0] + size_t(r) * f.stride[0], f.width);
  uint8_t* u = yuv.ptr(f.height);
  uint8_t* v = u + size_t(f.width / 2) * (f.height / 2);
  for (int r = 0; r < f.height / 2; ++r) {
    std::memcpy(u + size_t(r) * (f.width / 2), f.plane[1] + size_t(r) * f.stride[1], f.width / 2);
    std::memcpy(v + size_t(r) * (f.width / 2), f.plane[2] + size_t(r) * f.stride[2], f.width / 2);
  }
  cv::Mat bgr;
  cv::cvtColor(yuv, bgr, cv::COLOR_YUV2BGR_I420);
  return bgr;
}

uint64_t bgr_conversions() { return g_conversions.load(); }

std::shared_ptr<const cv::Mat> Frame::bgr() const {
  std::lock_guard lock(bgr_mu_);
  if (bgr_) return bgr_;
  auto image = std::make_shared<const cv::Mat>(frame_to_bgr(*this));
  if (cache_bgr_) bgr_ = image;
  return image;
}

void Frame::drop_bgr() const {
  std::shared_ptr<const cv::Mat> dropped;  // freed outside the lock
  std::lock_guard lock(bgr_mu_);
  dropped = std::move(bgr_);
  cache_bgr_ = false;
}

}  // namespace vigil
