#include "app/hanging_detector.h"

#include <atomic>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>

#include "util/log.h"

namespace vigil {
namespace {

class HangingDetector final : public Detector {
 public:
  HangingDetector(std::unique_ptr<Detector> inner, std::shared_ptr<std::atomic<int>> left)
      : inner_(std::move(inner)), left_(std::move(left)) {}
  int input_width() const override { return inner_->input_width(); }
  int input_height() const override { return inner_->input_height(); }
  std::vector<RawDetection> detect(const cv::Mat& bgr) override {
    if (left_->fetch_sub(1) > 0) return inner_->detect(bgr);
    logger("vigil.app")->warn("test hook VIGIL_TEST_DETECTOR_HANGS_AFTER: this inference never returns");
    std::promise<void>().get_future().wait();  // never satisfied: blocks for good
    return {};
  }

 private:
  std::unique_ptr<Detector> inner_;
  std::shared_ptr<std::atomic<int>> left_;  // inferences left before the hang (shared)
};

}  // namespace

std::optional<int> test_detector_hang_after() {
  const char* v = std::getenv("VIGIL_TEST_DETECTOR_HANGS_AFTER");
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end || n < 0) return std::nullopt;
  return int(n);
}

DetectorPool::Factory hanging_detector_factory(const Config& cfg, int calls) {
  auto left = std::make_shared<std::atomic<int>>(calls);
  return [&cfg, left](const DetectorConfig& dc) -> std::unique_ptr<Detector> {
    return std::make_unique<HangingDetector>(make_detector(dc, cfg.model_width, cfg.model_height), left);
  };
}

}  // namespace vigil
