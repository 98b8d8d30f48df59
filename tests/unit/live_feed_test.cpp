// Live video for the browser (restream/live_feed.h, restream/live_muxer.h): vtest.mp4's
// packets through one shared muxer to several viewers; what a viewer receives decodes
// cleanly with ffmpeg (from the start and for a late joiner), and a viewer that never
// reads is cut while another keeps receiving.
#include "restream/live_feed.h"

#include <gtest/gtest.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "restream/live_muxer.h"
#include "test_media.h"
#include "util/metric_families.h"

namespace vigil {
namespace {

using test::eventually;

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; ++pos) ++n;
  return n;
}

// A viewer's connection thread: takes whatever is queued until the stream ends.
class Reader {
 public:
  Reader(std::shared_ptr<LiveViewer> v, const Clock& clock) : v_(std::move(v)) {
    thread_ = std::thread([this, &clock] {
      while (!v_->ended()) {
        std::string b = v_->take(clock.mono() + 3600);  // woken by bytes or the end
        std::lock_guard lock(mu_);
        bytes_ += b;
        fragments_ = count(bytes_, "moof");
      }
    });
  }
  ~Reader() { thread_.join(); }
  int fragments() const { return fragments_; }
  std::string bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }
  LiveViewer& viewer() { return *v_; }

 private:
  std::shared_ptr<LiveViewer> v_;
  mutable std::mutex mu_;
  std::string bytes_;              // guarded by mu_
  std::atomic<int> fragments_{0};  // moof boxes in bytes_
  std::thread thread_;
};

// ffmpeg's complaints decoding `bytes` ("" = clean) and the frames it decoded.
std::pair<std::string, int> decode(const std::string& bytes) {
  const std::string path = test::temp_dir() + "/live.mp4";
  std::ofstream(path, std::ios::binary) << bytes;
  const std::string errors = test::run("ffmpeg -nostdin -v error -i " + path + " -f null - 2>&1");
  const std::string frames = test::run(
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
      "stream=nb_read_frames -of csv=p=0 " +
      path);
  return {errors, std::atoi(frames.c_str())};
}

TEST(LiveFeed, AViewerFromTheStartDecodesCleanly) {
  ManualClock clock;
  LiveFeed live("walk", clock);
  auto first = live.join();
  Reader a(first, clock);
  int fed = 0;
  // 6 s of vtest (60 frames, keyframes every 20). Each packet waits for the reader to
  // keep up (one frame is held by the muxer until the next gives its duration).
  test::feed(
      [&](const AVPacket* p, const AVStream* st) {
        live.on_packet(p, st);
        if (!p) return;
        ++fed;
        ASSERT_TRUE(eventually([&] { return a.fragments() >= fed - 1; }));
      },
      clock, 6.0);
  ASSERT_TRUE(eventually([&] { return first->ended(); }));  // the input ended: the stream is complete
  const std::string content_type = first->content_type();
  EXPECT_EQ(content_type.rfind("video/mp4; codecs=\"avc1.64", 0), 0u) << content_type;  // High profile
  // The first keyframe arrived at the clock's start; it shows at media time lead() (B-frames).
  EXPECT_LE(first->epoch(), 1600000000.0);
  EXPECT_GT(first->epoch(), 1600000000.0 - 0.5);
  auto [errors, frames] = decode(a.bytes());
  EXPECT_EQ(errors, "");
  EXPECT_EQ(frames, 59);  // all but the last, held when the input ended
  live.leave(first);
}

TEST(LiveFeed, LateJoinerStartsWithTheInitAndTheCurrentGop) {
  ManualClock clock;
  LiveFeed live("walk", clock);
  auto first = live.join();
  Reader a(first, clock);
  std::unique_ptr<Reader> b;
  int fed = 0;
  test::feed(
      [&](const AVPacket* p, const AVStream* st) {
        live.on_packet(p, st);
        if (!p) return;
        ++fed;
        ASSERT_TRUE(eventually([&] { return a.fragments() >= fed - 1; }));
        if (fed == 25) b = std::make_unique<Reader>(live.join(), clock);
      },
      clock, 6.0);
  ASSERT_TRUE(eventually([&] { return first->ended(); }));
  ASSERT_TRUE(b);
  const std::string bytes = b->bytes();
  b.reset();
  EXPECT_EQ(bytes.find("ftyp"), 4u);  // the init segment first
  auto [errors, frames] = decode(bytes);
  EXPECT_EQ(errors, "");
  EXPECT_EQ(frames, 59 - 20);  // from the keyframe of the GOP it joined in (frame 21) on
  live.leave(first);
}

