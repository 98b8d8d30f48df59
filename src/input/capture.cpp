#include "input/capture.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <set>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/hwcontext.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include "util/log.h"
#include "util/printable.h"

namespace vigil {
namespace {

std::string av_error(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

int parse_av_loglevel(const std::string& s) {
  static const std::pair<const char*, int> kLevels[] = {
      {"quiet", AV_LOG_QUIET},     {"panic", AV_LOG_PANIC},     {"fatal", AV_LOG_FATAL},
      {"error", AV_LOG_ERROR},     {"warning", AV_LOG_WARNING}, {"info", AV_LOG_INFO},
      {"verbose", AV_LOG_VERBOSE}, {"debug", AV_LOG_DEBUG},     {"trace", AV_LOG_TRACE}};
  for (auto& [name, lvl] : kLevels)
    if (s == name) return lvl;
  return AV_LOG_WARNING;
}

std::string roles_key(const std::vector<std::string>& roles) {
  std::vector<std::string> r = roles;
  std::sort(r.begin(), r.end());
  std::string out;
  for (auto& x : r) out += (out.empty() ? "" : "_") + x;
  return out;
}

bool is_network_url(const std::string& path) {
  return path.find("://") != std::string::npos && path.rfind("file:", 0) != 0;
}

// An input's path as logged: credentials masked, one printable line.
std::string shown(const std::string& path) { return printable(mask_credentials(path)); }

}  // namespace

// Everything libav needs for one open input; freed when the connection ends.
struct Capture::Connection {
  AVFormatContext* fmt = nullptr;
  AVCodecContext* dec = nullptr;
  AVBufferRef* hw_device = nullptr;
  SwsContext* sws = nullptr;
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  AVFrame* sw_frame = av_frame_alloc();
  int stream = -1;
  AVRational time_base{1, 1};
  double frame_duration = 0.1;  // seconds per frame, from the stream's rate
  // -stream_loop: times already added by earlier loops keep stream time monotonic.
  double loop_offset = 0, last_stream_time = 0;
  int loops_left = 0;
  // -re pacing: monotonic time and stream time of the first paced packet.
  bool paced = false;
  double pace_mono = 0, pace_ts = 0;
  bool warned_size = false;
  double started_mono = 0;  // when the first frame of this connection arrived
  bool delivered = false;
  AVDictionary* unused_options = nullptr;  // left over by the demuxer, tried on the decoder

  ~Connection() {
    av_dict_free(&unused_options);
    av_packet_free(&pkt);
    av_frame_free(&frame);
    av_frame_free(&sw_frame);
    sws_freeContext(sws);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    av_buffer_unref(&hw_device);
  }
};

Capture::Capture(CaptureSettings settings, FrameSink sink, const Clock& clock)
    : s_(std::move(settings)),
      sink_(std::move(sink)),
      clock_(clock),
      libav_log_(logger("ffmpeg." + s_.camera + "." + roles_key(s_.input.roles)), clock) {
  log_ = logger("camera." + s_.camera);
  LibavLog::install();
}

Capture::~Capture() { stop(); }

void Capture::start() {
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Capture::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Capture::sleep_for(double seconds) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stopping_.load(); });
}

// Options neither the demuxer nor the decoder used. Protocol options that simply do not
// apply to this kind of input (the default RTSP arguments on a file) are dropped
// silently; anything else is probably a typo and is reported once.
void Capture::report_unused_options(AVDictionary* leftover) {
  static const std::set<std::string> kProtocolOptions = {"rtsp_transport",
                                                         "timeout",
                                                         "stimeout",
                                                         "rw_timeout",
                                                         "rtsp_flags",
                                                         "allowed_media_types",
                                                         "reorder_queue_size",
                                                         "buffer_size",
                                                         "reconnect",
                                                         "reconnect_streamed",
                                                         "reconnect_delay_max",
                                                         "user_agent",
                                                         "headers",
                                                         "listen_timeout",
                                                         "max_delay",
                                                         "use_wallclock_as_timestamps"};
  for (AVDictionaryEntry* e = nullptr; (e = av_dict_get(leftover, "", e, AV_DICT_IGNORE_SUFFIX));) {
    if (kProtocolOptions.count(e->key)) {
      log_->debug("input option -{} does not apply to this input; dropped", e->key);
    } else if (warned_options_.insert(e->key).second) {
      log_->warn("input_args option -{} is not used by this input", e->key);
    }
  }
}

int Capture::interrupt_cb(void* p) {
  auto* self = static_cast<Capture*>(p);
  return self->stopping_ || self->clock_.mono() > self->deadline_.load();
}

