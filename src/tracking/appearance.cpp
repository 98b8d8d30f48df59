#include "tracking/appearance.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace vigil {
namespace {

constexpr int kMinSide = 8;   // px: smaller boxes say nothing about colour
constexpr int kSampleW = 24;  // the central part is sampled at most at this size
constexpr int kSampleH = 48;
constexpr int kGreySat = 48;   // S below this (0–255) is grey: binned by V instead of hue
constexpr int kHighSat = 128;  // S from here is the second saturation level

// Bin of one HSV pixel (OpenCV ranges: H 0–179, S and V 0–255).
int bin_of(const cv::Vec3b& hsv) {
  if (hsv[1] < kGreySat) return 16 + std::min(3, hsv[2] / 64);
  const int hue = std::min(7, hsv[0] * 8 / 180);
  return hue * 2 + (hsv[1] >= kHighSat ? 1 : 0);
}

}  // namespace

Appearance describe_appearance(const cv::Mat& bgr, const Box& box) {
  // The central 60 % of the width and 90 % of the height: less background.
  const int w = box.width(), h = box.height();
  cv::Rect inner(box.x1 + w / 5, box.y1 + h / 20, w * 3 / 5, h * 9 / 10);
  inner &= cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (inner.width < kMinSide || inner.height < kMinSide) return {};
  cv::Mat small, hsv;
  cv::resize(bgr(inner), small, {std::min(kSampleW, inner.width), std::min(kSampleH, inner.height)}, 0, 0,
             cv::INTER_AREA);
  cv::cvtColor(small, hsv, cv::COLOR_BGR2HSV);
  Appearance out(2 * kAppearanceBins, 0.0f);
  const int half = hsv.rows / 2;
  for (int y = 0; y < hsv.rows; ++y) {
    float* hist = out.data() + (y < half ? 0 : kAppearanceBins);
    const cv::Vec3b* row = hsv.ptr<cv::Vec3b>(y);
    for (int x = 0; x < hsv.cols; ++x) hist[bin_of(row[x])] += 1.0f;
  }
  for (int part = 0; part < 2; ++part) {
    float* hist = out.data() + part * kAppearanceBins;
    float sum = 0;
    for (int i = 0; i < kAppearanceBins; ++i) sum += hist[i];
    if (sum > 0)
      for (int i = 0; i < kAppearanceBins; ++i) hist[i] /= sum;
  }
  return out;
}

double appearance_distance(const Appearance& a, const Appearance& b) {
  if (a.size() != 2 * kAppearanceBins || b.size() != a.size()) return 0.0;
  double total = 0;
  for (int part = 0; part < 2; ++part) {
    double bc = 0;
    for (int i = 0; i < kAppearanceBins; ++i)
      bc += std::sqrt(double(a[size_t(part * kAppearanceBins + i)]) * double(b[size_t(part * kAppearanceBins + i)]));
    total += 1.0 - std::min(1.0, bc);
  }
  return total / 2;
}

void blend_appearance(Appearance& model, const Appearance& seen, float rate) {
  if (seen.empty()) return;
  if (model.size() != seen.size()) {
    model = seen;
    return;
  }
  for (size_t i = 0; i < model.size(); ++i) model[i] = (1 - rate) * model[i] + rate * seen[i];
}

}  // namespace vigil
