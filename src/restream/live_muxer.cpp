#include "restream/live_muxer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <cstdio>

#include "input/av_error.h"

namespace vigil {

LiveMuxer::~LiveMuxer() { close(); }

void LiveMuxer::close() {
  av_packet_free(&held_);
  if (out_) avformat_free_context(out_);  // a custom pb is ours to free
  out_ = nullptr;
  if (io_) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

int LiveMuxer::on_write(void* opaque, uint8_t* buf, int size) {
  static_cast<LiveMuxer*>(opaque)->bytes_.append(reinterpret_cast<const char*>(buf), size_t(size));
  return size;
}

bool LiveMuxer::open(const AVCodecParameters* par, AVRational time_base) {
  close();
  bytes_.clear();
  init_.clear();
  first_dts_ = INT64_MIN;
  lead_ = 0;
  tb_ = time_base;
  auto fail = [this](std::string why) {
    error_ = std::move(why);
    close();
    return false;
  };
  if (int ret = avformat_alloc_output_context2(&out_, nullptr, "mp4", nullptr); ret < 0)
    return fail("mp4 muxer: " + av_error_text(ret));
  constexpr int kBuffer = 64 * 1024;
  auto* buf = static_cast<unsigned char*>(av_malloc(kBuffer));
  io_ = buf ? avio_alloc_context(buf, kBuffer, 1, this, nullptr, &LiveMuxer::on_write, nullptr) : nullptr;
  if (!io_) {
    av_free(buf);
    return fail("out of memory");
  }
  out_->pb = io_;
  out_->flags |= AVFMT_FLAG_CUSTOM_IO;
  AVStream* os = avformat_new_stream(out_, nullptr);
  if (!os || avcodec_parameters_copy(os->codecpar, par) < 0) return fail("cannot copy the codec parameters");
  // H.265 as `hvc1` (what the Content-Type says; Safari's MSE plays only that), not the
  // muxer's default `hev1`.
  os->codecpar->codec_tag = par->codec_id == AV_CODEC_ID_HEVC ? MKTAG('h', 'v', 'c', '1') : 0;
  os->time_base = time_base;
  AVDictionary* opts = nullptr;
  // frag_custom: a fragment ends where write() flushes it (after every frame).
  av_dict_set(&opts, "movflags", "+frag_custom+empty_moov+default_base_moof", 0);
  int ret = avformat_write_header(out_, &opts);
  av_dict_free(&opts);
  if (ret < 0) return fail("write header: " + av_error_text(ret));
  avio_flush(io_);
  init_ = std::move(bytes_);
  bytes_.clear();
  return true;
}

std::optional<LiveMuxer::Fragment> LiveMuxer::write(const AVPacket* pkt) {
  if (!out_) return std::nullopt;
  const int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
  if (dts == AV_NOPTS_VALUE) return std::nullopt;
  if (!held_ && !(pkt->flags & AV_PKT_FLAG_KEY)) return std::nullopt;  // a stream begins on a keyframe
  if (held_ && dts <= held_->dts + first_dts_) return std::nullopt;    // the muxer needs increasing dts
  AVPacket* next = av_packet_clone(pkt);
  if (!next) return std::nullopt;
  if (first_dts_ == INT64_MIN) {
    first_dts_ = dts;
    lead_ = pkt->pts != AV_NOPTS_VALUE && pkt->pts > dts ? double(pkt->pts - dts) * tb_.num / tb_.den : 0;
  }
  // Rebased so the first keyframe is at 0 (the rebase of pts keeps its offset to dts).
  next->dts = dts - first_dts_;
  if (next->pts != AV_NOPTS_VALUE) next->pts -= first_dts_;
  next->stream_index = 0;
  next->pos = -1;
  std::optional<Fragment> out;
  if (held_) {
    AVPacket* p = held_;
    held_ = nullptr;
    p->duration = next->dts - p->dts;
    Fragment f;
    f.key = p->flags & AV_PKT_FLAG_KEY;
    f.media_time = double(p->dts) * tb_.num / tb_.den;
    av_packet_rescale_ts(p, tb_, out_->streams[0]->time_base);
    int ret = av_write_frame(out_, p);
    av_packet_free(&p);
    if (ret >= 0) ret = av_write_frame(out_, nullptr);  // ends the fragment
    if (ret < 0) {
      error_ = "write: " + av_error_text(ret);
      bytes_.clear();
    } else {
      avio_flush(io_);
      f.bytes = std::move(bytes_);
      bytes_.clear();
      if (!f.bytes.empty()) out = std::move(f);
    }
  }
  held_ = next;
  return out;
}

namespace {

// The H.264 SPS's profile, constraint flags and level, from avcC (its bytes 1-3) or from
// the first SPS NAL unit of Annex B extradata.
bool h264_profile(const uint8_t* d, int n, uint8_t out[3]) {
  if (n >= 4 && d[0] == 1) {
    out[0] = d[1], out[1] = d[2], out[2] = d[3];
    return true;
  }
  for (int i = 0; i + 3 < n; ++i) {
    if (d[i] != 0 || d[i + 1] != 0 || d[i + 2] != 1) continue;
    const int nal = i + 3;
    if ((d[nal] & 0x1f) == 7 && nal + 3 < n) {
      out[0] = d[nal + 1], out[1] = d[nal + 2], out[2] = d[nal + 3];
      return true;
    }
  }
  return false;
}

}  // namespace

std::string mp4_codecs_param(const AVCodecParameters* par) {
  if (!par) return "";
  if (par->codec_id == AV_CODEC_ID_HEVC) return "hvc1";
  if (par->codec_id != AV_CODEC_ID_H264) return "";
  uint8_t p[3];
  if (!h264_profile(par->extradata, par->extradata_size, p)) return "";
  char s[16];
  std::snprintf(s, sizeof s, "avc1.%02x%02x%02x", p[0], p[1], p[2]);
  return s;
}

}  // namespace vigil