void Capture::run() {
  tid_ = gettid();
  LibavLog::ThreadScope libav_scope(&libav_log_);
  while (!stopping_) {
    // While an input stays down, libav's own error lines would repeat at every attempt;
    // the loss is logged once below instead.
    libav_log_.set_level(was_down_ ? AV_LOG_QUIET : parse_av_loglevel(s_.input.options.ffmpeg_loglevel));
    std::string why = run_connection();
    if (s_.decode && packet_sink_) packet_sink_(nullptr, nullptr);  // complete any file being written
    connected_ = false;
    if (stopping_) break;
    double delay = backoff_.next_delay();
    if (!was_down_) {
      log_->warn("input {} lost: {}; reconnecting in {:.0f} s", shown(s_.input.path), why, delay);
      was_down_ = true;
    } else {
      log_->debug("input still down: {}; next attempt in {:.0f} s", why, delay);
    }
    if (!sleep_for(delay)) break;
  }
}

// -stream_loop: seek back to the start; the next loop starts one frame after the last
// one so stream time stays monotonic. Returns why the connection ends, or "" to go on.
std::string Capture::loop_to_start(Connection& c) {
  if (c.loops_left == 0) return "end of stream";
  if (c.loops_left > 0) --c.loops_left;
  AVStream* st = c.fmt->streams[c.stream];
  int64_t start = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
  c.loop_offset = c.last_stream_time + c.frame_duration - start * av_q2d(c.time_base);
  if (int ret = av_seek_frame(c.fmt, c.stream, start, AVSEEK_FLAG_BACKWARD); ret < 0)
    return "cannot loop: " + av_error(ret);
  return "";
}

// -re: waits until the packet at stream time `ts` is due; resynchronises at the start
// and after a jump. False when stopped while waiting.
bool Capture::pace(Connection& c, double ts) {
  double now = clock_.mono(), due = c.pace_mono + (ts - c.pace_ts);
  if (!c.paced || due < now - 1.0 || due > now + 5.0) {
    c.paced = true;
    c.pace_mono = now;
    c.pace_ts = ts;
    return true;
  }
  return due <= now || sleep_for(due - now);
}

// Gives the packet to the packet sink with the -stream_loop offset added to its
// timestamps (the packet itself is left unchanged for the decoder).
void Capture::hand_packet(Connection& c) {
  if (!packet_sink_) return;
  AVPacket* p = av_packet_clone(c.pkt);
  if (!p) return;
  int64_t offset = std::llround(c.loop_offset / av_q2d(c.time_base));
  if (p->pts != AV_NOPTS_VALUE) p->pts += offset;
  if (p->dts != AV_NOPTS_VALUE) p->dts += offset;
  packet_sink_(p, c.fmt->streams[c.stream]);
  av_packet_free(&p);
}

std::string Capture::read_packets_only(Connection& c) {
  const InputOptions& o = s_.input.options;
  log_->debug("opened {} (stream copy only)", shown(s_.input.path));
  struct EndNotice {  // the writer completes its file whatever way the connection ends
    Capture* self;
    ~EndNotice() {
      if (self->packet_sink_) self->packet_sink_(nullptr, nullptr);
    }
  } notice{this};
  bool first = true;
  while (!stopping_) {
    int ret = av_read_frame(c.fmt, c.pkt);
    if (ret == AVERROR_EOF) {
      if (std::string why = loop_to_start(c); !why.empty()) return why;
      continue;
    }
    if (ret < 0) {
      if (stopping_) return "stopped";
      if (clock_.mono() > deadline_) return "no packet for " + std::to_string(int(s_.stall_seconds)) + " s";
      return "read error: " + av_error(ret);
    }
    if (c.pkt->stream_index != c.stream) {
      av_packet_unref(c.pkt);
      continue;
    }
    int64_t ts = c.pkt->dts != AV_NOPTS_VALUE ? c.pkt->dts : c.pkt->pts;
    if (ts != AV_NOPTS_VALUE) {
      double t = ts * av_q2d(c.time_base) + c.loop_offset;
      if (o.realtime && !pace(c, t)) {
        av_packet_unref(c.pkt);
        return "stopped";
      }
      c.last_stream_time = t;
    }
    deadline_ = clock_.mono() + s_.stall_seconds;
    if (first) {
      first = false;
      connected_ = true;
      if (was_down_) log_->info("input {} recovered", shown(s_.input.path));
      was_down_ = false;
    }
    hand_packet(c);
    av_packet_unref(c.pkt);
  }
  return "stopped";
}

