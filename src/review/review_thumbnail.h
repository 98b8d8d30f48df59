// A review segment's thumbnail (ha-current.md §7.1): a 16:9 crop around the active
// objects' boxes, 180 px high, WebP at quality 60. Runs on the review thread.
#pragma once

#include <string>
#include <vector>

#include "input/frame.h"
#include "util/box.h"

namespace vigil {

constexpr int kReviewThumbHeight = 180;
constexpr int kReviewThumbQuality = 60;

// The crop of a `width`×`height` frame: around `boxes` with a margin, 16:9 where the frame
// allows it, inside the frame. No boxes: the whole frame.
Box review_thumb_crop(const std::vector<Box>& boxes, int width, int height);
// The WebP bytes; throws std::runtime_error when OpenCV cannot encode WebP.
std::string render_review_thumbnail(const Frame& frame, const std::vector<Box>& boxes);

}  // namespace vigil
