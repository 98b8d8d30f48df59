// Resolves a DetectorConfig into a backend (config.md §4.5) and the letterbox helper.
#include <algorithm>
#include <filesystem>
#include <map>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "detect/backends.h"

namespace vigil {
namespace {

constexpr int kHogDefaultSize = 400;
constexpr int kYoloxDefaultSize = 416;

std::string kind_from_extension(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".onnx") return "yolox";
  if (ext == ".weights") return "darknet";
  return "ssd";
}

// The model's files, input size, blob parameters and labels with the defaults of config.md §4.5.
detect::DnnModel resolve_dnn(const std::string& name, const std::string& kind, const ModelFileConfig& mc, int default_w,
                             int default_h) {
  const std::string who = "detectors." + name + ": ";
  detect::DnnModel m;
  m.detector = name;
  m.weights = mc.path;
  m.config = mc.config;
  m.width = mc.width;
  m.height = mc.height;
  if (kind == "yolox") {
    m.scale = 1.0, m.mean = cv::Scalar(), m.swap_rb = false;  // BGR 0–255
    if (m.width <= 0) m.width = kYoloxDefaultSize;
    if (m.height <= 0) m.height = kYoloxDefaultSize;
  } else if (kind == "darknet") {
    m.scale = 1.0 / 255, m.mean = cv::Scalar(), m.swap_rb = true;
    if (m.config.empty()) m.config = std::filesystem::path(mc.path).replace_extension(".cfg").string();
    auto [cw, ch] = detect::darknet_cfg_size(m.config);
    if (m.width <= 0) m.width = cw;
    if (m.height <= 0) m.height = ch;
  } else if (kind == "ssd") {
    m.scale = 1.0 / 127.5, m.mean = cv::Scalar::all(127.5), m.swap_rb = true;
    if (m.width <= 0) m.width = default_w;
    if (m.height <= 0) m.height = default_h;
  } else {
    throw std::runtime_error(who + "unknown model kind '" + kind + "' (yolox, darknet or ssd)");
  }
  for (const std::string* f : {&m.weights, &m.config})
    if (!f->empty() && !std::filesystem::is_regular_file(*f))
      throw std::runtime_error(who + "model file " + *f + " does not exist");
  if (m.width <= 0 || m.height <= 0) throw std::runtime_error(who + "model " + mc.path + " has no input size");

  if (mc.scale) m.scale = *mc.scale;
  if (mc.mean) {
    const auto& v = *mc.mean;
    if (v.size() == 3)
      m.mean = cv::Scalar(v[0], v[1], v[2]);
    else if (v.size() == 1)
      m.mean = cv::Scalar::all(v[0]);
    else
      throw std::runtime_error(who + "model.mean needs 3 values");
  }
  if (mc.swap_rb) m.swap_rb = *mc.swap_rb;

  std::map<int, std::string> labels = load_labelmap(mc.labelmap);
  if (labels.empty()) throw std::runtime_error(who + "label file " + mc.labelmap + " cannot be read or names no class");
  // Darknet's coco.names (shipped beside the models) uses VOC-era names where 0.8's
  // COCO label map did not; configs written for 0.8 say `motorcycle`, so report those.
  static const std::map<std::string, std::string> kFrigateNames = {
      {"motorbike", "motorcycle"}, {"aeroplane", "airplane"}, {"sofa", "couch"}, {"tvmonitor", "tv"}};
  for (const auto& [id, raw] : labels) {
    if (raw.empty()) continue;  // a blank line in a one-label-per-line file names no class
    auto renamed = kFrigateNames.find(raw);
    const std::string& label = renamed == kFrigateNames.end() ? raw : renamed->second;
    auto alias = mc.label_aliases.find(label);
    m.labels[id] = alias == mc.label_aliases.end() ? label : alias->second;
  }

  return m;
}

}  // namespace

std::unique_ptr<Detector> make_detector(const DetectorConfig& cfg, int default_width, int default_height) {
  const std::string who = "detectors." + cfg.name + ": ";
  std::unique_ptr<Detector> d;
  if (cfg.effective_type() == "hog") {
    const int w = cfg.model && cfg.model->width > 0 ? cfg.model->width : kHogDefaultSize;
    const int h = cfg.model && cfg.model->height > 0 ? cfg.model->height : kHogDefaultSize;
    d = detect::make_hog_detector(w, h);
  } else {
    const ModelFileConfig& mc = *cfg.model;
    const std::string kind = mc.kind.empty() ? kind_from_extension(mc.path) : mc.kind;
    detect::DnnModel m = resolve_dnn(cfg.name, kind, mc, default_width, default_height);
    if (kind == "yolox")
      d = detect::make_yolox_detector(std::move(m));
    else if (kind == "darknet")
      d = detect::make_darknet_detector(std::move(m));
    else
      d = detect::make_ssd_detector(std::move(m));
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
