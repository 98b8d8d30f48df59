// OpenCV's HOG + linear SVM people detector (pipeline.md §5.3): the fallback when no
// model file is configured. Person only; score = 1 / (1 + e^−w) of the SVM weight w.
// No NMS beyond detectMultiScale's own grouping (groupThreshold 2).
//
// Measured with detector_test's DISABLED_DetectorTiming (2-vCPU VM, OpenCV 4.6, mean of
// 50 calls, 400×400 vtest image): detect() 34 ms with 1 thread, 17 ms with 2 threads.
#include <cmath>
#include <opencv2/objdetect.hpp>

#include "detect/backends.h"

namespace vigil::detect {
namespace {

class HogDetector : public Detector {
 public:
  HogDetector(int width, int height) : width_(width), height_(height) {
    hog_.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
  }
  int input_width() const override { return width_; }
  int input_height() const override { return height_; }

  std::vector<RawDetection> detect(const cv::Mat& bgr) override {
    check_input(bgr, width_, height_);
    std::vector<cv::Rect> rects;
    std::vector<double> weights;
    hog_.detectMultiScale(bgr, rects, weights, /*hitThreshold=*/0, cv::Size(8, 8), cv::Size(8, 8), /*scale=*/1.05,
                          /*groupThreshold=*/2);
    std::vector<Candidate> found;
    for (size_t i = 0; i < rects.size(); ++i) {
      const cv::Rect& r = rects[i];
      const float score = static_cast<float>(1.0 / (1.0 + std::exp(-weights[i])));
      found.push_back({0, score, float(r.x) / width_, float(r.y) / height_, float(r.x + r.width) / width_,
                       float(r.y + r.height) / height_});
    }
    return finish(found, kLabels, /*nms=*/false);
  }

 private:
  inline static const std::map<int, std::string> kLabels = {{0, "person"}};
  int width_, height_;
  cv::HOGDescriptor hog_;
};

}  // namespace

std::unique_ptr<Detector> make_hog_detector(int width, int height) {
  return std::make_unique<HogDetector>(width, height);
}

}  // namespace vigil::detect
