#include "review/review_thumbnail.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace vigil {

Box review_thumb_crop(const std::vector<Box>& boxes, int width, int height) {
  if (boxes.empty() || width <= 0 || height <= 0) return {0, 0, width, height};
  Box u = boxes[0];
  for (const Box& b : boxes)
    u = {std::min(u.x1, b.x1), std::min(u.y1, b.y1), std::max(u.x2, b.x2), std::max(u.y2, b.y2)};
  // A 10 % margin, at least 180 px high, then widened or heightened to 16:9.
  double w = std::max(1, u.width()) * 1.2, h = std::max(1, u.height()) * 1.2;
  h = std::max(h, double(std::min(kReviewThumbHeight, height)));
  if (w * 9 < h * 16)
    w = h * 16 / 9;
  else
    h = w * 9 / 16;
  w = std::min(w, double(width));
  h = std::min(h, double(height));
  const double cx = (u.x1 + u.x2) / 2.0, cy = (u.y1 + u.y2) / 2.0;
  int x1 = int(std::lround(std::clamp(cx - w / 2, 0.0, width - w)));
  int y1 = int(std::lround(std::clamp(cy - h / 2, 0.0, height - h)));
  return {x1, y1, std::min(width, x1 + int(std::lround(w))), std::min(height, y1 + int(std::lround(h)))};
}

std::string render_review_thumbnail(const Frame& frame, const std::vector<Box>& boxes) {
  std::shared_ptr<const cv::Mat> bgr = frame.bgr();
  Box c = review_thumb_crop(boxes, bgr->cols, bgr->rows);
  cv::Mat crop = (*bgr)(cv::Rect(c.x1, c.y1, c.width(), c.height()));
  const int out_w = std::max(1, int(std::lround(double(c.width()) * kReviewThumbHeight / c.height())));
  cv::Mat small;
  cv::resize(crop, small, cv::Size(out_w, kReviewThumbHeight), 0, 0, cv::INTER_AREA);
  std::vector<uchar> buf;
  if (!cv::imencode(".webp", small, buf, {cv::IMWRITE_WEBP_QUALITY, kReviewThumbQuality}))
    throw std::runtime_error("OpenCV could not encode WebP");
  return std::string(buf.begin(), buf.end());
}

}  // namespace vigil