std::string Capture::run_connection() {
  Connection c;
  const InputOptions& o = s_.input.options;
  const double stall = s_.stall_seconds;

  c.fmt = avformat_alloc_context();
  libav_log_.attach(c.fmt);
  c.fmt->interrupt_callback = {&Capture::interrupt_cb, this};
  deadline_ = clock_.mono() + stall;

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
  int ret = avformat_open_input(&c.fmt, s_.input.path.c_str(), ifmt, &opts);
  // Options the demuxer left unused are tried on the decoder below (config.md §6.2).
  c.unused_options = opts;
  opts = nullptr;
  if (ret < 0) {
    c.fmt = nullptr;  // freed by avformat_open_input on failure
    return "cannot open: " + av_error(ret);
  }
  if ((ret = avformat_find_stream_info(c.fmt, nullptr)) < 0) return "no stream info: " + av_error(ret);
  c.stream = av_find_best_stream(c.fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (c.stream < 0) return "no video stream";
  for (unsigned i = 0; i < c.fmt->nb_streams; ++i)
    if (int(i) != c.stream) c.fmt->streams[i]->discard = AVDISCARD_ALL;
  AVStream* st = c.fmt->streams[c.stream];
  c.time_base = st->time_base;
  AVRational rate = av_guess_frame_rate(c.fmt, st, nullptr);
  if (rate.num > 0 && rate.den > 0) c.frame_duration = av_q2d(av_inv_q(rate));
  c.loops_left = o.stream_loop;

  // Packets only (no decoder): stream copy for record/clips inputs.
  if (!s_.decode) return read_packets_only(c);

  const AVCodec* codec = nullptr;
  if (!o.decoder_name.empty()) {
    codec = avcodec_find_decoder_by_name(o.decoder_name.c_str());
    if (!codec) log_->warn("decoder {} not available; using the default decoder", o.decoder_name);
  }
  if (!codec) codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) return "no decoder for the stream's codec";
  c.dec = avcodec_alloc_context3(codec);
  libav_log_.attach(c.dec);
  avcodec_parameters_to_context(c.dec, st->codecpar);
  c.dec->pkt_timebase = st->time_base;
  c.dec->thread_count = 1;  // most CPU-efficient; one decoder thread per camera
  if (!o.hwaccel.empty()) {
    AVHWDeviceType type =
        av_hwdevice_find_type_by_name(o.hwaccel == "nvdec" || o.hwaccel == "cuvid" ? "cuda" : o.hwaccel.c_str());
    const char* dev = o.hwaccel_device.empty() ? nullptr : o.hwaccel_device.c_str();
    if (type == AV_HWDEVICE_TYPE_NONE || av_hwdevice_ctx_create(&c.hw_device, type, dev, nullptr, 0) < 0) {
      log_->warn("hardware decoding ({}) not available; decoding in software", o.hwaccel);
    } else {
      c.dec->hw_device_ctx = av_buffer_ref(c.hw_device);
    }
  }
  AVDictionary* dopts = c.unused_options;
  c.unused_options = nullptr;
  for (const auto& [k, v] : o.decoder_options) av_dict_set(&dopts, k.c_str(), v.c_str(), 0);
  ret = avcodec_open2(c.dec, codec, &dopts);
  report_unused_options(dopts);
  av_dict_free(&dopts);
  if (ret < 0) return "cannot open decoder: " + av_error(ret);

  log_->debug("opened {} ({} {}x{})", shown(s_.input.path), codec->name, c.dec->width, c.dec->height);
  have_due_ = false;

  auto drain = [&]() {
    avcodec_send_packet(c.dec, nullptr);
    while (avcodec_receive_frame(c.dec, c.frame) >= 0) {
      int64_t ts = c.frame->best_effort_timestamp;
      double t =
          ts == AV_NOPTS_VALUE ? c.last_stream_time + c.frame_duration : ts * av_q2d(c.time_base) + c.loop_offset;
      deliver(c, c.frame, t);
      av_frame_unref(c.frame);
    }
    avcodec_flush_buffers(c.dec);
  };

  while (!stopping_) {
    ret = av_read_frame(c.fmt, c.pkt);
    if (ret == AVERROR_EOF) {
      drain();
      if (std::string why = loop_to_start(c); !why.empty()) return why;
      continue;
    }
    if (ret < 0) {
      if (stopping_) return "stopped";
      if (clock_.mono() > deadline_) return "no frame for " + std::to_string(int(stall)) + " s";
      return "read error: " + av_error(ret);
    }
    if (c.pkt->stream_index != c.stream) {
      av_packet_unref(c.pkt);
      continue;
    }
    if (o.realtime) {
      int64_t pts = c.pkt->dts != AV_NOPTS_VALUE ? c.pkt->dts : c.pkt->pts;
      if (pts != AV_NOPTS_VALUE && !pace(c, pts * av_q2d(c.time_base) + c.loop_offset)) {
        av_packet_unref(c.pkt);
        return "stopped";
      }
    }
    hand_packet(c);
    ret = avcodec_send_packet(c.dec, c.pkt);
    av_packet_unref(c.pkt);
    if (ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_INVALIDDATA) return "decode error: " + av_error(ret);
    while ((ret = avcodec_receive_frame(c.dec, c.frame)) >= 0) {
      int64_t ts = c.frame->best_effort_timestamp;
      double t =
          ts == AV_NOPTS_VALUE ? c.last_stream_time + c.frame_duration : ts * av_q2d(c.time_base) + c.loop_offset;
      deliver(c, c.frame, t);
      av_frame_unref(c.frame);
    }
    if (clock_.mono() > deadline_) return "no frame for " + std::to_string(int(stall)) + " s";
  }
  return "stopped";
}

