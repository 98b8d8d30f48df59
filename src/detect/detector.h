// The object detector contract (pipeline.md §5.2): one square-ish 8-bit BGR image of the
// model's input size in, labelled boxes in fractions of that image out. The backends
// (YOLOX, darknet, SSD via OpenCV DNN; OpenCV's HOG people detector) live in
// src/detect/*_detector.cpp and are built by make_detector().
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/box.h"

namespace cv {
class Mat;
}

namespace vigil {

struct RawDetection {
  std::string label;
  float score;
  float ymin, xmin, ymax, xmax;  // fractions 0–1 of the input image
};

// Not thread-safe: a detector thread owns its Detector (cv::dnn::Net keeps per-call state).
class Detector {
 public:
  virtual ~Detector() = default;
  virtual int input_width() const = 0;
  virtual int input_height() const = 0;
  // `bgr`: 8-bit BGR (CV_8UC3) image of exactly input_width × input_height, else
  // std::invalid_argument. Returns ≤ 20 results with score ≥ 0.4, sorted by score
  // (highest first), labels mapped through the label file and label_aliases (class ids
  // the label file does not name are dropped), class-agnostic NMS (IoU 0.45) applied
  // for the `opencv` kinds.
  virtual std::vector<RawDetection> detect(const cv::Mat& bgr) = 0;
};

// Builds what `cfg` describes (by cfg.effective_type()): `opencv` runs model.kind
// yolox | darknet | ssd (from the file extension when empty); `hog` runs OpenCV's HOG
// people detector. `default_width/height` are the global model.width/height,
// used as the input size of ssd models without their own. Loads the network and runs it
// once (so a model that does not fit its input size fails here, not on the first frame).
// Throws std::runtime_error naming the detector when a model or label file cannot be used.
// OpenCV's thread pool is process-wide: callers set cv::setNumThreads themselves.
std::unique_ptr<Detector> make_detector(const DetectorConfig& cfg, int default_width, int default_height);

// The label file parser, load_labelmap(path) (config.md §4.5; empty path = built-in
// 80-class COCO list), is declared in config/config.h: config validation and the
// detectors share it.

// A detection in the pixels of a whole image.
struct PixelDetection {
  std::string label;
  float score;
  Box box;  // clamped to [0, width−1] × [0, height−1] of the image
};

// Letterboxes `bgr` (any size, 8-bit BGR) into the detector's input — scaled to fit with
// its aspect ratio kept, top-left aligned, black padding right/bottom — runs the
// detector and maps the boxes back to the pixels of `bgr`.
std::vector<PixelDetection> detect_full_image(Detector& detector, const cv::Mat& bgr);

}  // namespace vigil
