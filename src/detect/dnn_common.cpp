// Shared plumbing of the OpenCV DNN backends and the contract's post-processing.
#include <algorithm>
#include <stdexcept>

#include "detect/backends.h"

namespace vigil::detect {

namespace {
constexpr float kNmsIou = 0.45f;
constexpr size_t kMaxResults = 20;
}  // namespace

std::vector<RawDetection> finish(const std::vector<Candidate>& candidates, const std::map<int, std::string>& labels,
                                 bool nms) {
  // Unknown ids go before NMS so that they cannot suppress a box we report.
  std::vector<const Candidate*> known;
  std::vector<const std::string*> names;
  for (const auto& c : candidates) {
    if (c.score < kMinScore) continue;
    auto it = labels.find(c.class_id);
    if (it == labels.end()) continue;
    known.push_back(&c);
    names.push_back(&it->second);
  }

  std::vector<int> keep;
  if (nms && !known.empty()) {
    std::vector<cv::Rect2d> boxes;
    std::vector<float> scores;
    for (const auto* c : known) {
      boxes.emplace_back(c->xmin, c->ymin, c->xmax - c->xmin, c->ymax - c->ymin);
      scores.push_back(c->score);
    }
    cv::dnn::NMSBoxes(boxes, scores, kMinScore, kNmsIou, keep);
  } else {
    for (size_t i = 0; i < known.size(); ++i) keep.push_back(static_cast<int>(i));
  }
  std::stable_sort(keep.begin(), keep.end(), [&](int a, int b) { return known[a]->score > known[b]->score; });
  if (keep.size() > kMaxResults) keep.resize(kMaxResults);

  auto clamp01 = [](float v) { return std::clamp(v, 0.0f, 1.0f); };
  std::vector<RawDetection> out;
  out.reserve(keep.size());
  for (int i : keep) {
    const Candidate& c = *known[i];
    out.push_back({*names[i], c.score, clamp01(c.ymin), clamp01(c.xmin), clamp01(c.ymax), clamp01(c.xmax)});
  }
  return out;
}

void check_input(const cv::Mat& img, int w, int h) {
  if (img.type() != CV_8UC3 || img.cols != w || img.rows != h)
    throw std::invalid_argument("detector input must be 8-bit BGR " + std::to_string(w) + "x" + std::to_string(h) +
                                ", got " + std::to_string(img.cols) + "x" + std::to_string(img.rows) + " with " +
                                std::to_string(img.channels()) + " channel(s)");
}

DnnDetector::DnnDetector(DnnModel m, const std::function<cv::dnn::Net(const DnnModel&)>& read) : m_(std::move(m)) {
  const std::string who = "detectors." + m_.detector + ": ";
  try {
    net_ = read(m_);
  } catch (const cv::Exception& e) {
    throw std::runtime_error(who + "cannot load model " + m_.weights + ": " + e.err);
  }
  if (net_.empty()) throw std::runtime_error(who + "cannot load model " + m_.weights + ": empty network");
  net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  out_names_ = net_.getUnconnectedOutLayersNames();
}

std::vector<RawDetection> DnnDetector::detect(const cv::Mat& bgr) {
  check_input(bgr, m_.width, m_.height);
  // The image already has the input size, so blobFromImage only converts and normalises.
  cv::Mat blob = cv::dnn::blobFromImage(bgr, m_.scale, cv::Size(), m_.mean, m_.swap_rb, /*crop=*/false);
  net_.setInput(blob);
  net_.forward(outs_, out_names_);
  return finish(decode(outs_), m_.labels, /*nms=*/true);
}

}  // namespace vigil::detect
