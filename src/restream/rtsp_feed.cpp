#include "restream/rtsp_feed.h"

#include "input/av_error.h"

namespace vigil {
namespace {

void free_packet(gpointer p) {
  auto* pkt = static_cast<AVPacket*>(p);
  av_packet_free(&pkt);
}

}  // namespace

void RtspFeed::on_packet(const AVPacket* pkt, const AVStream* st) {
  if (!pkt) {  // the input connection ended; the next one brings its own parameters
    input_ = kDown;
    last_stream_ = nullptr;
    return;
  }
  if (st != last_stream_) new_stream(st);
  if (input_ != kH264) return;
  last_packet_ = clock_.mono();
  std::unique_ptr<GstElement, GstUnref> src;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (!appsrc_) {
      need_key_ = true;
      return;
    }
    src.reset(GST_ELEMENT(gst_object_ref(appsrc_)));
    generation = generation_;
  }
  if (generation != seen_generation_) {  // a new pipeline: it starts on a keyframe, at its own time
    seen_generation_ = generation;
    need_key_ = true;
    timeline_.reset();
  }
  const bool key = pkt->flags & AV_PKT_FLAG_KEY;
  if (need_key_ && !key) return;
  GstAppSrc* app = GST_APP_SRC(src.get());
  if (gst_app_src_get_current_level_bytes(app) > RtspRestream::kMaxQueuedBytes) {
    need_key_ = true;  // the pipeline is stuck: drop up to the next keyframe
    if (!behind_) log_->warn("RTSP restream: pipeline behind; dropping packets up to the next keyframe");
    behind_ = true;
    return;
  }
  const int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
  const int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : dts;
  if (dts == AV_NOPTS_VALUE) return;
  GstBuffer* buf = make_buffer(pkt, key && need_key_);
  if (!buf) return;
  const AVRational ns{1, 1'000'000'000};
  const GstClockTime now = gst_element_get_current_running_time(src.get());
  const RtspTimeline::Times t =
      timeline_.map(av_rescale_q(dts, tb_, ns), av_rescale_q(pts, tb_, ns),
                    GST_CLOCK_TIME_IS_VALID(now) ? std::optional<int64_t>(now) : std::nullopt);
  GST_BUFFER_DTS(buf) = t.dts;
  GST_BUFFER_PTS(buf) = t.pts;
  if (!key) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  const GstFlowReturn ret = gst_app_src_push_buffer(app, buf);  // takes buf
  need_key_ = ret != GST_FLOW_OK;
  if (ret == GST_FLOW_OK && behind_) {
    log_->info("RTSP restream: pipeline keeps up again");
    behind_ = false;
  }
}

void RtspFeed::new_stream(const AVStream* st) {
  last_stream_ = st;
  tb_ = st->time_base;
  need_key_ = true;
  av_bsf_free(&bsf_);
  extradata_.clear();
  const AVCodecParameters* par = st->codecpar;
  if (par->codec_id != AV_CODEC_ID_H264) {
    if (!warned_codec_)
      log_->warn("RTSP restream: the input's codec is {}, not H.264; rtsp://…/{} answers 503",
                 avcodec_get_name(par->codec_id), camera_);
    warned_codec_ = true;
    input_ = kOther;
    end_pipeline();
    return;
  }
  if (par->extradata_size > 0 && par->extradata[0] == 1) {  // avcC
    if (std::string why = open_bsf(par); !why.empty()) {
      log_->error("RTSP restream: cannot convert the input's H.264 to Annex B: {}; rtsp://…/{} answers 503", why,
                  camera_);
      input_ = kOther;
      end_pipeline();
      return;
    }
    extradata_.assign(bsf_->par_out->extradata, bsf_->par_out->extradata + bsf_->par_out->extradata_size);
  } else if (par->extradata_size > 0) {
    extradata_.assign(par->extradata, par->extradata + par->extradata_size);
  }
  if (warned_codec_) log_->info("RTSP restream: the input is H.264 again");
  warned_codec_ = false;
  input_ = kH264;
}

std::string RtspFeed::open_bsf(const AVCodecParameters* par) {
  const AVBitStreamFilter* f = av_bsf_get_by_name("h264_mp4toannexb");
  if (!f) return "no h264_mp4toannexb filter in this libavcodec";
  int ret = av_bsf_alloc(f, &bsf_);
  if (ret >= 0) ret = avcodec_parameters_copy(bsf_->par_in, par);
  if (ret >= 0) {
    bsf_->time_base_in = tb_;
    ret = av_bsf_init(bsf_);
  }
  if (ret < 0) {
    av_bsf_free(&bsf_);
    return av_error_text(ret);
  }
  return "";
}

void RtspFeed::end_pipeline() {
  std::unique_ptr<GstElement, GstUnref> src;
  {
    std::lock_guard lock(mu_);
    src.reset(appsrc_);
    appsrc_ = nullptr;
  }
  if (src) gst_app_src_end_of_stream(GST_APP_SRC(src.get()));
}

GstBuffer* RtspFeed::make_buffer(const AVPacket* pkt, bool with_parameters) {
  AVPacket* out = av_packet_alloc();
  if (!out) return nullptr;
  if (bsf_) {
    int ret = av_packet_ref(out, pkt);
    if (ret >= 0) ret = av_bsf_send_packet(bsf_, out);  // takes the reference
    if (ret >= 0) ret = av_bsf_receive_packet(bsf_, out);
    if (ret < 0) {
      av_packet_free(&out);
      return nullptr;
    }
  } else if (av_packet_ref(out, pkt) < 0) {
    av_packet_free(&out);
    return nullptr;
  }
  GstBuffer* buf = gst_buffer_new();
  if (with_parameters && !extradata_.empty()) {
    gpointer copy = g_memdup2(extradata_.data(), extradata_.size());
    gst_buffer_append_memory(buf, gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, copy, extradata_.size(), 0,
                                                         extradata_.size(), copy, g_free));
  }
  gst_buffer_append_memory(
      buf, gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, out->data, out->size, 0, out->size, out, free_packet));
  return buf;
}

}  // namespace vigil