TEST(LiveFeed, StalledViewerIsCutAndCountedWhileAnotherKeepsReceiving) {
  ManualClock clock;
  LiveFeed live("walk", clock);
  test::LogCapture log("vigil.live");
  Counter& cut_metric = live_viewers_cut_metric().with({"walk"});
  const uint64_t cut_before = cut_metric.value();
  auto stalled = live.join();  // never reads
  std::atomic<int> hooks{0};
  stalled->set_cut_hook([&] { ++hooks; });
  auto reading = live.join();
  Reader a(reading, clock);
  int fed = 0;
  test::feed(
      [&](const AVPacket* p, const AVStream* st) {
        live.on_packet(p, st);
        if (!p) return;
        ++fed;
        ASSERT_TRUE(eventually([&] { return a.fragments() >= fed - 1; }));
      },
      clock, 10.0, /*keep_open=*/true);
  // More than 3 s of video waited for it: cut once, counted once, logged once.
  EXPECT_TRUE(stalled->was_cut());
  EXPECT_TRUE(stalled->ended());
  EXPECT_EQ(hooks, 1);
  EXPECT_EQ(live.viewers_cut(), 1u);
  EXPECT_EQ(cut_metric.value(), cut_before + 1);
  EXPECT_EQ(log.count("a viewer fell behind"), 1);
  // The reader had every frame but the one held.
  EXPECT_FALSE(reading->was_cut());
  EXPECT_EQ(a.fragments(), fed - 1);
  EXPECT_EQ(live.viewers(), 2u);
  live.leave(stalled);
  live.leave(reading);  // the last: the muxer stops, the reader's stream ends
  EXPECT_EQ(live.viewers(), 0u);
}

TEST(LiveFeed, NoViewerNoMuxer) {
  ManualClock clock;
  LiveFeed live("walk", clock);
  // Packets with nobody watching go nowhere (the capture thread returns at once).
  test::feed([&](const AVPacket* p, const AVStream* st) { live.on_packet(p, st); }, clock, 1.0);
  auto v = live.join();
  // No packet since: no keyframe, no head.
  EXPECT_FALSE(v->wait_head(clock.mono()));
  live.leave(v);
  live.stop();
  EXPECT_TRUE(live.join()->ended());  // after stop, a viewer's stream ends at once
}

TEST(LiveMuxer, CodecsParameterFromTheSps) {
  AVCodecParameters* par = avcodec_parameters_alloc();
  par->codec_id = AV_CODEC_ID_H264;
  const uint8_t annexb[] = {0, 0, 0, 1, 0x67, 0x4d, 0x40, 0x1f, 0xaa, 0, 0, 0, 1, 0x68, 0xce};
  par->extradata = static_cast<uint8_t*>(av_mallocz(sizeof annexb + AV_INPUT_BUFFER_PADDING_SIZE));
  memcpy(par->extradata, annexb, sizeof annexb);
  par->extradata_size = sizeof annexb;
  EXPECT_EQ(mp4_codecs_param(par), "avc1.4d401f");
  const uint8_t avcc[] = {1, 0x64, 0x00, 0x28, 0xff};
  memcpy(par->extradata, avcc, sizeof avcc);
  par->extradata_size = sizeof avcc;
  EXPECT_EQ(mp4_codecs_param(par), "avc1.640028");
  par->codec_id = AV_CODEC_ID_HEVC;
  EXPECT_EQ(mp4_codecs_param(par), "hvc1");
  par->codec_id = AV_CODEC_ID_MJPEG;
  EXPECT_EQ(mp4_codecs_param(par), "");
  avcodec_parameters_free(&par);
}

}  // namespace
}  // namespace vigil
