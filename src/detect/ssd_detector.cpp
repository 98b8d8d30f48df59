// SSD-style detectors (TensorFlow .pb + .pbtxt, Caffe, ONNX, …) via OpenCV DNN, whose
// DetectionOutput gives [1, 1, N, 7] rows [image, class, score, x1, y1, x2, y2] in
// fractions of the input. Class ids are looked up in the label file as written (ids may
// have gaps, e.g. 0.8's 91-id COCO label map). No SSD model ships with vigil, so there is
// no measured inference time; detector_test checks the decoding with a tiny Caffe net.
#include <stdexcept>

#include "detect/backends.h"
#include "detect/model_registry.h"

namespace vigil::detect {
namespace {

class SsdDetector : public DnnDetector {
 public:
  explicit SsdDetector(DnnModel m)
      : DnnDetector(std::move(m), [](const DnnModel& d) { return cv::dnn::readNet(d.weights, d.config); }) {}

 protected:
  std::vector<Candidate> decode(const std::vector<cv::Mat>& outs) const override {
    const cv::Mat& out = outs.at(0);
    if (out.total() % 7 != 0) throw std::runtime_error("ssd: output is not a list of 7-value rows");
    const cv::Mat rows = out.reshape(1, static_cast<int>(out.total() / 7));
    std::vector<Candidate> found;
    for (int r = 0; r < rows.rows; ++r) {
      const float* p = rows.ptr<float>(r);
      if (p[2] < kMinScore) continue;
      found.push_back({static_cast<int>(p[1]), p[2], p[3], p[4], p[5], p[6]});
    }
    return found;
  }
};

}  // namespace

const ModelKind& ssd_kind() {
  // No extension of its own (the kind of any weights no other kind claims: protobuf
  // graphs, Caffe models); RGB scaled to ±1 at the global model.width/height. The
  // renames apply to any label file, whatever the kind.
  static const ModelKind kind = {
      .name = "ssd",
      .scale = 1.0 / 127.5,
      .mean = 127.5,
      .swap_rb = true,
      .label_renames = &darknet_coco_renames(),
      .make = [](DnnModel m) -> std::unique_ptr<Detector> { return std::make_unique<SsdDetector>(std::move(m)); },
  };
  return kind;
}

}  // namespace vigil::detect
