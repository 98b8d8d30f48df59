// YOLOX (ONNX, anchor-free) via OpenCV DNN, as ../shared/models/yolox-nano/README.md
// prescribes: BGR 0–255 in; out [1, N, 5 + classes], rows the grid cells of strides
// 8, 16, 32 (row-major per level), each [tx, ty, tw, th, obj, p0…] with obj and p
// already sigmoid-ed.
//
// Measured with detector_test's DISABLED_DetectorTiming (2-vCPU VM, OpenCV 4.6, mean of
// 50 calls, 416×416): detect() 42 ms with 1 thread, 26–28 ms with 2 threads.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "detect/backends.h"
#include "detect/model_registry.h"

namespace vigil::detect {
namespace {

constexpr int kStrides[] = {8, 16, 32};

class YoloxDetector : public DnnDetector {
 public:
  explicit YoloxDetector(DnnModel m)
      : DnnDetector(std::move(m), [](const DnnModel& d) { return cv::dnn::readNet(d.weights); }) {}

 protected:
  std::vector<Candidate> decode(const std::vector<cv::Mat>& outs) const override {
    const cv::Mat& out = outs.at(0);  // 1 × N × (5 + classes)
    const int w = m_.width, h = m_.height;
    int expected = 0;
    for (int s : kStrides) expected += (w / s) * (h / s);
    if (out.dims != 3 || out.size[1] != expected || out.size[2] <= 5)
      throw std::runtime_error("yolox: unexpected output shape for a " + std::to_string(w) + "x" + std::to_string(h) +
                               " input (width and height must be multiples of 32)");
    const int row_len = out.size[2];

    std::vector<Candidate> found;
    const float* p = out.ptr<float>();
    for (int stride : kStrides) {
      const int nx = w / stride, ny = h / stride;
      for (int gy = 0; gy < ny; ++gy)
        for (int gx = 0; gx < nx; ++gx, p += row_len) {
          if (p[4] < kMinScore) continue;  // score = obj · p ≤ obj: cheap early reject
          const float* best = std::max_element(p + 5, p + row_len);
          const float score = p[4] * *best;
          if (score < kMinScore) continue;
          const float cx = (p[0] + gx) * stride, cy = (p[1] + gy) * stride;
          const float bw = std::exp(p[2]) * stride, bh = std::exp(p[3]) * stride;
          found.push_back({static_cast<int>(best - (p + 5)), score, (cx - bw / 2) / w, (cy - bh / 2) / h,
                           (cx + bw / 2) / w, (cy + bh / 2) / h});
        }
    }
    return found;
  }
};

std::unique_ptr<Detector> make_yolox(DnnModel m) {
  if (m.width % 32 != 0 || m.height % 32 != 0)
    throw std::runtime_error("detectors." + m.detector + ": yolox input size " + std::to_string(m.width) + "x" +
                             std::to_string(m.height) + " is not a multiple of 32");
  return std::make_unique<YoloxDetector>(std::move(m));
}

}  // namespace

const ModelKind& yolox_kind() {
  // .onnx; BGR 0–255 at 416×416. Its coco.names is darknet's, hence the renames.
  static const ModelKind kind = {
      .name = "yolox",
      .extensions = {".onnx"},
      .fixed_size = 416,
      .scale = 1.0,
      .mean = 0.0,
      .swap_rb = false,
      .label_renames = &darknet_coco_renames(),
      .make = make_yolox,
  };
  return kind;
}

}  // namespace vigil::detect