void Capture::deliver(Connection& c, AVFrame* decoded, double stream_time) {
  const double now_mono = clock_.mono();
  deadline_ = now_mono + s_.stall_seconds;
  const bool went_back = c.delivered && stream_time < c.last_stream_time;
  c.last_stream_time = stream_time;
  if (!c.delivered) {
    c.delivered = true;
    c.started_mono = now_mono;
    connected_ = true;
    libav_log_.set_level(parse_av_loglevel(s_.input.options.ffmpeg_loglevel));
    if (was_down_)
      log_->info("input {} recovered", shown(s_.input.path));
    else
      log_->info("input {} connected ({}x{})", shown(s_.input.path), decoded->width, decoded->height);
    was_down_ = false;
  }
  backoff_.connection_healthy(c.started_mono, now_mono);

  // fps limit on stream time (pipeline.md §2.3).
  if (s_.fps) {
    double interval = 1.0 / *s_.fps;
    // Stream time that goes back (a reconfigured camera restarts its clock) starts the
    // schedule afresh: frames would otherwise be dropped until it caught up.
    if (went_back) have_due_ = false;
    if (have_due_ && stream_time < next_due_ - 0.001) return;
    next_due_ = have_due_ ? next_due_ + interval : stream_time + interval;
    have_due_ = true;
    if (next_due_ < stream_time - interval) next_due_ = stream_time + interval;
  }

  AVFrame* src = decoded;
  if (decoded->hw_frames_ctx) {  // hardware frame: download to system memory
    av_frame_unref(c.sw_frame);
    if (av_hwframe_transfer_data(c.sw_frame, decoded, 0) < 0) return;
    src = c.sw_frame;
  }

  const int W = s_.width, H = s_.height;
  AVFrame* out = nullptr;
  bool plain =
      (src->format == AV_PIX_FMT_YUV420P || src->format == AV_PIX_FMT_YUVJ420P) && src->width == W && src->height == H;
  if (plain) {
    out = av_frame_clone(src);  // shares the decoder's buffers: no copy
  } else {
    if (!c.warned_size && (src->width != W || src->height != H)) {
      log_->warn("stream is {}x{}, camera is configured {}x{}; scaling", src->width, src->height, W, H);
      c.warned_size = true;
    }
    c.sws = sws_getCachedContext(c.sws, src->width, src->height, AVPixelFormat(src->format), W, H, AV_PIX_FMT_YUV420P,
                                 SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (!c.sws) return;
    out = av_frame_alloc();
    out->format = AV_PIX_FMT_YUV420P;
    out->width = W;
    out->height = H;
    if (av_frame_get_buffer(out, 0) < 0) {
      av_frame_free(&out);
      return;
    }
    sws_scale(c.sws, src->data, src->linesize, 0, src->height, out->data, out->linesize);
  }

  auto f = std::make_shared<Frame>();
  f->width = W;
  f->height = H;
  double t = clock_.wall();
  if (t <= last_frame_time_) t = last_frame_time_ + 1e-6;
  last_frame_time_ = t;
  f->time = t;
  f->seq = ++seq_;
  for (int i = 0; i < 3; ++i) {
    f->plane[i] = out->data[i];
    f->stride[i] = out->linesize[i];
  }
  f->owner = std::shared_ptr<void>(out, [](void* p) {
    auto* fr = static_cast<AVFrame*>(p);
    av_frame_free(&fr);
  });
  sink_(std::move(f));
}

}  // namespace vigil
