#include "storage/stream_format.h"

#include <algorithm>
#include <cstring>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
}

namespace vigil {
namespace {

// Parameter sets in Annex B form (start codes), as MPEG-TS and RTSP carry them, rather
// than MP4's avcC/hvcC records: only then are in-band sets comparable with the
// demuxer's and usable as a new file's extradata.
bool annex_b(const uint8_t* p, size_t n) {
  return (n >= 3 && p[0] == 0 && p[1] == 0 && p[2] == 1) ||
         (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 1);
}

bool bsf_supports(const AVBitStreamFilter* f, AVCodecID id) {
  for (const AVCodecID* c = f->codec_ids; c && *c != AV_CODEC_ID_NONE; ++c)
    if (*c == id) return true;
  return false;
}

}  // namespace

StreamFormat::~StreamFormat() { reset(); }

void StreamFormat::reset() {
  av_bsf_free(&extract_);
  av_parser_close(parser_);
  parser_ = nullptr;
  avcodec_free_context(&parser_ctx_);
  avcodec_parameters_free(&par_);
  stream_ = nullptr;
  sets_.clear();
  last_dts_ = INT64_MIN;
}

void StreamFormat::start(const AVStream* st) {
  reset();
  stream_ = st;
  time_base_ = st->time_base;
  par_ = avcodec_parameters_alloc();
  if (!par_ || avcodec_parameters_copy(par_, st->codecpar) < 0) return;
  sets_.assign(reinterpret_cast<const char*>(par_->extradata), size_t(std::max(0, par_->extradata_size)));
  // In-band parameter sets are looked for only in Annex B packets (MPEG-TS, RTSP): the
  // filter reads every packet as Annex B, and length-prefixed packets (MP4, MKV, FLV)
  // announce new sets as side data instead. Codec checked first: av_bsf_init would log
  // an error for one the filter does not know.
  const bool annex_b_packets = par_->extradata_size == 0 || annex_b(par_->extradata, size_t(par_->extradata_size));
  const AVBitStreamFilter* f = av_bsf_get_by_name("extract_extradata");
  if (annex_b_packets && f && bsf_supports(f, par_->codec_id) && av_bsf_alloc(f, &extract_) == 0) {
    avcodec_parameters_copy(extract_->par_in, par_);
    extract_->time_base_in = time_base_;
    if (av_bsf_init(extract_) < 0) av_bsf_free(&extract_);
  }
  if ((parser_ = av_parser_init(par_->codec_id))) {
    parser_->flags |= PARSER_FLAG_COMPLETE_FRAMES;
    parser_ctx_ = avcodec_alloc_context3(nullptr);
  }
}

std::string StreamFormat::parameter_sets(const AVPacket* pkt) {
  std::string sets;
  size_t n = 0;
  if (const uint8_t* d = av_packet_get_side_data(pkt, AV_PKT_DATA_NEW_EXTRADATA, &n)) {
    sets.assign(reinterpret_cast<const char*>(d), n);
    return sets;
  }
  if (!extract_) return sets;
  AVPacket* p = av_packet_clone(pkt);
  if (!p) return sets;
  if (av_bsf_send_packet(extract_, p) == 0 && av_bsf_receive_packet(extract_, p) == 0) {
    if (const uint8_t* d = av_packet_get_side_data(p, AV_PKT_DATA_NEW_EXTRADATA, &n))
      sets.assign(reinterpret_cast<const char*>(d), n);
  }
  av_packet_free(&p);
  return sets;
}

// New parameter sets become the extradata of files started from now on (in the form
// the packets are in: Annex B from the filter, the container's own from side data);
// the size comes from parsing the keyframe with them.
void StreamFormat::apply(const std::string& sets, const AVPacket* pkt) {
  av_freep(&par_->extradata);
  par_->extradata_size = 0;
  par_->extradata = static_cast<uint8_t*>(av_mallocz(sets.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (par_->extradata) {
    memcpy(par_->extradata, sets.data(), sets.size());
    par_->extradata_size = int(sets.size());
  }
  if (parser_ && parser_ctx_) {
    uint8_t* out = nullptr;
    int out_size = 0;
    av_parser_parse2(parser_, parser_ctx_, &out, &out_size, pkt->data, pkt->size, pkt->pts, pkt->dts, pkt->pos);
    if (parser_->width > 0 && parser_->height > 0) {
      par_->width = parser_->width;
      par_->height = parser_->height;
    }
  }
}

StreamFormat::Change StreamFormat::follow(const AVPacket* pkt, const AVStream* st) {
  if (st != stream_ || !par_) start(st);
  if (!par_) return Change::kNone;
  Change change = Change::kNone;
  const int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
  if (dts != AV_NOPTS_VALUE) {
    if (last_dts_ != INT64_MIN && dts < last_dts_) change = Change::kTimeJumpedBack;
    last_dts_ = dts;
  }
  if (pkt->flags & AV_PKT_FLAG_KEY) {
    const std::string sets = parameter_sets(pkt);
    if (!sets.empty() && sets != sets_) {
      // The first sets of a stream whose demuxer gave none are not a change.
      if (!sets_.empty()) change = Change::kParameters;
      sets_ = sets;
      apply(sets, pkt);
    }
  }
  return change;
}

}  // namespace vigil
