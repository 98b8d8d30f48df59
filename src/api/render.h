// Live images: a processed frame with the requested overlays (pipeline.md §9), resized
// and encoded as JPEG (quality 70).
#pragma once

#include <string>

#include "camera/camera.h"

namespace vigil {

struct RenderOptions {
  int height = 0;  // 0 = the frame's own height
  bool bbox = false, timestamp = false, zones = false, mask = false, motion = false, regions = false;
  bool area_interpolation = false;  // latest.jpg: INTER_AREA; MJPEG: bilinear

  // Identifies the variant: viewers with equal keys share one encoding.
  std::string key() const;
};

std::string render_jpeg(const ProcessedFrame& pf, const CameraConfig& cam, const RenderOptions& opt);

// A black JPEG of the given size (best.jpg without a best image).
std::string black_jpeg(int width, int height);

// Local time as MM/DD/YYYY HH:MM:SS (the overlay and snapshot timestamp).
std::string format_local_timestamp(double epoch);

}  // namespace vigil
