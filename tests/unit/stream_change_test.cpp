// A camera reconfigured mid-stream (768x576 → 320x240 → 1280x720, its timestamps
// restarting at each change: tests/tools/changing_stream.sh) through the 24/7 recorder,
// the clip cache and clip assembly, with a manual clock standing in for arrival time:
// every file holds one size and decodes without errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>

extern "C" {
#include <libavformat/avformat.h>
}

#include "storage/clip_assembler.h"
#include "storage/clip_cache.h"
#include "storage/recorder.h"
#include "test_media.h"
#include "util/clock.h"

using namespace vigil;
using namespace vigil::test;
namespace fs = std::filesystem;

namespace {

constexpr int kPartSeconds = 6;

// The changing stream, made once per test run.
const std::string& changing_ts() {
  static const std::string path = [] {
    const std::string out = temp_dir() + "/changing.ts";
    run(std::string(VIGIL_SOURCE_DIR) + "/tests/tools/changing_stream.sh '" + vtest_mp4() + "' '" + out + "' " +
        std::to_string(kPartSeconds));
    return out;
  }();
  return path;
}

// Feeds the file's video packets as a live camera delivers them: one per frame
// interval of arrival time (the clock), whatever their timestamps say; then ends the
// connection.
void feed_file(const std::string& path, const std::function<void(const AVPacket*, const AVStream*)>& sink,
               ManualClock& clock) {
  AVFormatContext* fmt = nullptr;
  ASSERT_EQ(avformat_open_input(&fmt, path.c_str(), nullptr, nullptr), 0) << path;
  avformat_find_stream_info(fmt, nullptr);
  const int vs = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  AVPacket* pkt = av_packet_alloc();
  while (av_read_frame(fmt, pkt) >= 0) {
    if (pkt->stream_index == vs) {
      sink(pkt, fmt->streams[vs]);
      clock.advance(0.1);  // 10 fps
    }
    av_packet_unref(pkt);
  }
  sink(nullptr, nullptr);
  av_packet_free(&pkt);
  avformat_close_input(&fmt);
}

std::string size_of(const std::string& file) {
  return run("ffprobe -v error -select_streams v -show_entries stream=width,height -of csv=p=0:s=x '" + file + "'");
}

std::string decode_errors(const std::string& file) { return run("ffmpeg -v error -i '" + file + "' -f null - 2>&1"); }

std::vector<std::string> finished_mp4s(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.ends_with(".mp4") && !name.starts_with(".")) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(StreamChange, EachRecordingSegmentHoldsOneSizeAndDecodes) {
  ASSERT_TRUE(fs::exists(changing_ts()));
  const std::string dir = temp_dir();
  ManualClock clock;
  clock.wall_time = std::floor(clock.wall_time / 60) * 60 + 1;  // all 18 s within one minute
  {
    Recorder r("yard", dir, 60);
    feed_file(
        changing_ts(), sink_to(r, clock), clock);
  }
  // A change starts a new segment: three, not one with the later parts lost or mixed.
  auto files = finished_mp4s(dir);
  ASSERT_EQ(files.size(), 3u);
  const char* sizes[] = {"768x576\n", "320x240\n", "1280x720\n"};
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(size_of(files[i]), sizes[i]) << files[i];
    EXPECT_NEAR(probe_duration(files[i]), kPartSeconds, 0.35) << files[i];
    EXPECT_EQ(decode_errors(files[i]), "") << files[i];
  }
}

TEST(StreamChange, CacheSegmentsAndClipsHoldOneSizeAndDecode) {
  const std::string dir = temp_dir();
  ManualClock clock;
  const double t0 = clock.wall_time;
  ClipCache cache("yard", dir);
  feed_file(
      changing_ts(), sink_to(cache, clock), clock);
  auto segs = cache.segments(0, 1e12);
  ASSERT_EQ(segs.size(), 3u);
  const char* sizes[] = {"768x576\n", "320x240\n", "1280x720\n"};
  for (size_t i = 0; i < segs.size(); ++i) {
    EXPECT_NEAR(segs[i].wall0, t0 + kPartSeconds * i, 0.15);
    EXPECT_EQ(size_of(segs[i].final_path), sizes[i]);
    EXPECT_EQ(decode_errors(segs[i].final_path), "") << segs[i].final_path;
  }

  // A clip across a change keeps the part that covers most of its span.
  struct Case {
    double a, b;
    const char* size;
    double duration;
  } cases[] = {
      {t0 + 1, t0 + 8, "768x576\n", kPartSeconds - 1},            // 5 s before the change, 2 s after
      {t0 + 3, t0 + 10, "320x240\n", 10 - kPartSeconds},          // 3 s before, 4 s after
      {t0 + 5, t0 + 17, "320x240\n", kPartSeconds},               // 1 s, 6 s, 5 s
      {t0 + 9, t0 + 17.5, "1280x720\n", 17.5 - 2 * kPartSeconds}  // 3 s, 5.5 s
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string out = dir + "/clip-" + std::to_string(++n) + ".mp4";
    ClipResult r = assemble_clip(cache.segments(c.a, c.b), c.a, c.b, out);
    ASSERT_TRUE(r.ok) << r.why;
    EXPECT_NEAR(r.duration, c.duration, 0.25) << out;
    EXPECT_NEAR(probe_duration(out), c.duration, 0.25) << out;
    EXPECT_EQ(size_of(out), c.size) << out;
    EXPECT_EQ(decode_errors(out), "") << out;
  }
}
