// Clip assembly time (issue 4): a 60 s event with 5 s pre and post capture, cut from the
// clip cache by stream copy. The cache is filled from an H.264 file as fast as it can be
// read (a manual clock stands in for arrival times), then the clip is assembled
// `repeats` times; prints the median time, and the cache write time for comparison.
// Usage: bench_clips <file.mp4> [repeats]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

#include "storage/clip_assembler.h"
#include "storage/clip_cache.h"
#include "util/clock.h"

using namespace vigil;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Feeds `seconds` of `path` (looped) into the cache; returns the wall time it took.
double fill(ClipCache& cache, ManualClock& clock, const std::string& path, double seconds) {
  AVFormatContext* fmt = nullptr;
  if (avformat_open_input(&fmt, path.c_str(), nullptr, nullptr) < 0 || avformat_find_stream_info(fmt, nullptr) < 0) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    std::exit(1);
  }
  int vs = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  AVStream* st = fmt->streams[vs];
  AVPacket* pkt = av_packet_alloc();
  const double t0 = clock.wall_time, started = now();
  double offset = 0, last = 0;
  for (;;) {
    if (av_read_frame(fmt, pkt) < 0) {
      offset = last + av_q2d(av_inv_q(st->avg_frame_rate));
      av_seek_frame(fmt, vs, 0, AVSEEK_FLAG_BACKWARD);
      continue;
    }
    if (pkt->stream_index != vs) {
      av_packet_unref(pkt);
      continue;
    }
    double t = pkt->pts * av_q2d(st->time_base) + offset;
    last = t;
    if (t >= seconds) break;
    int64_t shift = std::llround(offset / av_q2d(st->time_base));
    pkt->pts += shift;
    pkt->dts += shift;
    clock.wall_time = t0 + t;
    cache.on_packet(pkt, st, clock.wall());
    av_packet_unref(pkt);
  }
  cache.on_end();
  av_packet_free(&pkt);
  avformat_close_input(&fmt);
  return now() - started;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <file.mp4> [repeats]\n", argv[0]);
    return 2;
  }
  const std::string media = argv[1];
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  av_log_set_level(AV_LOG_ERROR);
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / "vigil-clip-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;

  ManualClock clock;
  const double t0 = clock.wall_time;
  ClipCache cache("bench", dir + "/cache");
  const double fill_s = fill(cache, clock, media, 85);
  // Event from 10 s to 70 s (60 s), pre/post capture 5 s: span [5, 75].
  const double a = t0 + 5, b = t0 + 75;
  std::vector<double> times;
  ClipResult r;
  for (int i = 0; i < repeats; ++i) {
    const std::string out = dir + "/clip" + std::to_string(i) + ".mp4";
    double s = now();
    r = assemble_clip(cache.segments(a, b), a, b, out);
    times.push_back(now() - s);
    if (!r.ok) {
      std::fprintf(stderr, "assembly failed: %s\n", r.why.c_str());
      return 1;
    }
  }
  std::sort(times.begin(), times.end());
  const auto size = fs::file_size(dir + "/clip0.mp4");
  std::printf("media %s\n", media.c_str());
  std::printf("cache fill: 85 s of video written in %.3f s (%.0fx real time)\n", fill_s, 85 / fill_s);
  std::printf(
      "clip assembly, 60 s event (+5 s pre, +5 s post): median %.1f ms over %d runs (min %.1f, max %.1f); "
      "%d packets, %.1f s, %.1f MB\n",
      times[times.size() / 2] * 1e3, repeats, times.front() * 1e3, times.back() * 1e3, r.packets, r.duration,
      size / 1e6);
  fs::remove_all(dir);
  return 0;
}
