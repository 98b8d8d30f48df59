#include "storage/vod_segment.h"

#include <cmath>

extern "C" {
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
}

#include "input/av_error.h"

namespace vigil {
namespace {

struct Input {
  AVFormatContext* fmt = nullptr;
  AVBSFContext* bsf = nullptr;
  ~Input() {
    av_bsf_free(&bsf);
    if (fmt) avformat_close_input(&fmt);
  }
};

struct Output {
  AVFormatContext* fmt = nullptr;
  AVIOContext* io = nullptr;
  ~Output() {
    if (io) av_freep(&io->buffer);
    avio_context_free(&io);
    avformat_free_context(fmt);
  }
};

struct Packet {
  AVPacket* p = av_packet_alloc();
  ~Packet() { av_packet_free(&p); }
};

int append(void* opaque, uint8_t* buf, int size) {
  static_cast<std::string*>(opaque)->append(reinterpret_cast<const char*>(buf), size_t(size));
  return size;
}

// The MP4-to-Annex-B filter of a file's H.264/HEVC stream (nullptr: none needed).
int open_annexb(const AVStream* st, AVBSFContext** bsf) {
  const AVCodecParameters* p = st->codecpar;
  const char* name = p->codec_id == AV_CODEC_ID_H264   ? "h264_mp4toannexb"
                     : p->codec_id == AV_CODEC_ID_HEVC ? "hevc_mp4toannexb"
                                                       : nullptr;
  if (!name || p->extradata_size < 1 || p->extradata[0] == 0) return 0;  // none, or already Annex B
  const AVBitStreamFilter* f = av_bsf_get_by_name(name);
  if (!f) return AVERROR_BSF_NOT_FOUND;
  int r = av_bsf_alloc(f, bsf);
  if (r < 0) return r;
  if ((r = avcodec_parameters_copy((*bsf)->par_in, p)) < 0) return r;
  (*bsf)->time_base_in = st->time_base;
  return av_bsf_init(*bsf);
}

}  // namespace

bool write_ts_segment(const std::vector<IndexedMedia>& files, const std::vector<VodPiece>& pieces, std::string* out,
                      std::string* error) {
  auto fail = [&](const std::string& step, int r) {
    *error = step + ": " + av_error_text(r);
    return false;
  };
  out->clear();
  if (pieces.empty()) {
    *error = "nothing to write";
    return false;
  }
  Output o;
  int r = avformat_alloc_output_context2(&o.fmt, nullptr, "mpegts", nullptr);
  if (r < 0) return fail("mpegts muxer", r);
  auto* buf = static_cast<unsigned char*>(av_malloc(65536));
  if (!buf || !(o.io = avio_alloc_context(buf, 65536, 1, out, nullptr, append, nullptr))) {
    av_free(buf);
    return fail("output buffer", AVERROR(ENOMEM));
  }
  o.fmt->pb = o.io;
  AVStream* os = nullptr;
  Packet pkt, filtered;
  for (const VodPiece& piece : pieces) {
    const std::string& path = files[piece.file].path;
    const double dts0 = files[piece.file].dts.front();
    Input in;
    if ((r = open_ignoring_edit_list(&in.fmt, path)) < 0) return fail("open " + path, r);
    const int si = av_find_best_stream(in.fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (si < 0) return fail("no video stream in " + path, si);
    const AVStream* is = in.fmt->streams[si];
    const double tb = av_q2d(is->time_base);
    if ((r = open_annexb(is, &in.bsf)) < 0) return fail("Annex B filter for " + path, r);
    if (!os) {
      if (!(os = avformat_new_stream(o.fmt, nullptr))) return fail("output stream", AVERROR(ENOMEM));
      if ((r = avcodec_parameters_copy(os->codecpar, is->codecpar)) < 0) return fail("output stream", r);
      os->codecpar->codec_tag = 0;
      os->time_base = AVRational{1, 90000};
      AVDictionary* opts = nullptr;
      av_dict_set(&opts, "mpegts_copyts", "1", 0);  // our timestamps, not shifted by a mux delay
      r = avformat_write_header(o.fmt, &opts);
      av_dict_free(&opts);
      if (r < 0) return fail("MPEG-TS header", r);
    }
    const double otb = av_q2d(os->time_base);
    if (piece.begin > 0) {
      const int64_t at = std::llround((dts0 + piece.begin - kVodPointTolerance) / tb);
      if ((r = av_seek_frame(in.fmt, si, at, AVSEEK_FLAG_BACKWARD)) < 0) return fail("seek in " + path, r);
    }
    for (;;) {
      av_packet_unref(pkt.p);
      if ((r = av_read_frame(in.fmt, pkt.p)) == AVERROR_EOF) break;
      if (r < 0) return fail("read " + path, r);
      if (pkt.p->stream_index != si || pkt.p->dts == AV_NOPTS_VALUE) continue;
      const double off = double(pkt.p->dts) * tb - dts0;
      if (off < piece.begin - kVodPointTolerance) continue;
      if (off >= piece.stop - kVodPointTolerance) break;
      const double at = kVodTimestampOffset + piece.base + (off - piece.begin);
      const int64_t dts = std::llround(at / otb);
      const int64_t pts =
          pkt.p->pts == AV_NOPTS_VALUE ? dts : dts + std::llround(double(pkt.p->pts - pkt.p->dts) * tb / otb);
      const int64_t duration = std::llround(double(pkt.p->duration) * tb / otb);
      AVPacket* w = pkt.p;
      if (in.bsf) {
        if ((r = av_bsf_send_packet(in.bsf, pkt.p)) < 0) return fail("Annex B filter for " + path, r);
        av_packet_unref(filtered.p);
        if ((r = av_bsf_receive_packet(in.bsf, filtered.p)) < 0) return fail("Annex B filter for " + path, r);
        w = filtered.p;
      }
      w->stream_index = 0;
      w->dts = dts;
      w->pts = pts;
      w->duration = duration;
      w->pos = -1;
      w->time_base = os->time_base;
      if ((r = av_write_frame(o.fmt, w)) < 0) return fail("write MPEG-TS", r);
    }
  }
  if ((r = av_write_trailer(o.fmt)) < 0) return fail("MPEG-TS trailer", r);
  avio_flush(o.io);
  return true;
}

}  // namespace vigil
