#include "storage/segment_reader.h"

#include <cstdlib>

extern "C" {
#include <libavformat/avformat.h>
}

namespace vigil {

SegmentReader::~SegmentReader() {
  av_packet_free(&pkt_);
  if (fmt_) avformat_close_input(&fmt_);
}

bool SegmentReader::open(const std::string& path) {
  if (avformat_open_input(&fmt_, path.c_str(), nullptr, nullptr) < 0) {
    error_ = "cannot open " + path;
    return false;
  }
  // vigil's own MP4 segments describe their stream in the header (codec, size,
  // parameter sets): probing it would decode frames for nothing, on the events thread,
  // for every segment of every clip. Files without that description are probed.
  const auto described = [this] {
    for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
      const AVCodecParameters* p = fmt_->streams[i]->codecpar;
      if (p->codec_type == AVMEDIA_TYPE_VIDEO && p->width > 0 && p->height > 0 && p->extradata_size > 0) return true;
    }
    return false;
  };
  if ((!described() && avformat_find_stream_info(fmt_, nullptr) < 0) ||
      (stream_ = av_find_best_stream(fmt_, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0)) < 0) {
    error_ = "no video stream in " + path;
    return false;
  }
  pkt_ = av_packet_alloc();
  return pkt_ != nullptr;
}

const AVStream* SegmentReader::stream() const { return fmt_->streams[stream_]; }

std::optional<double> SegmentReader::stored_wall0() const {
  const AVDictionaryEntry* e = av_dict_get(fmt_->metadata, kWall0MetadataKey, nullptr, 0);
  if (!e) return std::nullopt;
  char* end = nullptr;
  long long us = std::strtoll(e->value, &end, 10);
  if (end == e->value || *end != '\0' || us <= 0) return std::nullopt;
  return double(us) / 1e6;
}

const AVPacket* SegmentReader::next(double* seconds) {
  for (;;) {
    av_packet_unref(pkt_);
    if (av_read_frame(fmt_, pkt_) < 0) return nullptr;
    if (pkt_->stream_index != stream_) continue;
    int64_t ts = pkt_->pts != AV_NOPTS_VALUE ? pkt_->pts : pkt_->dts;
    if (ts == AV_NOPTS_VALUE) continue;
    *seconds = ts * av_q2d(stream()->time_base);
    return pkt_;
  }
}

double SegmentReader::duration_of(const AVPacket* pkt) const {
  return pkt->duration > 0 ? pkt->duration * av_q2d(stream()->time_base) : 0;
}

}  // namespace vigil
