#include "storage/clip_assembler.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>

extern "C" {
#include <libavformat/avformat.h>
}

#include "input/av_error.h"
#include "storage/files.h"
#include "storage/media_layout.h"
#include "storage/segment_reader.h"
#include "util/metric_families.h"

namespace vigil {
namespace {

constexpr double kGap = 1.0;  // a jump in wall time longer than this is a gap in the cache

// The output file being written.
struct Output {
  AVFormatContext* fmt = nullptr;
  std::string tmp;
  ~Output() {
    if (fmt) {
      if (fmt->pb) avio_closep(&fmt->pb);
      avformat_free_context(fmt);
    }
  }
  std::string error;  // why open() or write() failed (libav's text)
  bool open(const AVStream* in) {
    if (avformat_alloc_output_context2(&fmt, nullptr, "mp4", tmp.c_str()) < 0) return fail("no MP4 muxer");
    AVStream* os = avformat_new_stream(fmt, nullptr);
    if (!os || avcodec_parameters_copy(os->codecpar, in->codecpar) < 0) return fail("out of memory");
    os->codecpar->codec_tag = 0;
    os->time_base = in->time_base;
    if (int ret = avio_open(&fmt->pb, tmp.c_str(), AVIO_FLAG_WRITE); ret < 0) return fail(av_error_text(ret));
    AVDictionary* opts = nullptr;
    av_dict_set(&opts, "movflags", "+faststart", 0);  // index first (0.8: -movflags +faststart)
    int ret = avformat_write_header(fmt, &opts);
    av_dict_free(&opts);
    return ret >= 0 || fail("header: " + av_error_text(ret));
  }
  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }
  // Copies a packet of an input with time base `in_tb`, its timestamps moved by `delta`
  // (output time base). Skipped when not after the previous one (the muxer needs
  // increasing dts, e.g. an overlap after a re-anchor).
  enum class Written { kSkipped, kOk, kError };
  Written write(const AVPacket* p, AVRational in_tb, int64_t delta = 0) {
    AVPacket* q = av_packet_clone(p);
    if (!q) return Written::kError;
    av_packet_rescale_ts(q, in_tb, fmt->streams[0]->time_base);
    q->stream_index = 0;
    q->pos = -1;
    if (q->pts != AV_NOPTS_VALUE) q->pts += delta;
    q->dts = q->dts == AV_NOPTS_VALUE ? q->pts : q->dts + delta;
    if (q->dts <= last_dts) {
      av_packet_free(&q);
      return Written::kSkipped;
    }
    last_dts = q->dts;
    int ret = av_write_frame(fmt, q);
    av_packet_free(&q);
    if (ret < 0) error = av_error_text(ret);
    return ret < 0 ? Written::kError : Written::kOk;
  }
  // Trailer, close, then (if `ok`) publish under `final_path` (§7); the temporary goes
  // otherwise. Returns why it failed ("" when published or when !ok: the caller knows).
  std::string finish(bool ok, const std::string& final_path) {
    std::string why;
    if (ok) {
      if (int ret = av_write_trailer(fmt); ret < 0) why = "write trailer: " + av_error_text(ret);
    }
    if (int ret = avio_closep(&fmt->pb); ret < 0 && ok && why.empty()) why = "close: " + av_error_text(ret);
    if (ok && why.empty()) {
      if (Status st = publish_file(tmp, final_path); st)
        return "";
      else
        why = st.why();
    }
    std::remove(tmp.c_str());
    return ok ? why : std::string("not published");
  }
  int64_t last_dts = INT64_MIN;
};

// The keyframe the clip starts on: the last at or before `a`, else the first after it.
double start_keyframe(const std::vector<CacheSegment>& segs, double a, double b) {
  double before = -std::numeric_limits<double>::infinity(), after = std::numeric_limits<double>::infinity();
  for (const auto& s : segs)
    for (double k : s.keyframes) {
      if (k <= a + 1e-6) before = std::max(before, k);
      if (k > a && k <= b) after = std::min(after, k);
    }
  return std::isfinite(before) ? before : after;
}

std::string temp_for(const std::string& out_path) {
  std::filesystem::path p(out_path);
  return (p.parent_path() / temporary_name(p.filename().string())).string();
}

}  // namespace

ClipResult finalize_segment(const std::string& in_path, const std::string& out_path, double min_seconds) {
  ClipResult r;
  SegmentReader in;
  if (!in.open(in_path)) {
    r.why = in.error();
    return r;
  }
  Output out;
  out.tmp = temp_for(out_path);
  if (!out.open(in.stream())) {
    r.why = "cannot write " + out.tmp + ": " + out.error;
    std::remove(out.tmp.c_str());
    return r;
  }
  double t = 0, first = NAN, end = 0;
  while (const AVPacket* p = in.next(&t)) {
    Output::Written w = out.write(p, in.stream()->time_base);
    if (w == Output::Written::kSkipped) continue;
    if (w == Output::Written::kError) {
      r.why = "write error: " + out.error;
      break;
    }
    if (std::isnan(first)) first = t;
    end = std::max(end, t + in.duration_of(p));
    ++r.packets;
  }
  r.duration = std::isnan(first) ? 0 : end - first;
  const bool publishable = r.why.empty() && r.packets > 0 && r.duration >= min_seconds;
  if (std::string why = out.finish(publishable, out_path); !publishable || !why.empty()) {
    if (r.why.empty()) r.why = publishable ? why : "too short (" + std::to_string(r.duration) + " s)";
    return r;
  }
  r.ok = true;
  return r;
}

