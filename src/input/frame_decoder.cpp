#include "input/frame_decoder.h"

#include <spdlog/spdlog.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/hwcontext.h>
#include <libswscale/swscale.h>
}

#include "input/av_error.h"
#include "input/demuxer.h"

namespace vigil {

void FrameStamper::stamp(Frame& f) {
  double t = clock_.wall();
  if (t <= last_time_) t = last_time_ + 1e-6;
  last_time_ = t;
  f.time = t;
  f.seq = ++seq_;
}

FrameDecoder::FrameDecoder(const CaptureSettings& s, const Demuxer& demux, FrameStamper& stamper, spdlog::logger& log,
                           Hooks hooks)
    : s_(s),
      demux_(demux),
      stamper_(stamper),
      log_(log),
      hooks_(std::move(hooks)),
      fps_(s.fps),
      frame_(av_frame_alloc()),
      sw_frame_(av_frame_alloc()) {}

FrameDecoder::~FrameDecoder() {
  av_frame_free(&frame_);
  av_frame_free(&sw_frame_);
  sws_freeContext(sws_);
  avcodec_free_context(&dec_);
  av_buffer_unref(&hw_device_);
}

// Options neither the demuxer nor the decoder used. Protocol options that simply do not
// apply to this kind of input (the default RTSP arguments on a file) are dropped
// silently; anything else is probably a typo and is reported once.
void FrameDecoder::report_unused_options(AVDictionary* leftover, std::set<std::string>& warned) {
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
      log_.debug("input option -{} does not apply to this input; dropped", e->key);
    } else if (warned.insert(e->key).second) {
      log_.warn("input_args option -{} is not used by this input", e->key);
    }
  }
}

std::string FrameDecoder::open(AVDictionary* leftover, std::set<std::string>& warned, LibavLog& libav) {
  const InputOptions& o = s_.input.options;
  const AVStream* st = demux_.stream();
  const AVCodec* codec = nullptr;
  if (!o.decoder_name.empty()) {
    codec = avcodec_find_decoder_by_name(o.decoder_name.c_str());
    if (!codec) log_.warn("decoder {} not available; using the default decoder", o.decoder_name);
  }
  if (!codec) codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) {
    av_dict_free(&leftover);
    return "no decoder for the stream's codec";
  }
  dec_ = avcodec_alloc_context3(codec);
  libav.attach(dec_);
  avcodec_parameters_to_context(dec_, st->codecpar);
  dec_->pkt_timebase = st->time_base;
  dec_->thread_count = 1;  // most CPU-efficient; one decoder thread per camera
  if (!o.hwaccel.empty()) {
    AVHWDeviceType type =
        av_hwdevice_find_type_by_name(o.hwaccel == "nvdec" || o.hwaccel == "cuvid" ? "cuda" : o.hwaccel.c_str());
    const char* dev = o.hwaccel_device.empty() ? nullptr : o.hwaccel_device.c_str();
    if (type == AV_HWDEVICE_TYPE_NONE || av_hwdevice_ctx_create(&hw_device_, type, dev, nullptr, 0) < 0) {
      log_.warn("hardware decoding ({}) not available; decoding in software", o.hwaccel);
    } else {
      dec_->hw_device_ctx = av_buffer_ref(hw_device_);
    }
  }
  AVDictionary* dopts = leftover;
  for (const auto& [k, v] : o.decoder_options) av_dict_set(&dopts, k.c_str(), v.c_str(), 0);
  int ret = avcodec_open2(dec_, codec, &dopts);
  report_unused_options(dopts, warned);
  av_dict_free(&dopts);
  if (ret < 0) return "cannot open decoder: " + av_error_text(ret);
  return "";
}

std::string FrameDecoder::describe() const {
  return std::string(dec_->codec->name) + " " + std::to_string(dec_->width) + "x" + std::to_string(dec_->height);
}

std::string FrameDecoder::decode(const AVPacket* pkt) {
  int ret = avcodec_send_packet(dec_, pkt);
  if (ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_INVALIDDATA) return "decode error: " + av_error_text(ret);
  receive_frames();
  return "";
}

void FrameDecoder::drain() {
  avcodec_send_packet(dec_, nullptr);
  receive_frames();
  avcodec_flush_buffers(dec_);
}

void FrameDecoder::receive_frames() {
  while (avcodec_receive_frame(dec_, frame_) >= 0) {
    deliver(frame_);
    av_frame_unref(frame_);
  }
}

void FrameDecoder::deliver(AVFrame* decoded) {
  const double t = demux_.stream_time(decoded->best_effort_timestamp);
  hooks_.decoded(t, decoded->width, decoded->height);
  if (!fps_.pass(t)) return;  // fps limit on stream time (pipeline.md §2.3)
  AVFrame* out = convert(decoded);
  if (!out) return;
  auto f = std::make_shared<Frame>();
  f->width = s_.width;
  f->height = s_.height;
  stamper_.stamp(*f);
  for (int i = 0; i < 3; ++i) {
    f->plane[i] = out->data[i];
    f->stride[i] = out->linesize[i];
  }
  f->owner = std::shared_ptr<void>(out, [](void* p) {
    auto* fr = static_cast<AVFrame*>(p);
    av_frame_free(&fr);
  });
  hooks_.frame(std::move(f));
}

AVFrame* FrameDecoder::convert(AVFrame* decoded) {
  AVFrame* src = decoded;
  if (decoded->hw_frames_ctx) {  // hardware frame: download to system memory
    av_frame_unref(sw_frame_);
    if (av_hwframe_transfer_data(sw_frame_, decoded, 0) < 0) return nullptr;
    src = sw_frame_;
  }
  const int W = s_.width, H = s_.height;
  const bool plain =
      (src->format == AV_PIX_FMT_YUV420P || src->format == AV_PIX_FMT_YUVJ420P) && src->width == W && src->height == H;
  if (plain) return av_frame_clone(src);  // shares the decoder's buffers: no copy
  if (!warned_size_ && (src->width != W || src->height != H)) {
    log_.warn("stream is {}x{}, camera is configured {}x{}; scaling", src->width, src->height, W, H);
    warned_size_ = true;
  }
  sws_ = sws_getCachedContext(sws_, src->width, src->height, AVPixelFormat(src->format), W, H, AV_PIX_FMT_YUV420P,
                              SWS_BILINEAR, nullptr, nullptr, nullptr);
  if (!sws_) return nullptr;
  AVFrame* out = av_frame_alloc();
  out->format = AV_PIX_FMT_YUV420P;
  out->width = W;
  out->height = H;
  if (av_frame_get_buffer(out, 0) < 0) {
    av_frame_free(&out);
    return nullptr;
  }
  sws_scale(sws_, src->data, src->linesize, 0, src->height, out->data, out->linesize);
  return out;
}

}  // namespace vigil
