// DetectorPool's watchdog on a manual clock: a stuck detector is replaced while cameras
// and /api/stats keep answering, a camera's wait for a result ends on the same clock,
// and stop() joins every generation. Its workers: a frame's regions run on several at
// once, and the queue serves cameras in turn (FairQueue).
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

// A config with one detector named `name` with `workers` networks (the tests'
// factories build the backend).
Config one_detector(const std::string& name, int workers = 1) {
  Config cfg;
  DetectorConfig dc;
  dc.name = name;
  dc.type = "hog";
  dc.workers = workers;
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

// A backend that waits until `expected` calls are inside detect() at the same time (or
// gives up after 20 s of the real clock and reports that it was alone).
class RendezvousDetector : public Detector {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    int inside = 0, expected = 2;
  };
  explicit RendezvousDetector(Shared* s) : s_(s) {}
  int input_width() const override { return 32; }
  int input_height() const override { return 32; }
  std::vector<RawDetection> detect(const cv::Mat&) override {
    std::unique_lock lock(s_->mu);
    ++s_->inside;
    s_->cv.notify_all();
    const bool met = s_->cv.wait_for(lock, 20s, [&] { return s_->inside >= s_->expected; });
    return {{met ? "together" : "alone", 0.9f, 0.1f, 0.1f, 0.5f, 0.5f}};
  }

 private:
  Shared* s_;
};

// Two workers take one camera's two regions at the same time: each call sees the other
// inside the detector. With one worker they could only run one after the other.
TEST(DetectorPoolWorkers, OneCamerasRegionsRunOnTwoWorkersAtOnce) {
  const Config cfg = one_detector("cpu", 2);
  RendezvousDetector::Shared shared;
  std::atomic<int> made{0};
  DetectorPool pool(cfg, SystemClock::instance(), [&](const DetectorConfig&) {
    ++made;
    return std::make_unique<RendezvousDetector>(&shared);
  });
  pool.start();
  EXPECT_EQ(made, 2) << "one network per worker";
  auto results = pool.detect_all({region, region}, "front");
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) {
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->at(0).label, "together");
  }
  auto stats = pool.stats();
  ASSERT_EQ(stats.size(), 1u) << "one entry per configured detector, not per worker";
  EXPECT_EQ(stats[0].name, "cpu");
  EXPECT_TRUE(pool.stop().empty());
}

// A backend that records the first pixel of each image it is given, in order, and blocks
// on `gate` for its first call.
class RecordingDetector : public Detector {
 public:
  RecordingDetector(Gate* gate, std::vector<int>* order, std::mutex* mu) : gate_(gate), order_(order), mu_(mu) {}
  int input_width() const override { return 32; }
  int input_height() const override { return 32; }
  std::vector<RawDetection> detect(const cv::Mat& img) override {
    {
      std::lock_guard g(*mu_);
      order_->push_back(img.at<cv::Vec3b>(0, 0)[0]);
    }
    gate_->wait();
    return {};
  }

 private:
  Gate* gate_;
  std::vector<int>* order_;
  std::mutex* mu_;
};

cv::Mat tagged(int tag) { return cv::Mat(32, 32, CV_8UC3, cv::Scalar::all(tag)); }

// While the only worker is busy, camera A queues four regions and then camera B one:
// B's region runs second, not after all of A's (a FIFO would run it last).
TEST(DetectorPoolWorkers, CamerasAreServedInTurn) {
  const Config cfg = one_detector("cpu", 1);
  Gate gate;
  std::mutex mu;
  std::vector<int> order;
  DetectorPool pool(cfg, SystemClock::instance(),
                    [&](const DetectorConfig&) { return std::make_unique<RecordingDetector>(&gate, &order, &mu); });
  OpenAtExit release{{&gate}};
  pool.start();
  auto busy = std::async(std::launch::async, [&] { return pool.detect(tagged(9), "z"); });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard g(mu);
    return order.size() == 1;
  }));
  auto a = std::async(std::launch::async, [&] {
    return pool.detect_all({tagged(1), tagged(2), tagged(3), tagged(4)}, "a");
  });
  ASSERT_TRUE(eventually([&] { return pool.queued() == 4; }));
  auto b = std::async(std::launch::async, [&] { return pool.detect(tagged(5), "b"); });
  ASSERT_TRUE(eventually([&] { return pool.queued() == 5; }));
  gate.open();
  ASSERT_TRUE(busy.get());
  ASSERT_TRUE(b.get());
  for (const auto& r : a.get()) EXPECT_TRUE(r);
  std::lock_guard g(mu);
  EXPECT_EQ(order, (std::vector<int>{9, 1, 5, 2, 3, 4}));
}

}  // namespace
}  // namespace vigil
