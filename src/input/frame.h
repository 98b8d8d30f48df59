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

  // The whole frame as 8-bit BGR, converted on the first call (from any thread; a
  // concurrent caller waits for that conversion) and shared by every later caller:
  // detection, live view, snapshots. Read-only: draw on a clone(). (input/frame_image.cpp)
  std::shared_ptr<const cv::Mat> bgr() const;
  // Forgets the cached BGR image (holders keep theirs) and stops caching: a later bgr()
  // converts again without keeping the result. The camera calls it when the frame stops
  // being its latest, so frames kept as best images hold only their YUV buffer.
  void drop_bgr() const;

 private:
  mutable std::mutex bgr_mu_;                   // guards bgr_ and cache_bgr_; held during the conversion
  mutable std::shared_ptr<const cv::Mat> bgr_;  // the cached image, null until bgr() or after drop_bgr()
  mutable bool cache_bgr_ = true;               // false after drop_bgr()
};

using FramePtr = std::shared_ptr<const Frame>;

// A frame of the given size that converts to pure black (Y=0, U=V=128).
FramePtr make_black_frame(int width, int height);

}  // namespace vigil
