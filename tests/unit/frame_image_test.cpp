// Each frame is converted YUV→BGR at most once, however many stages read it.
#include "input/frame_image.h"

#include <gtest/gtest.h>

#include <thread>

#include "detect/detector_pool.h"
#include "detect/frame_detector.h"
#include "render/render.h"

namespace vigil {
namespace {

// A detector that finds one person in every region, at once.
class InstantDetector : public Detector {
 public:
  int input_width() const override { return 32; }
  int input_height() const override { return 32; }
  std::vector<RawDetection> detect(const cv::Mat&) override { return {{"person", 0.9f, 0.1f, 0.1f, 0.5f, 0.5f}}; }
};

TEST(FrameBgr, ConvertedOncePerFrameThroughDetectionLiveViewAndSnapshots) {
  Config cfg;
  DetectorConfig dc;
  dc.name = "cpu1";
  dc.type = "hog";
  cfg.detectors = {dc};
  DetectorPool pool(cfg, SystemClock::instance(),
                    [](const DetectorConfig&) { return std::make_unique<InstantDetector>(); });
  pool.start();
  CameraConfig cam;
  cam.name = "front";
  cam.width = 320;
  cam.height = 240;
  FrameDetector detector(cam, pool);

  for (int i = 0; i < 3; ++i) {
    FramePtr f = make_black_frame(cam.width, cam.height);
    const uint64_t before = bgr_conversions();
    FrameDetections fd = detector.detect(*f, {Box{0, 0, 159, 159}, Box{160, 80, 319, 239}});
    EXPECT_EQ(fd.calls, 2);

    ProcessedFrame pf;
    pf.frame = f;
    pf.regions = fd.regions;
    RenderOptions plain, boxes;
    boxes.bbox = boxes.timestamp = boxes.regions = true;
    boxes.height = 120;
    std::string a = render_jpeg(pf, cam, plain), b = render_jpeg(pf, cam, boxes);
    Thumbnail best{f, f->time, Box{10, 10, 50, 90}, 3200, Box{0, 0, 159, 159}, 0.9};
    std::string snapshot = render_snapshot(best, "person", cam, true, true, true, 0);
    std::string thumbnail = render_thumbnail(best, cam);

    EXPECT_EQ(bgr_conversions() - before, 1u) << "frame " << i;
    EXPECT_FALSE(a.empty() || b.empty() || snapshot.empty() || thumbnail.empty());
    // Drawing went on copies: the shared image is still black.
    EXPECT_EQ(cv::countNonZero(f->bgr()->reshape(1)), 0);
  }
  pool.stop();
}

TEST(FrameBgr, ConcurrentReadersShareOneConversion) {
  FramePtr f = make_black_frame(64, 48);
  const uint64_t before = bgr_conversions();
  std::vector<std::shared_ptr<const cv::Mat>> seen(4);
  {
    std::vector<std::jthread> readers;
    for (size_t i = 0; i < seen.size(); ++i) readers.emplace_back([&, i] { seen[i] = f->bgr(); });
  }
  EXPECT_EQ(bgr_conversions() - before, 1u);
  for (const auto& m : seen) EXPECT_EQ(m.get(), seen[0].get());
  EXPECT_EQ(seen[0]->cols, 64);
  EXPECT_EQ(seen[0]->rows, 48);
  EXPECT_EQ(seen[0]->type(), CV_8UC3);
}

// A frame that is no longer the camera's latest forgets its image and keeps no new one
// (best images hold only YUV); whoever still holds the image keeps it.
TEST(FrameBgr, ADroppedImageIsNeitherKeptNorCachedAgain) {
  FramePtr f = make_black_frame(64, 48);
  const uint64_t before = bgr_conversions();
  std::shared_ptr<const cv::Mat> held = f->bgr();
  f->drop_bgr();
  EXPECT_EQ(bgr_conversions() - before, 1u);
  EXPECT_EQ(held->cols, 64);  // still valid
  std::weak_ptr<const cv::Mat> again = f->bgr();
  EXPECT_EQ(bgr_conversions() - before, 2u);
  EXPECT_TRUE(again.expired());  // not cached on the frame
  EXPECT_NE(f->bgr().get(), held.get());
  EXPECT_EQ(bgr_conversions() - before, 3u);
}

}  // namespace
}  // namespace vigil
