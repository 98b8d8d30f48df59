// A decoded picture of a camera's detect input: YUV 4:2:0 planar, the camera's
// configured width×height, stamped with its frame time. Frames are immutable once
// published and shared by reference count between stages (never copied).
#pragma once

#include <cstdint>
#include <memory>

namespace vigil {

struct Frame {
  int width = 0;
  int height = 0;
  double time = 0;   // frame time: wall clock at decode, strictly increasing per camera
  uint64_t seq = 0;  // per-camera sequence number, 1 for the first frame
  const uint8_t* plane[3] = {nullptr, nullptr, nullptr};  // Y, U, V
  int stride[3] = {0, 0, 0};                              // bytes per row of each plane
  std::shared_ptr<void> owner;                            // keeps the pixel buffers alive (decoder frame or vector)
};

using FramePtr = std::shared_ptr<const Frame>;

// A frame of the given size that converts to pure black (Y=0, U=V=128).
FramePtr make_black_frame(int width, int height);

}  // namespace vigil
