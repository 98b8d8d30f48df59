// Live images: a processed frame with the requested overlays (pipeline.md §9), resized
// and encoded as JPEG (quality 70).
#pragma once

#include <opencv2/core/types.hpp>
#include <optional>
#include <string>

#include "config/config.h"
#include "render/processed_frame.h"
#include "tracking/objects.h"

namespace cv {
class Mat;
}

namespace vigil {

struct RenderOptions {
  int height = 0;  // 0 = the frame's own height
  bool bbox = false, timestamp = false, zones = false, mask = false, motion = false, regions = false;
  bool area_interpolation = false;  // latest.jpg: INTER_AREA; MJPEG: bilinear

  // Identifies the variant: viewers with equal keys share one encoding.
  std::string key() const;
};

std::string render_jpeg(const ProcessedFrame& pf, const CameraConfig& cam, const RenderOptions& opt);

// A best image (pipeline.md §8) without drawings: `crop` cuts calculate_region(box,
// 1.1) clamped to the frame; `height` > 0 resizes (area interpolation).
std::string render_best(const Thumbnail& t, const CameraConfig& cam, bool crop, int height);

// A snapshot (pipeline.md §10): optional box and label, crop, resize, timestamp; q70.
std::string render_snapshot(const Thumbnail& t, const std::string& label, const CameraConfig& cam, bool timestamp,
                            bool bounding_box, bool crop, int height);
// An event thumbnail: crop, 175 px high, no drawings; black 175×175 without a frame.
std::string render_thumbnail(const std::optional<Thumbnail>& t, const CameraConfig& cam);
// thumbnail.jpg?format=android: black borders left and right of int(width × 0.5) px.
std::string pad_android(const std::string& jpeg);

// Draws a box with its label text above it (pipeline.md §9 `bbox`).
void draw_box(cv::Mat& img, const Box& b, const cv::Scalar& colour, int thickness, const std::string& text);

// A black JPEG of the given size (best.jpg without a best image).
std::string black_jpeg(int width, int height);

// Local time as MM/DD/YYYY HH:MM:SS (the overlay and snapshot timestamp).
std::string format_local_timestamp(double epoch);

}  // namespace vigil
