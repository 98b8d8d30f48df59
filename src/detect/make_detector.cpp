// Resolves a DetectorConfig into a backend (config.md §4.5) through the detector
// registry (model_registry.h), and the letterbox helper.
#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "detect/backends.h"
#include "detect/model_registry.h"

namespace vigil {
namespace {

// The model's files, input size, blob parameters and labels with the defaults of config.md
// §4.5, resolved exactly as config validation resolved them.
// Resolves `mc` in place.
detect::DnnModel resolve_dnn(const std::string& name, ModelFileConfig& mc, int default_w, int default_h) {
  const std::string who = "detectors." + name + ".model.";
  auto problems = detect::resolve_model(mc, default_w, default_h);
  if (!problems.empty()) throw std::runtime_error(who + problems[0].key + ": " + problems[0].message);
  detect::DnnModel m;
  m.detector = name;
  m.weights = mc.path;
  m.config = mc.config;
  m.width = mc.width;
  m.height = mc.height;
  m.scale = *mc.scale;
  const auto& v = *mc.mean;
  if (v.size() == 3)
    m.mean = cv::Scalar(v[0], v[1], v[2]);
  else if (v.size() == 1)
    m.mean = cv::Scalar::all(v[0]);
  else
    throw std::runtime_error(who + "mean: needs 3 values");
  m.swap_rb = *mc.swap_rb;
  m.labels = detect::model_labels(mc);
  if (m.labels.empty())
    throw std::runtime_error(who + "labelmap: " + (mc.labelmap.empty() ? "built-in list" : mc.labelmap) +
                             " cannot be read or names no class");
  return m;
}

}  // namespace

std::unique_ptr<Detector> make_detector(const DetectorConfig& cfg, int default_width, int default_height) {
  const std::string who = "detectors." + cfg.name + ": ";
  std::unique_ptr<Detector> d;
  if (cfg.effective_type() == "hog") {
    const int w = cfg.model && cfg.model->width > 0 ? cfg.model->width : kHogInputSize;
    const int h = cfg.model && cfg.model->height > 0 ? cfg.model->height : kHogInputSize;
    d = detect::make_hog_detector(w, h);
  } else {
    ModelFileConfig mc = *cfg.model;
    detect::DnnModel m = resolve_dnn(cfg.name, mc, default_width, default_height);
    d = detect::find_model_kind(mc.kind)->make(std::move(m));  // resolved: the kind exists
  }
  // One run on a black image: a network that cannot run at this input size fails now,
  // at start-up, and the first real frame does not pay for OpenCV's buffer allocation.
  try {
    d->detect(cv::Mat::zeros(d->input_height(), d->input_width(), CV_8UC3));
  } catch (const cv::Exception& e) {
    throw std::runtime_error(who + "model does not run at " + std::to_string(d->input_width()) + "x" +
                             std::to_string(d->input_height()) + ": " + e.err);
  } catch (const std::exception& e) {
    throw std::runtime_error(who + e.what());
  }
  return d;
}

std::vector<PixelDetection> detect_full_image(Detector& detector, const cv::Mat& bgr) {
  const int in_w = detector.input_width(), in_h = detector.input_height();
  cv::Mat input;
  double r = 1.0;
  if (bgr.cols == in_w && bgr.rows == in_h) {
    input = bgr;
  } else {
    r = std::min(double(in_w) / bgr.cols, double(in_h) / bgr.rows);
    const int w = std::max(1, int(bgr.cols * r)), h = std::max(1, int(bgr.rows * r));
    input = cv::Mat::zeros(in_h, in_w, bgr.type());
    // The ROI already has the target size and type, so resize writes into the canvas.
    cv::resize(bgr, input(cv::Rect(0, 0, w, h)), cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
  }
  // Fractions of the input → input pixels → original pixels (the padding is right/bottom,
  // so there is no offset); clamped like pipeline.md §5.4.
  auto px = [](float f, int in_size, double r, int limit) { return std::clamp(int(f * in_size / r), 0, limit - 1); };
  std::vector<PixelDetection> out;
  for (const RawDetection& d : detector.detect(input))
    out.push_back({d.label, d.score,
                   Box{px(d.xmin, in_w, r, bgr.cols), px(d.ymin, in_h, r, bgr.rows), px(d.xmax, in_w, r, bgr.cols),
                       px(d.ymax, in_h, r, bgr.rows)}});
  return out;
}

}  // namespace vigil
