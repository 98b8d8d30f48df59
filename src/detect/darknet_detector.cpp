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
  std::string line;
  bool in_net = false;
  int w = 0, h = 0;
  while (std::getline(in, line)) {
    std::erase_if(line, [](unsigned char c) { return std::isspace(c); });
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      if (in_net) break;  // [net] is over
      in_net = line == "[net]" || line == "[network]";
      continue;
    }
    if (!in_net) continue;
    try {
      if (line.rfind("width=", 0) == 0) w = std::stoi(line.substr(6));
      if (line.rfind("height=", 0) == 0) h = std::stoi(line.substr(7));
    } catch (const std::exception&) {
      // malformed number: leave 0, make_detector reports the missing size
    }
  }
  return {w, h};
}

std::unique_ptr<Detector> make_darknet_detector(DnnModel m) { return std::make_unique<DarknetDetector>(std::move(m)); }

}  // namespace vigil::detect
