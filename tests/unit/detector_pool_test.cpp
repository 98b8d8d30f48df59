// DetectorPool's watchdog on a manual clock: a stuck detector is replaced while cameras
// and /api/stats keep answering, a camera's wait for a result ends on the same clock,
// and stop() joins every generation.
#include "detect/detector_pool.h"

#include <gtest/gtest.h>

#include <future>
#include <opencv2/core.hpp>
#include <thread>

#include "test_media.h"

namespace vigil {
namespace {

using namespace std::chrono_literals;
using test::eventually;

// A gate a test opens once; everything waiting on it goes on.
class Gate {
 public:
  void open() {
    std::lock_guard g(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// A config with one detector named `name` (the tests' factories build the backend).
Config one_detector(const std::string& name) {
  Config cfg;
  DetectorConfig dc;
  dc.name = name;
  dc.type = "hog";
  cfg.detectors = {dc};
  return cfg;
}

const cv::Mat region(32, 32, CV_8UC3, cv::Scalar::all(0));  // what cameras send

// Opens its gates when it goes: declared after the pool, so a test that stops early
// (a failed assertion) lets the pool's destructor join its threads instead of hanging.
struct OpenAtExit {
  std::vector<Gate*> gates;
  ~OpenAtExit() {
    for (Gate* g : gates) g->open();
  }
};

// A backend whose detect() blocks until `gate` opens (nullptr: returns at once).
class GatedDetector : public Detector {
 public:
  explicit GatedDetector(Gate* gate) : gate_(gate) {}
  int input_width() const override { return 32; }
  int input_height() const override { return 32; }
  std::vector<RawDetection> detect(const cv::Mat&) override {
    if (gate_) gate_->wait();
    return {{"person", 0.9f, 0.1f, 0.1f, 0.5f, 0.5f}};
  }

 private:
  Gate* gate_;
};

TEST(DetectorPoolWatchdog, ReplacesAStuckDetectorWithoutBlockingStatsAndJoinsItAtStop) {
  const Config cfg = one_detector("cpu1");
  ManualClock clock;
  Gate stuck, loading;
  std::atomic<int> made{0};
  DetectorPool pool(cfg, clock, [&](const DetectorConfig&) -> std::unique_ptr<Detector> {
    const int n = ++made;
    if (n == 2) loading.wait();  // the replacement's model takes a while to load
    return std::make_unique<GatedDetector>(n == 1 ? &stuck : nullptr);
  });
  OpenAtExit release{{&stuck, &loading}};
  pool.start();

  // A camera's request gets stuck in the first detector.
  auto first = std::async(std::launch::async, [&] { return pool.detect(region); });
  ASSERT_TRUE(eventually([&] { return pool.stats().at(0).detection_start != 0.0; }));
  // The watchdog sees it and loads a new one. It may not be waiting on the clock yet
  // when the first advance comes: advance until it has acted.
  clock.advance(DetectorPool::kTimeout);
  ASSERT_TRUE(eventually([&] {
    clock.advance(1);
    return made == 2;
  }));
  // The camera waited kTimeout on the same clock: it has given up on that region.
  ASSERT_EQ(first.wait_for(20s), std::future_status::ready);
  EXPECT_FALSE(first.get());

  // While the model loads, /api/stats still answers.
  auto stats = std::async(std::launch::async, [&] { return pool.stats(); });
  ASSERT_EQ(stats.wait_for(10s), std::future_status::ready) << "stats() blocked by a model load";
  EXPECT_NE(stats.get().at(0).detection_start, 0.0);  // still the stuck generation
  loading.open();

  // The fresh detector serves the next request while the old one is still stuck.
  ASSERT_TRUE(eventually([&] { return pool.stats().at(0).detection_start == 0.0; }));
  auto second = pool.detect(region);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(pool.stats().at(0).restarts, 1u) << "counted in service.degraded.detector_restarts";

  // stop() waits for the stuck call and joins its thread: nothing is detached.
  std::thread stopper([&] { pool.stop(); });
  stuck.open();
  stopper.join();
}

// stop() with an inference that never ends (a hung accelerator): a camera waiting for it
// is released at once, stop() gives up after kStopGrace s of the clock and names the
// detector; the destructor then waits for the call (here: until the gate opens).
TEST(DetectorPoolStop, ReleasesWaitingCamerasAndNamesAStuckDetectorAfterTheGrace) {
  const Config cfg = one_detector("tpu");
  ManualClock clock;
  Gate stuck;
  auto pool = std::make_unique<DetectorPool>(
      cfg, clock, [&](const DetectorConfig&) { return std::make_unique<GatedDetector>(&stuck); });
  OpenAtExit release{{&stuck}};
  pool->start();
  auto camera = std::async(std::launch::async, [&] { return pool->detect(region); });
  ASSERT_TRUE(eventually([&] { return pool->stats().at(0).detection_start != 0.0; }));

  auto stopped = std::async(std::launch::async, [&] { return pool->stop(); });
  ASSERT_EQ(camera.wait_for(20s), std::future_status::ready) << "the camera waited for the stuck inference";
  EXPECT_FALSE(camera.get());
  // The grace runs on the clock: advance it until stop() gives up (it may not have read
  // the clock yet when the first advance comes).
  ASSERT_TRUE(eventually([&] {
    clock.advance(DetectorPool::kStopGrace);
    return stopped.wait_for(0s) == std::future_status::ready;
  }));
  EXPECT_EQ(stopped.get(), std::vector<std::string>{"tpu"});

  std::thread destroy([&] { pool.reset(); });
  stuck.open();
  destroy.join();
}

// An idle pool stops at once and reports nothing stuck.
TEST(DetectorPoolStop, AnIdlePoolStopsWithNothingStuck) {
  const Config cfg = one_detector("cpu");
  ManualClock clock;
  DetectorPool pool(cfg, clock, [](const DetectorConfig&) { return std::make_unique<GatedDetector>(nullptr); });
  pool.start();
  ASSERT_TRUE(pool.detect(region));
  EXPECT_TRUE(pool.stop().empty());
  EXPECT_FALSE(pool.detect(region)) << "a stopped pool takes no requests";
}

}  // namespace
}  // namespace vigil
