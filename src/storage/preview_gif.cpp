#include "storage/preview_gif.h"

#include <algorithm>
#include <cmath>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include "input/av_error.h"
#include "storage/recording_index.h"

namespace vigil {
namespace {

struct Decoder {
  AVFormatContext* fmt = nullptr;
  AVCodecContext* codec = nullptr;
  int stream = -1;
  ~Decoder() {
    avcodec_free_context(&codec);
    if (fmt) avformat_close_input(&fmt);
  }
};

struct Encoder {
  AVFormatContext* fmt = nullptr;
  AVIOContext* io = nullptr;
  AVCodecContext* codec = nullptr;
  SwsContext* sws = nullptr;
  AVFrame* frame = nullptr;  // the scaled picture (RGB8)
  AVPacket* pkt = av_packet_alloc();
  int src_w = 0, src_h = 0, src_fmt = -1;  // what `sws` converts from
  ~Encoder() {
    av_packet_free(&pkt);
    av_frame_free(&frame);
    sws_freeContext(sws);
    avcodec_free_context(&codec);
    if (io) av_freep(&io->buffer);
    avio_context_free(&io);
    avformat_free_context(fmt);
  }
};

// A picture wanted this far (s) beyond the one just taken is sought, not decoded to.
constexpr double kSeekAhead = 3;

int append(void* opaque, uint8_t* buf, int size) {
  static_cast<std::string*>(opaque)->append(reinterpret_cast<const char*>(buf), size_t(size));
  return size;
}

class GifMaker {
 public:
  GifMaker(const PreviewOptions& opt, PreviewGif& out) : opt_(opt), out_(out) {}

  // Adds `f` (a decoded picture) as the next GIF frame.
  bool add(const AVFrame* f) {
    if (!e_.codec && !open(f->width, f->height)) return false;
    if (!e_.sws || e_.src_w != f->width || e_.src_h != f->height || e_.src_fmt != f->format) {
      sws_freeContext(e_.sws);
      e_.sws = sws_getContext(f->width, f->height, AVPixelFormat(f->format), e_.codec->width, e_.codec->height,
                              AV_PIX_FMT_RGB8, SWS_AREA, nullptr, nullptr, nullptr);
      e_.src_w = f->width, e_.src_h = f->height, e_.src_fmt = f->format;
      if (!e_.sws) return fail("scaler", AVERROR(EINVAL));
    }
    int r = av_frame_make_writable(e_.frame);
    if (r < 0) return fail("frame", r);
    sws_scale(e_.sws, f->data, f->linesize, 0, f->height, e_.frame->data, e_.frame->linesize);
    e_.frame->pts = frames_;
    if ((r = avcodec_send_frame(e_.codec, e_.frame)) < 0) return fail("GIF encoder", r);
    ++frames_;
    return drain();
  }

  bool finish() {
    if (!e_.codec) return true;
    int r = avcodec_send_frame(e_.codec, nullptr);
    if (r < 0) return fail("GIF encoder", r);
    if (!drain()) return false;
    if ((r = av_write_trailer(e_.fmt)) < 0) return fail("GIF trailer", r);
    avio_flush(e_.io);
    return true;
  }
  int frames() const { return frames_; }
  bool fail(const std::string& step, int r) {
    out_.why = step + ": " + av_error_text(r);
    return false;
  }

 private:
  bool open(int w, int h) {
    const int ow = std::min(opt_.width, w) & ~1;
    const int oh = std::max(2, int(std::lround(double(h) * ow / w)) & ~1);
    int r = avformat_alloc_output_context2(&e_.fmt, nullptr, "gif", nullptr);
    if (r < 0) return fail("GIF muxer", r);
    auto* buf = static_cast<unsigned char*>(av_malloc(65536));
    if (!buf || !(e_.io = avio_alloc_context(buf, 65536, 1, &out_.gif, nullptr, append, nullptr))) {
      av_free(buf);
      return fail("output buffer", AVERROR(ENOMEM));
    }
    e_.fmt->pb = e_.io;
    const AVCodec* c = avcodec_find_encoder(AV_CODEC_ID_GIF);
    if (!c) return fail("GIF encoder", AVERROR_ENCODER_NOT_FOUND);
    if (!(e_.codec = avcodec_alloc_context3(c))) return fail("GIF encoder", AVERROR(ENOMEM));
    e_.codec->width = ow;
    e_.codec->height = oh;
    e_.codec->pix_fmt = AV_PIX_FMT_RGB8;
    // One tick per frame; the muxer turns it into the frame's delay.
    e_.codec->time_base = AVRational{int(std::lround(opt_.frame_delay * 100)), 100};
    if ((r = avcodec_open2(e_.codec, c, nullptr)) < 0) return fail("GIF encoder", r);
    AVStream* st = avformat_new_stream(e_.fmt, nullptr);
    if (!st) return fail("GIF stream", AVERROR(ENOMEM));
    if ((r = avcodec_parameters_from_context(st->codecpar, e_.codec)) < 0) return fail("GIF stream", r);
    st->time_base = e_.codec->time_base;
    AVDictionary* o = nullptr;
    av_dict_set(&o, "loop", "0", 0);  // loop for ever
    r = avformat_write_header(e_.fmt, &o);
    av_dict_free(&o);
    if (r < 0) return fail("GIF header", r);
    if (!(e_.frame = av_frame_alloc())) return fail("frame", AVERROR(ENOMEM));
    e_.frame->format = AV_PIX_FMT_RGB8;
    e_.frame->width = ow;
    e_.frame->height = oh;
    if ((r = av_frame_get_buffer(e_.frame, 0)) < 0) return fail("frame", r);
    return true;
  }
  bool drain() {
    for (;;) {
      int r = avcodec_receive_packet(e_.codec, e_.pkt);
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return true;
      if (r < 0) return fail("GIF encoder", r);
      av_packet_rescale_ts(e_.pkt, e_.codec->time_base, e_.fmt->streams[0]->time_base);
      e_.pkt->stream_index = 0;
      if ((r = av_write_frame(e_.fmt, e_.pkt)) < 0) return fail("GIF muxer", r);
      av_packet_unref(e_.pkt);
    }
  }

