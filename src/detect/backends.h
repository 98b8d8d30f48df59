// Internal to src/detect: what make_detector() hands the backends, the OpenCV DNN
// plumbing they share, and the contract's common post-processing (pipeline.md §5.2).
#pragma once

#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "detect/detector.h"

namespace vigil::detect {

constexpr float kMinScore = 0.4f;  // 0.8's score floor, part of the contract

// An OpenCV DNN model with every default of config.md §4.5 resolved.
struct DnnModel {
  std::string detector;  // detector name, for error messages
  std::string weights, config;
  int width = 0, height = 0;
  double scale = 1.0;
  cv::Scalar mean;
  bool swap_rb = false;
  std::map<int, std::string> labels;  // class id → label, label_aliases applied
};

// A box as a model produced it, before the contract's filtering; fractions of the input.
struct Candidate {
  int class_id;
  float score;
  float xmin, ymin, xmax, ymax;
};

// Drops class ids without a label and scores < 0.4, applies class-agnostic NMS (IoU 0.45)
// when `nms`, clamps to [0, 1], sorts by score and keeps the best 20.
std::vector<RawDetection> finish(const std::vector<Candidate>& candidates, const std::map<int, std::string>& labels,
                                 bool nms);

// Throws std::invalid_argument unless `img` is CV_8UC3 of exactly w × h.
void check_input(const cv::Mat& img, int w, int h);

// Common part of the DNN backends: blob from the image per scale/mean/swap_rb, forward
// to every unconnected output, then the kind's decode() and finish().
class DnnDetector : public Detector {
 public:
  int input_width() const override { return m_.width; }
  int input_height() const override { return m_.height; }
  std::vector<RawDetection> detect(const cv::Mat& bgr) override;

 protected:
  // `read` creates the network; OpenCV errors become std::runtime_error naming the detector.
  DnnDetector(DnnModel m, const std::function<cv::dnn::Net(const DnnModel&)>& read);
  virtual std::vector<Candidate> decode(const std::vector<cv::Mat>& outputs) const = 0;

  DnnModel m_;

 private:
  cv::dnn::Net net_;
  std::vector<std::string> out_names_;
  std::vector<cv::Mat> outs_;  // reused between calls
};

// The DNN backends are built through their kind's factory (model_registry.h).
std::unique_ptr<Detector> make_hog_detector(int width, int height);

}  // namespace vigil::detect
