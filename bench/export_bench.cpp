// Export time (issue 13): 10 minutes of one camera's 24/7 recordings cut into one MP4 by
// stream copy (range_clip, what ExportMaker runs). The recordings are written first by
// the real Recorder from an H.264 file read as fast as it can be (arrival times are the
// file's own timestamps from a fixed start), then the export is cut `repeats` times; a
// plain copy of the same recording files is timed for comparison (the floor any export
// that reads and writes every byte has on this disk).
// Usage: bench_export <file.mp4> [minutes, default 10] [repeats, default 3]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

#include "storage/range_clip.h"
#include "storage/recorder.h"

using namespace vigil;
namespace fs = std::filesystem;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Records `seconds` of `path` (looped) as if it arrived from t0 on; returns the wall time it took.
double record(Recorder& rec, const std::string& path, double t0, double seconds) {
  AVFormatContext* fmt = nullptr;
  if (avformat_open_input(&fmt, path.c_str(), nullptr, nullptr) < 0 || avformat_find_stream_info(fmt, nullptr) < 0) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    std::exit(1);
  }
  const int vs = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  AVStream* st = fmt->streams[vs];
  AVPacket* pkt = av_packet_alloc();
  const double started = now();
  double offset = 0, last = 0;
  for (;;) {
    if (av_read_frame(fmt, pkt) < 0) {  // loop: later passes continue the timeline
      offset = last + av_q2d(av_inv_q(st->avg_frame_rate));
      av_seek_frame(fmt, vs, 0, AVSEEK_FLAG_BACKWARD);
      continue;
    }
    if (pkt->stream_index != vs) {
      av_packet_unref(pkt);
      continue;
    }
    const double t = pkt->pts * av_q2d(st->time_base) + offset;
    last = t;
    if (t >= seconds) break;
    const int64_t shift = std::llround(offset / av_q2d(st->time_base));
    pkt->pts += shift;
    pkt->dts += shift;
    rec.on_packet(pkt, st, t0 + t);
    av_packet_unref(pkt);
  }
  rec.on_end();
  av_packet_free(&pkt);
  avformat_close_input(&fmt);
  return now() - started;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <file.mp4> [minutes] [repeats]\n", argv[0]);
    return 2;
  }
  const std::string media = argv[1];
  const double minutes = argc > 2 ? std::atof(argv[2]) : 10;
  const int repeats = std::max(1, argc > 3 ? std::atoi(argv[3]) : 3);
  av_log_set_level(AV_LOG_ERROR);
  std::string dir = (fs::temp_directory_path() / "vigil-export-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  const std::string recordings = dir + "/recordings";

  // A start on a whole minute, an hour ago: segments are named and cut as in production.
  const double t0 = std::floor((double(std::time(nullptr)) - 3600) / 60) * 60;
  const double span = minutes * 60;
  double record_s = 0;
  {
    Recorder rec("bench", recordings);
    record_s = record(rec, media, t0, span + 5);
  }
  uintmax_t bytes = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(recordings))
    if (e.is_regular_file() && e.path().extension() == ".mp4") {
      files.push_back(e.path());
      bytes += e.file_size();
    }

  std::vector<double> cut, copy;
  ClipResult r;
  for (int i = 0; i < repeats; ++i) {
    const std::string out = dir + "/export" + std::to_string(i) + ".mp4";
    const double s = now();
    r = range_clip(RecordingRoots(recordings), "bench", t0 + 1, t0 + 1 + span, out);
    cut.push_back(now() - s);
    if (!r.ok) {
      std::fprintf(stderr, "export failed: %s\n", r.why.c_str());
      return 1;
    }
    fs::remove(out);
    const std::string copy_dir = dir + "/copy";
    fs::create_directories(copy_dir);
    const double c = now();
    for (const fs::path& f : files) fs::copy_file(f, copy_dir + "/" + f.filename().string());
    copy.push_back(now() - c);
    fs::remove_all(copy_dir);
  }
  std::printf("media %s: %zu recording segments, %.1f MB, recorded in %.1f s\n", media.c_str(), files.size(),
              bytes / 1e6, record_s);
  std::printf(
      "export of %.0f min: median %.2f s over %d runs (%d packets, %.1f s of video); copy of the segments %.2f s "
      "(export/copy %.2f)\n",
      minutes, median(cut), repeats, r.packets, r.duration, median(copy), median(cut) / median(copy));
  fs::remove_all(dir);
  return 0;
}
