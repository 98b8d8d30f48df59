#include "input/demuxer.h"

#include <cmath>

extern "C" {
#include <libavformat/avformat.h>
}

#include "input/av_error.h"

namespace vigil {
namespace {

bool is_network_url(const std::string& path) {
  return path.find("://") != std::string::npos && path.rfind("file:", 0) != 0;
}

}  // namespace

Demuxer::Demuxer(const CaptureSettings& s, const Clock& clock, LibavLog& libav, Hooks hooks)
    : s_(s), clock_(clock), libav_(libav), hooks_(std::move(hooks)), pkt_(av_packet_alloc()) {}

Demuxer::~Demuxer() {
  av_dict_free(&unused_options_);
  av_packet_free(&pkt_);
  avformat_close_input(&fmt_);
}

int Demuxer::interrupt_cb(void* p) {
  auto* self = static_cast<Demuxer*>(p);
  return self->hooks_.stopping() || self->clock_.mono() > self->deadline_;
}

std::string Demuxer::open() {
  const InputOptions& o = s_.input.options;
  fmt_ = avformat_alloc_context();
  libav_.attach(fmt_);
  fmt_->interrupt_callback = {&Demuxer::interrupt_cb, this};
  keep_alive();

  AVDictionary* opts = nullptr;
  for (const auto& [k, v] : o.format_options) {
    std::string key = k;
    if (key == "stimeout") key = "timeout";  // renamed in FFmpeg 5 (config.md §6.2)
    // Files carry their own timestamps: wall-clock ones (the default input_args are
    // meant for cameras) would squeeze a file read at full speed into a second and
    // defeat -re pacing and the fps limit.
    if (key == "use_wallclock_as_timestamps" && (o.realtime || !is_network_url(s_.input.path))) continue;
    av_dict_set(&opts, key.c_str(), v.c_str(), 0);
  }
  const AVInputFormat* ifmt = o.force_format.empty() ? nullptr : av_find_input_format(o.force_format.c_str());
  int ret = avformat_open_input(&fmt_, s_.input.path.c_str(), ifmt, &opts);
  // Options the demuxer left unused are tried on the decoder (config.md §6.2).
  unused_options_ = opts;
  if (ret < 0) {
    fmt_ = nullptr;  // freed by avformat_open_input on failure
    return "cannot open: " + av_error_text(ret);
  }
  if ((ret = avformat_find_stream_info(fmt_, nullptr)) < 0) return "no stream info: " + av_error_text(ret);
  stream_ = av_find_best_stream(fmt_, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (stream_ < 0) return "no video stream";
  for (unsigned i = 0; i < fmt_->nb_streams; ++i)
    if (int(i) != stream_) fmt_->streams[i]->discard = AVDISCARD_ALL;
  AVStream* st = fmt_->streams[stream_];
  time_base_ = av_q2d(st->time_base);
  AVRational rate = av_guess_frame_rate(fmt_, st, nullptr);
  if (rate.num > 0 && rate.den > 0) frame_duration_ = av_q2d(av_inv_q(rate));
  loops_left_ = o.stream_loop;
  return "";
}

AVDictionary* Demuxer::take_unused_options() {
  AVDictionary* d = unused_options_;
  unused_options_ = nullptr;
  return d;
}

const AVStream* Demuxer::stream() const { return fmt_->streams[stream_]; }

const AVPacket* Demuxer::end(std::string why) {
  av_packet_unref(pkt_);
  why_ = std::move(why);
  return nullptr;
}

const AVPacket* Demuxer::read(const std::function<void()>& at_end) {
  av_packet_unref(pkt_);
  while (!hooks_.stopping()) {
    int ret = av_read_frame(fmt_, pkt_);
    if (ret == AVERROR_EOF) {
      if (at_end) at_end();
      if (std::string why = loop_to_start(); !why.empty()) return end(why);
      continue;
    }
    if (ret < 0) {
      if (hooks_.stopping()) return end("stopped");
      if (std::string why = stalled(); !why.empty()) return end(why);
      return end("read error: " + av_error_text(ret));
    }
    if (pkt_->stream_index != stream_) {
      av_packet_unref(pkt_);
      continue;
    }
    if (s_.input.options.realtime) {
      if (std::optional<double> t = packet_time()) {
        const double due = pacer_.due(*t, clock_.mono());
        if (due > clock_.mono() && !hooks_.wait_until(due)) return end("stopped");
      }
    }
    return pkt_;
  }
  return end("stopped");
}

// -stream_loop: seek back to the start; the next loop starts one frame after the last
// one so stream time stays monotonic. Returns why the connection ends, or "" to go on.
std::string Demuxer::loop_to_start() {
  if (loops_left_ == 0) return "end of stream";
  if (loops_left_ > 0) --loops_left_;
  AVStream* st = fmt_->streams[stream_];
  int64_t start = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
  loop_offset_ = last_stream_time_ + frame_duration_ - start * time_base_;
  if (int ret = av_seek_frame(fmt_, stream_, start, AVSEEK_FLAG_BACKWARD); ret < 0)
    return "cannot loop: " + av_error_text(ret);
  return "";
}

double Demuxer::stream_time(int64_t ts) const {
  return ts == AV_NOPTS_VALUE ? last_stream_time_ + frame_duration_ : ts * time_base_ + loop_offset_;
}

std::optional<double> Demuxer::packet_time() const {
  int64_t ts = pkt_->dts != AV_NOPTS_VALUE ? pkt_->dts : pkt_->pts;
  if (ts == AV_NOPTS_VALUE) return std::nullopt;
  return ts * time_base_ + loop_offset_;
}

std::string Demuxer::stalled() const {
  if (clock_.mono() <= deadline_) return "";
  return std::string("no ") + (s_.decode ? "frame" : "packet") + " for " + std::to_string(int(s_.stall_seconds)) + " s";
}

void Demuxer::copy_to(const PacketSink& sink) const {
  if (!sink) return;
  AVPacket* p = av_packet_clone(pkt_);
  if (!p) return;
  int64_t offset = std::llround(loop_offset_ / time_base_);
  if (p->pts != AV_NOPTS_VALUE) p->pts += offset;
  if (p->dts != AV_NOPTS_VALUE) p->dts += offset;
  sink(p, fmt_->streams[stream_]);
  av_packet_free(&p);
}

}  // namespace vigil
