#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "input/capture.h"
#include "motion/motion_detector.h"

namespace vigil {
namespace {

constexpr int W = 640, H = 480;

struct Picture {
  std::vector<uint8_t> y = std::vector<uint8_t>(W * H, 100);
  void square(int x, int y0, int size, uint8_t v) {
    for (int r = y0; r < y0 + size; ++r)
      for (int c = x; c < x + size; ++c) y[r * W + c] = v;
  }
};

MotionConfig defaults() {
  MotionConfig m;
  m.frame_height = H / 6;
  return m;
}

std::vector<Box> warm_then(MotionDetector& md, const Picture& bg, const Picture& next) {
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(md.detect(bg.y.data(), W).empty()) << "warm-up frame " << i;
  for (int i = 0; i < 10; ++i) md.detect(bg.y.data(), W);  // settle the background
  return md.detect(next.y.data(), W);
}

}  // namespace

TEST(Motion, NoBoxesDuringWarmUpEvenWithChange) {
  MotionDetector md(defaults(), W, H);
  Picture a, b;
  b.square(200, 200, 120, 250);
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(md.detect((i % 2 ? a : b).y.data(), W).empty());
}

TEST(Motion, ABrightSquareGivesOneBoxAroundIt) {
  MotionDetector md(defaults(), W, H);
  Picture bg, fg;
  fg.square(200, 200, 120, 250);
  auto boxes = warm_then(md, bg, fg);
  ASSERT_EQ(boxes.size(), 1u);
  const Box& b = boxes[0];
  // The box covers the square, enlarged a little by dilation and downscaling.
  EXPECT_LE(b.x1, 200);
  EXPECT_LE(b.y1, 200);
  EXPECT_GE(b.x2, 320);
  EXPECT_GE(b.y2, 320);
  EXPECT_GE(b.x1, 180);
  EXPECT_LE(b.x2, 340);
}

TEST(Motion, SmallChangesBelowContourAreaAreIgnored) {
  MotionDetector md(defaults(), W, H);
  Picture bg, fg;
  fg.square(300, 300, 12, 250);  // 2×2 px in the 106×80 motion image
  EXPECT_TRUE(warm_then(md, bg, fg).empty());
}

TEST(Motion, MaskedPixelsNeverMove) {
  MotionConfig cfg = defaults();
  cfg.mask.polygons.push_back(Polygon{{{150, 150}, {400, 150}, {400, 400}, {150, 400}}});
  MotionDetector md(cfg, W, H);
  Picture bg, fg;
  fg.square(200, 200, 120, 250);
  EXPECT_TRUE(warm_then(md, bg, fg).empty());
}

TEST(Motion, ALastingChangeIsAbsorbedIntoTheBackground) {
  MotionDetector md(defaults(), W, H);
  Picture bg, fg;
  fg.square(200, 200, 120, 250);
  EXPECT_FALSE(warm_then(md, bg, fg).empty());
  int frames_with_motion = 1;
  for (int i = 0; i < 60; ++i) frames_with_motion += !md.detect(fg.y.data(), W).empty();
  EXPECT_GE(frames_with_motion, 10);  // not absorbed before it lasted 10 frames
  EXPECT_TRUE(md.detect(fg.y.data(), W).empty()) << "still moving after 60 frames";
}

// Real video: people walk through vtest, so motion is found in most frames, and the
// boxes lie inside the frame.
TEST(Motion, FindsWalkersInVtest) {
  const char* media = std::getenv("VIGIL_TEST_MEDIA");
  std::string path = std::string(media ? media : "build/media") + "/vtest.mp4";
  if (access(path.c_str(), R_OK) != 0) GTEST_SKIP() << path << " missing: run scripts/bootstrap";
  CaptureSettings s;
  s.camera = "vtest";
  s.input.path = path;
  s.input.roles = {"detect"};
  s.width = 768;
  s.height = 576;
  MotionConfig mc;
  mc.frame_height = 96;
  MotionDetector md(mc, 768, 576);
  std::mutex mu;
  std::condition_variable analysed;  // notified with each frame analysed
  int frames = 0, with_motion = 0;   // guarded by mu
  bool bad_box = false;              // guarded by mu
  Capture cap(s, [&](FramePtr f) {
    std::lock_guard l(mu);
    if (frames >= 200) return;
    auto boxes = md.detect(f->plane[0], f->stride[0]);
    for (auto& b : boxes)
      if (b.x1 < 0 || b.y1 < 0 || b.x2 > 768 || b.y2 > 576 || b.x2 <= b.x1) bad_box = true;
    with_motion += !boxes.empty();
    ++frames;
    analysed.notify_all();
  });
  cap.start();
  {
    // 200 frames; the bound is for a broken capture, not a synchronisation.
    std::unique_lock l(mu);
    analysed.wait_for(l, std::chrono::seconds(60), [&] { return frames >= 200; });
  }
  cap.stop();
  std::lock_guard l(mu);
  ASSERT_EQ(frames, 200);
  EXPECT_FALSE(bad_box);
  EXPECT_GT(with_motion, 150) << "of 170 frames after warm-up";
}

}  // namespace vigil

namespace vigil {

// MQTT's live tuning: a change of 150 in luma is motion at threshold 25, not at 80; a
// contour area above the square's hides it; improve_contrast lets a dim scene's small
// change through.
TEST(Motion, TuneChangesThresholdContourAreaAndContrast) {
  Picture bg, fg;
  fg.square(200, 200, 120, 250);  // +150: 30 in the running average of differences
  {
    MotionDetector md(defaults(), W, H);
    EXPECT_EQ(warm_then(md, bg, fg).size(), 1u);
  }
  {
    MotionDetector md(defaults(), W, H);
    md.tune(80, 100, false);
    EXPECT_TRUE(warm_then(md, bg, fg).empty());
  }
  {
    MotionDetector md(defaults(), W, H);
    md.tune(25, 2000, false);  // the square is 20×20 = 400 motion pixels
    EXPECT_TRUE(warm_then(md, bg, fg).empty());
  }
  Picture dim, dim_fg;
  dim.y.assign(W * H, 10);
  dim.square(0, 0, 40, 30);  // some texture, so the scene has a range to stretch
  dim_fg = dim;
  dim_fg.square(200, 200, 120, 24);  // +14: below the threshold as is
  {
    MotionDetector md(defaults(), W, H);
    EXPECT_TRUE(warm_then(md, dim, dim_fg).empty());
  }
  {
    MotionDetector md(defaults(), W, H);
    md.tune(25, 100, true);
    EXPECT_EQ(warm_then(md, dim, dim_fg).size(), 1u);
  }
}

}  // namespace vigil
