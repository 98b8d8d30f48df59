#include "storage/fragmented_writer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include "input/av_error.h"

namespace vigil {

FragmentedWriter::~FragmentedWriter() {
  if (out_) {
    if (out_->pb) avio_closep(&out_->pb);
    avformat_free_context(out_);
  }
}

bool FragmentedWriter::open(const std::string& path, const AVCodecParameters* par, AVRational time_base,
                            const std::string& comment) {
  if (!par) return fail("no codec parameters");
  if (int ret = avformat_alloc_output_context2(&out_, nullptr, "mp4", path.c_str()); ret < 0)
    return fail("mp4 muxer: " + av_error_text(ret));
  AVStream* os = avformat_new_stream(out_, nullptr);
  if (!os || avcodec_parameters_copy(os->codecpar, par) < 0) return fail("cannot copy the codec parameters");
  os->codecpar->codec_tag = 0;
  os->time_base = time_base;
  in_tb_num_ = time_base.num;
  in_tb_den_ = time_base.den;
  if (!comment.empty()) av_dict_set(&out_->metadata, "comment", comment.c_str(), 0);
  if (int ret = avio_open(&out_->pb, path.c_str(), AVIO_FLAG_WRITE); ret < 0)
    return fail("open " + path + ": " + av_error_text(ret));
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "movflags", "+frag_keyframe+empty_moov+default_base_moof", 0);
  int ret = avformat_write_header(out_, &opts);
  av_dict_free(&opts);
  if (ret < 0) return fail("write header: " + av_error_text(ret));
  avio_flush(out_->pb);
  return true;
}

FragmentedWriter::Result FragmentedWriter::write(const AVPacket* pkt) {
  int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
  if (!out_ || dts == AV_NOPTS_VALUE || (last_dts_ != INT64_MIN && dts <= last_dts_)) return Result::kSkipped;
  // A file starts on a keyframe (the one it was opened for may have had no timestamp).
  if (empty() && !(pkt->flags & AV_PKT_FLAG_KEY)) return Result::kSkipped;
  if (first_dts_ == INT64_MIN) first_dts_ = dts;
  AVPacket* p = av_packet_clone(pkt);
  if (!p) {
    fail("out of memory");
    return Result::kError;
  }
  p->stream_index = 0;
  if (p->pts != AV_NOPTS_VALUE) p->pts -= first_dts_;
  p->dts = dts - first_dts_;
  av_packet_rescale_ts(p, AVRational{in_tb_num_, in_tb_den_}, out_->streams[0]->time_base);
  p->pos = -1;
  const bool completes_fragment = (pkt->flags & AV_PKT_FLAG_KEY) && last_dts_ != INT64_MIN;
  last_dts_ = dts;
  int ret = av_write_frame(out_, p);
  av_packet_free(&p);
  if (ret < 0) {
    fail("write: " + av_error_text(ret));
    return Result::kError;
  }
  if (!completes_fragment) return Result::kWritten;
  avio_flush(out_->pb);
  return Result::kFragmentFlushed;
}

bool FragmentedWriter::finish() {
  if (!out_ || !out_->pb) return fail("not open");
  // A fragmented trailer returns the size of its index (mfra), not 0.
  bool ok = !empty() || fail("no packet written");
  if (ok) {
    if (int ret = av_write_trailer(out_); ret < 0) ok = fail("write trailer: " + av_error_text(ret));
  }
  if (int ret = avio_closep(&out_->pb); ret < 0 && ok) ok = fail("close: " + av_error_text(ret));
  return ok;
}

bool FragmentedWriter::fail(std::string why) {
  error_ = std::move(why);
  return false;
}

bool mp4_can_store(const AVStream* st) {
  const AVOutputFormat* mp4 = av_guess_format("mp4", nullptr, nullptr);
  return avformat_query_codec(mp4, st->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 1;
}

}  // namespace vigil
