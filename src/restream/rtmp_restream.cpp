#include "restream/rtmp_restream.h"

#include <spdlog/spdlog.h>

extern "C" {
#include <libavformat/avformat.h>
}

#include "config/config.h"
#include "input/av_error.h"
#include "util/log.h"

namespace vigil {
namespace {

constexpr double kOpenTimeout = 5;    // seconds for connect + handshake + header
constexpr double kWriteTimeout = 10;  // seconds for one packet

}  // namespace

struct RtmpRestream::Item {
  AVPacket* pkt = nullptr;  // null = the input connection ended
  std::shared_ptr<AVCodecParameters> params;
  AVRational tb{1, 1};
  ~Item() { av_packet_free(&pkt); }
};

struct RtmpRestream::Output {
  AVFormatContext* fmt = nullptr;
  std::shared_ptr<AVCodecParameters> params;  // what the header was written for
  AVRational in_tb{1, 1};
  int64_t first_dts = AV_NOPTS_VALUE;
  int64_t last_dts = AV_NOPTS_VALUE;
  ~Output() {
    if (fmt) {
      if (fmt->pb) avio_closep(&fmt->pb);
      avformat_free_context(fmt);
    }
  }
};

RtmpRestream::RtmpRestream(std::string camera, std::string url, const Clock& clock)
    : camera_(std::move(camera)), url_(std::move(url)), log_url_(mask_credentials(url_)), clock_(clock) {}

RtmpRestream::~RtmpRestream() { stop(); }

void RtmpRestream::start() {
  abort_ = false;
  worker_.start([this] { run(); });
}

void RtmpRestream::stop() {
  abort_ = true;  // ends a blocking libav call in progress (interrupt callback)
  worker_.stop();
}

int RtmpRestream::interrupt_cb(void* self) {
  auto* r = static_cast<RtmpRestream*>(self);
  return r->abort_ || r->clock_.mono() > r->deadline_;
}

void RtmpRestream::on_packet(const AVPacket* pkt, const AVStream* st) {
  auto item = std::make_unique<Item>();
  if (!pkt) {
    last_stream_ = nullptr;  // the next connection brings its own parameters
  } else {
    if (st != last_stream_ || !params_) {
      AVCodecParameters* par = avcodec_parameters_alloc();
      if (!par || avcodec_parameters_copy(par, st->codecpar) < 0) {
        avcodec_parameters_free(&par);
        return;
      }
      params_.reset(par, [](AVCodecParameters* p) { avcodec_parameters_free(&p); });
      last_stream_ = st;
      tb_num_ = st->time_base.num;
      tb_den_ = st->time_base.den;
    }
    item->pkt = av_packet_clone(pkt);
    if (!item->pkt) return;
    item->params = params_;
    item->tb = {tb_num_, tb_den_};
  }
  {
    std::lock_guard lock(worker_.mutex());
    if (worker_.stopping()) return;
    // The writer is behind (a stalled server): drop what waits; it resumes on a keyframe.
    if (queue_.size() >= kMaxQueue) queue_.clear();
    queue_.push_back(std::move(item));
  }
  worker_.notify();
}

void RtmpRestream::run() {
  for (;;) {
    std::unique_ptr<Item> item;
    {
      std::unique_lock lock(worker_.mutex());
      if (!worker_.wait(lock, [this] { return !queue_.empty(); })) break;  // stopping
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    handle(*item);
  }
  close();
}

void RtmpRestream::handle(Item& item) {
  if (!item.pkt) return close();  // the input ended: the stream ends too
  const AVPacket* pkt = item.pkt;
  if (pkt->dts == AV_NOPTS_VALUE && pkt->pts == AV_NOPTS_VALUE) return;
  int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
  bool key = pkt->flags & AV_PKT_FLAG_KEY;
  if (out_ && out_->params != item.params) close();  // a new input connection: a new stream
  if (!out_) {
    double now = clock_.mono();
    if (!key || now < retry_at_) return;  // start on a keyframe; server down: drop
    if (!open(item)) return;
    out_->first_dts = dts;
  }
  if (out_->last_dts != AV_NOPTS_VALUE && dts <= out_->last_dts) return;  // the muxer needs increasing dts
  AVPacket* p = av_packet_clone(pkt);
  if (!p) return;
  p->stream_index = 0;
  if (p->pts != AV_NOPTS_VALUE) p->pts -= out_->first_dts;
  p->dts = dts - out_->first_dts;
  av_packet_rescale_ts(p, out_->in_tb, out_->fmt->streams[0]->time_base);
  p->pos = -1;
  out_->last_dts = dts;
  deadline_ = clock_.mono() + kWriteTimeout;
  int ret = av_interleaved_write_frame(out_->fmt, p);
  av_packet_free(&p);
  if (ret < 0) return fail("write failed: " + av_error_text(ret));
  backoff_.connection_healthy(connected_since_, clock_.mono());
}

bool RtmpRestream::open(const Item& item) {
  auto out = std::make_unique<Output>();
  out->params = item.params;
  out->in_tb = item.tb;
  if (avformat_alloc_output_context2(&out->fmt, nullptr, "flv", url_.c_str()) < 0 || !out->fmt) {
    fail("cannot create the FLV muxer");
    return false;
  }
  out->fmt->interrupt_callback = {&RtmpRestream::interrupt_cb, this};
  AVStream* os = avformat_new_stream(out->fmt, nullptr);
  if (!os || avcodec_parameters_copy(os->codecpar, item.params.get()) < 0) {
    fail("cannot copy the stream parameters");
    return false;
  }
  os->codecpar->codec_tag = 0;
  os->time_base = item.tb;
  deadline_ = clock_.mono() + kOpenTimeout;
  int ret = avio_open2(&out->fmt->pb, url_.c_str(), AVIO_FLAG_WRITE, &out->fmt->interrupt_callback, nullptr);
  if (ret < 0) {
    fail(av_error_text(ret));
    return false;
  }
  ret = avformat_write_header(out->fmt, nullptr);
  if (ret < 0) {
    fail("header: " + av_error_text(ret));
    return false;
  }
  out_ = std::move(out);
  connected_since_ = clock_.mono();
  publishing_ = true;
  auto log = logger("restream." + camera_);
  if (was_down_)
    log->info("restream to {} publishing again", log_url_);
  else
    log->info("restreaming to {}", log_url_);
  was_down_ = false;
  return true;
}

void RtmpRestream::close() {
  if (!out_) return;
  std::unique_ptr<Output> out = std::move(out_);
  publishing_ = false;
  deadline_ = clock_.mono() + kWriteTimeout;
  if (out->last_dts != AV_NOPTS_VALUE && !abort_) av_write_trailer(out->fmt);
}

// The server is unavailable or went away: log it once, retry after the backoff delay.
void RtmpRestream::fail(const std::string& why) {
  out_.reset();
  publishing_ = false;
  if (abort_) return;
  double delay = backoff_.next_delay();
  retry_at_ = clock_.mono() + delay;
  auto log = logger("restream." + camera_);
  if (!was_down_) {
    log->warn("restream to {} unavailable: {}; retrying with backoff", log_url_, why);
    was_down_ = true;
  } else {
    log->debug("restream to {} still unavailable: {}; next attempt in {:.0f} s", log_url_, why, delay);
  }
}

}  // namespace vigil
