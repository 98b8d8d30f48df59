#include "input/capture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace vigil {
namespace {

std::string vtest(const char* name = "vtest.mp4") {
  const char* media = std::getenv("VIGIL_TEST_MEDIA");
  return std::string(media ? media : "build/media") + "/" + name;
}

struct Collected {
  std::mutex mu;
  std::vector<FramePtr> frames;
};

// Runs a capture until `n` frames arrived (or timeout) and returns them.
std::vector<FramePtr> collect(CaptureSettings s, size_t n, double timeout = 30) {
  Collected c;
  Capture cap(s, [&](FramePtr f) {
    std::lock_guard l(c.mu);
    if (c.frames.size() < n) c.frames.push_back(std::move(f));
  });
  cap.start();
  for (int i = 0; i < timeout * 20; ++i) {
    {
      std::lock_guard l(c.mu);
      if (c.frames.size() >= n) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  cap.stop();
  return c.frames;
}

CaptureSettings settings(const std::string& path) {
  CaptureSettings s;
  s.camera = "t";
  s.input.path = path;
  s.input.roles = {"detect"};
  s.width = 768;
  s.height = 576;
  return s;
}

}  // namespace

TEST(Capture, DecodesFramesWithIncreasingTimesAndSequence) {
  if (access(vtest().c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";
  auto frames = collect(settings(vtest()), 50);
  ASSERT_EQ(frames.size(), 50u);
  for (size_t i = 1; i < frames.size(); ++i) {
    EXPECT_GT(frames[i]->time, frames[i - 1]->time);
    EXPECT_EQ(frames[i]->seq, frames[i - 1]->seq + 1);
  }
  EXPECT_EQ(frames[0]->width, 768);
  EXPECT_NEAR(frames[0]->time,
              std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(), 60);
}

TEST(Capture, ScalesToTheConfiguredSize) {
  if (access(vtest("vtest-720p.mp4").c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";
  auto s = settings(vtest("vtest-720p.mp4"));
  s.width = 640;
  s.height = 360;
  auto frames = collect(s, 3);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0]->width, 640);
  EXPECT_EQ(frames[0]->height, 360);
  EXPECT_GE(frames[0]->stride[0], 640);
}

// fps 5 on a 10 fps file: every other frame; -re paces the file in real time.
TEST(Capture, FpsLimitAndRealtimePacing) {
  if (access(vtest().c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";
  auto s = settings(vtest());
  s.fps = 5;
  s.input.options.realtime = true;
  auto frames = collect(s, 11);
  ASSERT_EQ(frames.size(), 11u);
  double span = frames.back()->time - frames.front()->time;
  EXPECT_NEAR(span, 2.0, 0.3);  // 10 intervals of 0.2 s
}

// -stream_loop -1: the file plays again after its end without a reconnect.
TEST(Capture, StreamLoopContinuesPastTheEnd) {
  if (access(vtest().c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";
  auto s = settings(vtest());
  s.input.options.stream_loop = -1;
  s.fps = 10;
  auto frames = collect(s, 900);  // the file has 795 frames
  ASSERT_EQ(frames.size(), 900u);
  for (size_t i = 1; i < frames.size(); ++i) EXPECT_GT(frames[i]->time, frames[i - 1]->time);
}

TEST(Capture, ADeadInputIsRetriedWithoutFrames) {
  auto s = settings("/nonexistent/video.mp4");
  std::atomic<int> n{0};
  Capture cap(s, [&](FramePtr) { ++n; });
  cap.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_FALSE(cap.connected());
  double t0 = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  cap.stop();  // stop interrupts the backoff wait at once
  double t1 = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  EXPECT_LT(t1 - t0, 1.0);
  EXPECT_EQ(n, 0);
}

}  // namespace vigil