  const PreviewOptions& opt_;
  PreviewGif& out_;
  Encoder e_;
  int frames_ = 0;
};

}  // namespace

PreviewGif make_preview_gif(const std::vector<GifSource>& files, double start, double end, const PreviewOptions& opt) {
  PreviewGif out;
  if (!(end > start)) {
    out.why = "empty range";
    return out;
  }
  // The wall times wanted: every `step` seconds from `start`, at most max_frames.
  const double step = std::max(opt.sample_every, (end - start) / std::max(1, opt.max_frames));
  double want = start;
  GifMaker gif(opt, out);
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  bool ok = pkt && frame;
  std::string skipped;  // why a file was passed over (the answer when nothing is found)
  for (size_t i = 0; ok && i < files.size() && want <= end; ++i) {
    const GifSource& src = files[i];
    const double next_start = i + 1 < files.size() ? files[i + 1].wall_start : INFINITY;
    if (next_start <= want) continue;  // nothing wanted in this file
    Decoder d;
    int r = avformat_open_input(&d.fmt, src.path.c_str(), nullptr, nullptr);
    if (r < 0 || (d.stream = av_find_best_stream(d.fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0)) < 0) {
      skipped = "no video read from " + src.path + ": " + av_error_text(r < 0 ? r : d.stream);
      continue;  // gone (retention, a cache segment renamed), or not video: the others may do
    }
    AVStream* st = d.fmt->streams[d.stream];
    const AVCodec* c = avcodec_find_decoder(st->codecpar->codec_id);
    if (!c || !(d.codec = avcodec_alloc_context3(c)) || avcodec_parameters_to_context(d.codec, st->codecpar) < 0) {
      ok = gif.fail("decoder for " + src.path, AVERROR_DECODER_NOT_FOUND);
      break;
    }
    d.codec->thread_count = 1;  // bounded work: one core per maker
    if ((r = avcodec_open2(d.codec, c, nullptr)) < 0) {
      ok = gif.fail("decoder for " + src.path, r);
      break;
    }
    const double tb = av_q2d(st->time_base);
    // The file's first presented time (its wall_start): the stream's start, else the
    // first decoded picture's.
    double first_pts = st->start_time != AV_NOPTS_VALUE ? double(st->start_time) * tb : NAN;
    // Seek near the first wanted picture (the keyframe at or before it).
    if (const double into = want - src.wall_start; into > 2 && !std::isnan(first_pts))
      av_seek_frame(d.fmt, d.stream, st->start_time + int64_t(into / tb), AVSEEK_FLAG_BACKWARD);
    bool eof = false, sought = false;
    while (ok && want <= end && want < next_start) {
      r = eof ? AVERROR_EOF : av_read_frame(d.fmt, pkt);
      if (r >= 0 && pkt->stream_index != d.stream) {
        av_packet_unref(pkt);
        continue;
      }
      if (r < 0) eof = true;
      int sr = avcodec_send_packet(d.codec, eof ? nullptr : pkt);
      av_packet_unref(pkt);
      if (sr < 0 && sr != AVERROR_EOF && sr != AVERROR(EAGAIN) && !eof) continue;  // a bad packet: skip it
      for (;;) {
        int fr = avcodec_receive_frame(d.codec, frame);
        if (fr < 0) break;
        const int64_t ts = frame->best_effort_timestamp;
        if (ts != AV_NOPTS_VALUE) {
          if (std::isnan(first_pts)) first_pts = double(ts) * tb;
          const double wall = src.wall_start + double(ts) * tb - first_pts;
          if (wall + 1e-3 >= want && want <= end) {
            ok = gif.add(frame);
            while (want <= wall + 1e-3) want += step;
            // Sparse sampling: jump to the keyframe before the next picture wanted
            // rather than decode everything between.
            if (ok && !eof && want - wall > kSeekAhead && want <= end && want < next_start) {
              const int64_t at = std::llround((want - src.wall_start + first_pts) / tb);
              if (av_seek_frame(d.fmt, d.stream, at, AVSEEK_FLAG_BACKWARD) >= 0) {
                avcodec_flush_buffers(d.codec);
                sought = true;
              }
            }
          }
        }
        av_frame_unref(frame);
        if (!ok || sought) break;
      }
      sought = false;
      if (eof) break;
    }
  }
  av_frame_free(&frame);
  av_packet_free(&pkt);
  if (ok) ok = gif.finish();
  out.frames = gif.frames();
  if (ok && out.frames == 0) {
    out.why = skipped.empty() ? "no video in the range" : skipped;
    ok = false;
  }
  out.ok = ok;
  if (!ok) out.gif.clear();
  return out;
}

PreviewGif preview_gif(const RecordingRoots& roots, const std::string& camera, double start, double end,
                       const PreviewOptions& opt) {
  std::vector<GifSource> files;
  for (const IndexedMedia& m : recordings_overlapping(roots, camera, start, end)) files.push_back({m.path, m.start});
  if (files.empty()) {
    PreviewGif out;
    out.why = "no recordings of " + camera + " in the range";
    return out;
  }
  return make_preview_gif(files, start, end, opt);
}

}  // namespace vigil
