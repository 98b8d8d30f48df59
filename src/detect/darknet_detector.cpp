// Darknet YOLO (.cfg + .weights) via OpenCV DNN, as ../shared/models/yolo-fastest-1.1-xl/
// README.md prescribes: RGB /255 in; OpenCV's [yolo] layers already decode, so each
// output row is [cx, cy, w, h, obj, s0…] normalised to the input, with s = obj · class
// probability. The input size comes from the cfg's [net] section unless configured.
//
// Measured with detector_test's DISABLED_DetectorTiming (2-vCPU VM, OpenCV 4.6, mean of
// 50 calls, Yolo-Fastest-1.1-xl at 320×320): detect() 19 ms with 1 thread, 9.5–10 ms with 2.
#include <algorithm>
#include <cctype>
#include <fstream>

#include "detect/backends.h"
#include "detect/model_registry.h"

namespace vigil::detect {
namespace {

class DarknetDetector : public DnnDetector {
 public:
  explicit DarknetDetector(DnnModel m)
      : DnnDetector(std::move(m), [](const DnnModel& d) { return cv::dnn::readNetFromDarknet(d.config, d.weights); }) {}

 protected:
  std::vector<Candidate> decode(const std::vector<cv::Mat>& outs) const override {
    std::vector<Candidate> found;
    for (const cv::Mat& out : outs) {  // one 2-D Mat per [yolo] layer: rows × (5 + classes)
      if (out.dims != 2 || out.cols <= 5) continue;
      for (int r = 0; r < out.rows; ++r) {
        const float* p = out.ptr<float>(r);
        const float* best = std::max_element(p + 5, p + out.cols);
        if (*best < kMinScore) continue;
        found.push_back({static_cast<int>(best - (p + 5)), *best, p[0] - p[2] / 2, p[1] - p[3] / 2, p[0] + p[2] / 2,
                         p[1] + p[3] / 2});
      }
    }
    return found;
  }
};

}  // namespace

std::pair<int, int> darknet_cfg_size(const std::string& cfg_path) {
  std::ifstream in(cfg_path);
  bool in_net = false;
  int w = 0, h = 0;
  for (std::string line; std::getline(in, line);) {
    line.erase(std::find_if(line.begin(), line.end(), [](char c) { return c == '#' || c == ';'; }), line.end());
    std::erase_if(line, [](unsigned char c) { return std::isspace(c); });
    if (line.empty()) continue;
    if (line[0] == '[') {
      if (in_net) break;  // [net] is over
      in_net = line == "[net]" || line == "[network]";
      continue;
    }
    if (!in_net) continue;
    int* target = line.rfind("width=", 0) == 0 ? &w : line.rfind("height=", 0) == 0 ? &h : nullptr;
    if (!target) continue;
    const std::string value = line.substr(line.find('=') + 1);
    if (value.empty() || value.size() > 6 || value.find_first_not_of("0123456789") != std::string::npos)
      *target = 0;  // malformed: no size
    else
      *target = std::stoi(value);
  }
  return {w, h};
}

const LabelRenames& darknet_coco_renames() {
  static const LabelRenames renames = {
      {"motorbike", "motorcycle"}, {"aeroplane", "airplane"}, {"sofa", "couch"}, {"tvmonitor", "tv"}};
  return renames;
}

const ModelKind& darknet_kind() {
  // .weights + the .cfg beside it; RGB / 255 at the cfg's [net] size.
  static const ModelKind kind = {
      .name = "darknet",
      .extensions = {".weights"},
      .companion = ".cfg",
      .read_size = darknet_cfg_size,
      .scale = 1.0 / 255,
      .mean = 0.0,
      .swap_rb = true,
      .label_renames = &darknet_coco_renames(),
      .make = [](DnnModel m) -> std::unique_ptr<Detector> { return std::make_unique<DarknetDetector>(std::move(m)); },
  };
  return kind;
}

}  // namespace vigil::detect
