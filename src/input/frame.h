// A decoded picture of a camera's detect input: YUV 4:2:0 planar, the camera's
// configured width×height, stamped with its frame time. Frames are immutable once
// published and shared by reference count between stages (never copied).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

namespace cv {
class Mat;
}

namespace vigil {

struct Frame {
  Frame() = default;
  Frame(const Frame&) = delete;  // shared by pointer; the BGR image is computed once per frame
  Frame& operator=(const Frame&) = delete;

  int width = 0;
  int height = 0;
  double time = 0;   // frame time: wall clock at decode, strictly increasing per camera
  uint64_t seq = 0;  // per-camera sequence number, 1 for the first frame
  const uint8_t* plane[3] = {nullptr, nullptr, nullptr};  // Y, U, V
  int stride[3] = {0, 0, 0};                              // bytes per row of each plane
  std::shared_ptr<void> owner;                            // keeps the pixel buffers alive (decoder frame or vector)

  // The whole frame as 8-bit BGR, converted on the first call (from any thread) and
  // shared by every later caller: detection, live view, snapshots. Read-only: draw on a
  // clone(). Lives as long as the frame (input/frame_image.cpp).
  const cv::Mat& bgr() const;

 private:
  mutable std::once_flag bgr_once_;             // the conversion runs once
  mutable std::shared_ptr<const cv::Mat> bgr_;  // set inside bgr_once_, then never changed
};

using FramePtr = std::shared_ptr<const Frame>;

// A frame of the given size that converts to pure black (Y=0, U=V=128).
FramePtr make_black_frame(int width, int height);

}  // namespace vigil
