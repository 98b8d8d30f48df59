// Darknet YOLO (.cfg + .weights) via OpenCV DNN, as ../shared/models/yolo-fastest-1.1-xl/
// README.md prescribes: RGB /255 in; OpenCV's [yolo] layers already decode, so each
// output row is [cx, cy, w, h, obj, s0…] normalised to the input, with s = obj · class
// probability. The input size comes from the cfg's [net] section unless configured.
//
// Measured with detector_test's DISABLED_DetectorTiming (2-vCPU VM, OpenCV 4.6, mean of
// 50 calls, Yolo-Fastest-1.1-xl at 320×320): detect() 19 ms with 1 thread, 9.5–10 ms with 2.
#include <algorithm>

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

std::unique_ptr<Detector> make_darknet_detector(DnnModel m) { return std::make_unique<DarknetDetector>(std::move(m)); }

}  // namespace vigil::detect