namespace {

// A cache segment opened for reading, and its codec parameters in comparable form.
struct Source {
  const CacheSegment* seg = nullptr;
  std::unique_ptr<SegmentReader> reader;
  std::string format;
};

std::string format_key(const AVStream* st) {
  const AVCodecParameters* p = st->codecpar;
  return std::to_string(p->codec_id) + "/" + std::to_string(p->width) + "x" + std::to_string(p->height) + "/" +
         std::string(reinterpret_cast<const char*>(p->extradata), size_t(std::max(0, p->extradata_size)));
}

std::vector<Source> open_sources(const std::vector<CacheSegment>& segs) {
  std::vector<Source> out;
  for (const CacheSegment& seg : segs) {
    // The segment may have been closed (renamed) since the index was copied.
    auto reader = std::make_unique<SegmentReader>();
    if (!reader->open(seg.path())) {
      if (seg.closed) continue;
      reader = std::make_unique<SegmentReader>();
      if (!reader->open(seg.final_path)) continue;
    }
    out.push_back({&seg, std::move(reader), ""});
    out.back().format = format_key(out.back().reader->stream());
  }
  return out;
}

// One MP4 holds one set of codec parameters: when the camera changed them within
// [a, b] (storage.md §4.1), the clip keeps the run of consecutive segments with the
// same parameters that covers most of [a, b] (the later one on a tie), and [a, b]
// shrinks to that run.
std::vector<Source> one_format(std::vector<Source> all, double& a, double& b) {
  size_t best = 0, best_end = 0;
  double best_cover = -1;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    double cover = 0;
    for (; j < all.size() && all[j].format == all[i].format; ++j)
      cover += std::max(0.0, std::min(b, all[j].seg->end) - std::max(a, all[j].seg->wall0));
    if (cover >= best_cover) {
      best_cover = cover;
      best = i;
      best_end = j;
    }
    i = j;
  }
  if (best > 0) a = std::max(a, all[best].seg->wall0);
  if (best_end < all.size()) b = std::min(b, all[best_end - 1].seg->end);
  return {std::make_move_iterator(all.begin() + long(best)), std::make_move_iterator(all.begin() + long(best_end))};
}

}  // namespace

namespace {

ClipResult assemble(const std::vector<CacheSegment>& all_segs, double a, double b, const std::string& out_path,
                    const ClipProgress& progress) {
  ClipResult r;
  std::vector<Source> sources = one_format(open_sources(all_segs), a, b);
  std::vector<CacheSegment> segs;
  for (const Source& s : sources) segs.push_back(*s.seg);
  const double k0 = start_keyframe(segs, a, b);
  if (!std::isfinite(k0)) {
    r.why = "no keyframe in the cache between start and end";
    return r;
  }
  Output out;
  out.tmp = temp_for(out_path);

  double shift = 0;       // seconds of gaps skipped so far
  double prev_end = NAN;  // wall time at which the previous copied packet ends
  double first_out = NAN, last_out_end = 0;
  bool done = false;
  for (Source& src : sources) {
    const CacheSegment& seg = *src.seg;
    if (done) break;
    if (seg.end < k0) continue;
    SegmentReader& in = *src.reader;
    double t = 0;
    while (const AVPacket* p = in.next(&t)) {
      const double wall = seg.wall0 + t;
      if (wall < k0 - 1e-6) continue;
      if (wall > b + 1e-6) {
        done = true;
        break;
      }
      if (!out.fmt && !out.open(in.stream())) {
        r.why = "cannot write " + out.tmp + ": " + out.error;
        std::remove(out.tmp.c_str());
        return r;
      }
      const double dur = in.duration_of(p);
      if (!std::isnan(prev_end) && wall - prev_end > kGap) shift += wall - prev_end;  // camera was down
      // Rebase: output time = wall − a − gaps, in the output's time base.
      const int64_t delta = std::llround((seg.wall0 - a - shift) / av_q2d(out.fmt->streams[0]->time_base));
      Output::Written w = out.write(p, in.stream()->time_base, delta);
      if (w == Output::Written::kSkipped) continue;
      if (w == Output::Written::kError) {
        r.why = "write error: " + out.error;
        break;
      }
      const double out_t = wall - a - shift;
      if (std::isnan(first_out)) first_out = out_t;
      last_out_end = out_t + dur;
      prev_end = wall + dur;
      ++r.packets;
      if (progress && r.packets % 64 == 0 && !progress(b > k0 ? std::clamp((wall - k0) / (b - k0), 0.0, 1.0) : 0)) {
        r.why = "cancelled";
        break;
      }
    }
  }
  if (!out.fmt) {
    r.why = "no cached video in the clip's span";
    return r;
  }
  r.duration = std::isnan(first_out) ? 0 : last_out_end - std::max(0.0, first_out);
  if (r.why.empty() && r.duration < 1.0) r.why = "less than 1 s of cached video";
  const bool publishable = r.why.empty();
  if (std::string why = out.finish(publishable, out_path); !publishable || !why.empty()) {
    if (r.why.empty()) r.why = why + " (" + out_path + ")";
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace

// Times each assembly (event clips and /api/<camera>/start/…/clip.mp4) for /api/metrics.
ClipResult assemble_clip(const std::vector<CacheSegment>& all_segs, double a, double b, const std::string& out_path,
                         const ClipProgress& progress) {
  static MetricFamily<Histogram>& seconds = clip_assembly_metric();
  const auto t0 = std::chrono::steady_clock::now();
  ClipResult r = assemble(all_segs, a, b, out_path, progress);
  seconds.with({r.ok ? "ok" : "failed"})
      .observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return r;
}

}  // namespace vigil
