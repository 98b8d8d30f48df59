// Capture and its parts: the demuxer (pacing, loops), the frame decoder (fps limit,
// scaling, stamping) and the reconnect loop, on a manual clock where time matters.
#include "input/capture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <condition_variable>
#include <mutex>

#include "input/demuxer.h"
#include "input/fps_limit.h"
#include "input/frame_decoder.h"
#include "input/realtime_pacer.h"
#include "util/log.h"

extern "C" {
#include <libavcodec/packet.h>
}

namespace vigil {
namespace {

std::string vtest(const char* name = "vtest.mp4") {
  const char* media = std::getenv("VIGIL_TEST_MEDIA");
  return std::string(media ? media : "build/media") + "/" + name;
}

// Items a capture thread delivers; a test waits until it has `n` of them.
template <class T>
class Arrivals {
 public:
  void add(T item) {
    std::lock_guard l(mu_);
    items_.push_back(std::move(item));
    cv_.notify_all();
  }
  // The first `n` items, once they arrived (at most `limit` s of real time: a bound
  // for a broken capture, not a synchronisation).
  std::vector<T> wait_for(size_t n, double limit = 60) {
    std::unique_lock l(mu_);
    cv_.wait_for(l, std::chrono::duration<double>(limit), [&] { return items_.size() >= n; });
    return {items_.begin(), items_.begin() + std::min(n, items_.size())};
  }
  size_t size() {
    std::lock_guard l(mu_);
    return items_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> items_;
};

// Runs a capture until `n` frames arrived and returns them.
std::vector<FramePtr> collect(CaptureSettings s, size_t n) {
  Arrivals<FramePtr> frames;
  Capture cap(s, [&](FramePtr f) { frames.add(std::move(f)); });
  cap.start();
  auto got = frames.wait_for(n);
  cap.stop();
  return got;
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

// A demuxer driven on the test's thread: its waits advance the manual clock to their
// deadline and are recorded.
struct ManualDemuxer {
  explicit ManualDemuxer(const CaptureSettings& s)
      : libav(logger("ffmpeg.t.detect"), clock),
        demux(s, clock, libav,
              {[] { return false; },
               [this](double deadline) {
                 waits.push_back(deadline - clock.mono());
                 clock.advance(deadline - clock.mono());
                 return true;
               }}) {}
  ManualClock clock;
  LibavLog libav;
  std::vector<double> waits;  // seconds each wait lasted
  Demuxer demux;
};

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

// A dead input is retried after 1, 2, 4 s of the clock; stop() ends the wait at once
// (the manual clock never reaches the third retry).
TEST(Capture, ADeadInputIsRetriedWithBackoffOnTheClock) {
  ManualClock clock;
  struct Retry {
    std::string why;
    double at, retry_at;
  };
  Arrivals<Retry> retries;
  std::atomic<int> frames{0};
  Capture cap(
      settings("/nonexistent/video.mp4"), [&](FramePtr) { ++frames; }, clock);
  cap.set_retry_hook([&](const std::string& why, double retry_at) { retries.add({why, clock.mono(), retry_at}); });
  cap.start();
  const double start = clock.mono();
  for (double delay : {1.0, 2.0, 4.0}) {
    auto got = retries.wait_for(size_t(std::log2(delay)) + 1);
    ASSERT_EQ(got.size(), size_t(std::log2(delay)) + 1);
    EXPECT_EQ(got.back().retry_at - got.back().at, delay);
    EXPECT_NE(got.back().why.find("cannot open: No such file or directory"), std::string::npos) << got.back().why;
    if (delay < 4) clock.advance(delay);
  }
  EXPECT_EQ(clock.mono() - start, 3.0);  // the second and third attempts came only when due
  EXPECT_FALSE(cap.connected());
  cap.stop();
  EXPECT_EQ(retries.size(), 3u);
  EXPECT_EQ(frames, 0);
}

// -re: each packet waits on the clock until its stream time is due, one frame (0.1 s)
// after the previous one; without -re nothing waits.
TEST(Demuxer, RealtimePacingWaitsOnTheClockForEachPacket) {
  if (access(vtest().c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";
  auto s = settings(vtest());
  s.input.options.realtime = true;
  ManualDemuxer m(s);
  ASSERT_EQ(m.demux.open(), "");
  const double start = m.clock.mono();
  std::vector<double> times;
  for (int i = 0; i < 100 && m.demux.read(); ++i) times.push_back(*m.demux.packet_time());
  ASSERT_EQ(times.size(), 100u);
  ASSERT_EQ(m.waits.size(), 99u);  // the first packet starts the schedule
  for (double w : m.waits) EXPECT_NEAR(w, 0.1, 1e-6);
  EXPECT_NEAR(m.clock.mono() - start, times.back() - times.front(), 1e-6);

  s.input.options.realtime = false;
  ManualDemuxer fast(s);
  ASSERT_EQ(fast.demux.open(), "");
  for (int i = 0; i < 100; ++i) ASSERT_NE(fast.demux.read(), nullptr);
  EXPECT_TRUE(fast.waits.empty());
}

// -stream_loop 1: packet times go on past the end of the file, then the input ends.
TEST(Demuxer, StreamLoopKeepsTimesIncreasingThenEnds) {
  if (access(vtest().c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";
  auto s = settings(vtest());
  s.decode = false;
  s.input.options.stream_loop = 1;
  ManualDemuxer m(s);
  ASSERT_EQ(m.demux.open(), "");
  int packets = 0, ends = 0;
  double last = -1;
  while (m.demux.read([&] { ++ends; })) {
    double t = *m.demux.packet_time();
    EXPECT_GT(t, last);
    m.demux.set_last_time(t);
    last = t;
    ++packets;
  }
  EXPECT_EQ(packets, 2 * 795);
  EXPECT_EQ(ends, 2);
  EXPECT_EQ(m.demux.why(), "end of stream");
}

// fps 5 on a 10 fps file: every other decoded frame goes on, stamped in order.
TEST(FrameDecoder, FpsLimitPassesEveryOtherFrameOfATenFpsFile) {
  if (access(vtest().c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";
  auto s = settings(vtest());
  s.fps = 5;
  ManualDemuxer m(s);
  ASSERT_EQ(m.demux.open(), "");
  FrameStamper stamper(m.clock);
  std::vector<double> decoded;
  std::vector<FramePtr> frames;
  FrameDecoder dec(s, m.demux, stamper, *logger("camera.t"),
                   {[&](double t, int, int) { decoded.push_back(t); }, [&](FramePtr f) { frames.push_back(f); }});
  std::set<std::string> warned;
  ASSERT_EQ(dec.open(m.demux.take_unused_options(), warned, m.libav), "");
  EXPECT_EQ(dec.describe(), "h264 768x576");
  while (decoded.size() < 100) {
    const AVPacket* pkt = m.demux.read();
    ASSERT_NE(pkt, nullptr);
    ASSERT_EQ(dec.decode(pkt), "");
  }
  ASSERT_GE(decoded.size(), 100u);
  EXPECT_EQ(frames.size(), (decoded.size() + 1) / 2);
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i]->seq, i + 1);
    EXPECT_EQ(frames[i]->width, 768);
    if (i > 0) {
      EXPECT_GT(frames[i]->time, frames[i - 1]->time);  // the clock stood still: still increasing
    }
  }
}

TEST(FpsLimit, PassesOneFramePerIntervalOfStreamTime) {
  FpsLimit five(5.0);
  std::vector<bool> got;
  for (int i = 0; i < 6; ++i) got.push_back(five.pass(10 + i * 0.1));
  EXPECT_EQ(got, (std::vector<bool>{true, false, true, false, true, false}));
  FpsLimit none(std::nullopt);
  EXPECT_TRUE(none.pass(1) && none.pass(1.01) && none.pass(1.02));
}

TEST(FpsLimit, StreamTimeGoingBackStartsAfresh) {
  FpsLimit five(5.0);
  EXPECT_TRUE(five.pass(100.0));
  EXPECT_FALSE(five.pass(100.1));
  EXPECT_TRUE(five.pass(3.0));  // the camera restarted its clock
  EXPECT_FALSE(five.pass(3.1));
  EXPECT_TRUE(five.pass(3.2));
}

TEST(RealtimePacer, FollowsStreamTimeAndResynchronisesAfterAJump) {
  RealtimePacer p;
  EXPECT_EQ(p.due(50.0, 1000.0), 1000.0);  // the first packet starts the schedule
  EXPECT_EQ(p.due(50.5, 1000.1), 1000.5);  // due half a second after the first
  EXPECT_EQ(p.due(60.0, 1000.2), 1000.2);  // 9.8 s early: a jump, due at once
  EXPECT_NEAR(p.due(60.1, 1000.2), 1000.3, 1e-9);
  EXPECT_EQ(p.due(60.2, 1002.0), 1002.0);  // 1.7 s late: due at once, schedule restarts
}

}  // namespace vigil
