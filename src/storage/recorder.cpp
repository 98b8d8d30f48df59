#include "storage/recorder.h"

#include <cstdio>
#include <ctime>
#include <filesystem>

extern "C" {
#include <libavformat/avformat.h>
}

#include <spdlog/spdlog.h>

#include "storage/files.h"
#include "util/log.h"

namespace vigil {

struct Recorder::Segment {
  AVFormatContext* out = nullptr;
  AVRational in_tb{1, 1};
  int64_t first_dts = AV_NOPTS_VALUE;  // input timestamps start at zero in each file
  int64_t last_dts = AV_NOPTS_VALUE;
  std::string part, final;
  ~Segment() {
    if (out) {
      if (out->pb) avio_closep(&out->pb);
      avformat_free_context(out);
    }
  }
};

Recorder::Recorder(std::string camera, std::string dir, double segment_seconds, const Clock& clock)
    : camera_(std::move(camera)), dir_(std::move(dir)), segment_seconds_(segment_seconds), clock_(clock) {}

Recorder::~Recorder() { close(); }

bool Recorder::open(const AVStream* st) {
  namespace fs = std::filesystem;
  std::time_t now = std::time_t(clock_.wall());
  std::tm tm{};
  localtime_r(&now, &tm);
  char folder[64], name[16];
  std::strftime(folder, sizeof folder, "%Y-%m/%d/%H", &tm);
  std::strftime(name, sizeof name, "%M.%S.mp4", &tm);
  fs::path d = fs::path(dir_) / folder / camera_;
  std::error_code ec;
  fs::create_directories(d, ec);
  auto seg = std::make_unique<Segment>();
  seg->final = (d / name).string();
  seg->part = (d / ("." + std::string(name) + ".part")).string();
  seg->in_tb = st->time_base;
  if (avformat_alloc_output_context2(&seg->out, nullptr, "mp4", seg->part.c_str()) < 0) return false;
  AVStream* os = avformat_new_stream(seg->out, nullptr);
  if (!os || avcodec_parameters_copy(os->codecpar, st->codecpar) < 0) return false;
  os->codecpar->codec_tag = 0;
  os->time_base = st->time_base;
  if (avio_open(&seg->out->pb, seg->part.c_str(), AVIO_FLAG_WRITE) < 0) return false;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "movflags", "+faststart", 0);
  int ret = avformat_write_header(seg->out, &opts);
  av_dict_free(&opts);
  if (ret < 0) return false;
  seg_ = std::move(seg);
  return true;
}

void Recorder::close() {
  if (!seg_) return;
  std::unique_ptr<Segment> seg = std::move(seg_);
  bool ok = seg->last_dts != AV_NOPTS_VALUE && av_write_trailer(seg->out) >= 0;
  avio_closep(&seg->out->pb);
  // Durable before visible: fsync the data, rename, fsync the folder.
  if (!ok || !publish_file(seg->part, seg->final)) {
    std::remove(seg->part.c_str());
    logger("vigil.storage")->warn("recording segment {} could not be completed", seg->final);
  }
}

void Recorder::on_packet(const AVPacket* pkt, const AVStream* st) {
  if (!pkt) return close();
  if (pkt->dts == AV_NOPTS_VALUE && pkt->pts == AV_NOPTS_VALUE) return;
  int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
  bool key = pkt->flags & AV_PKT_FLAG_KEY;
  // A new segment starts on the first keyframe after segment_seconds.
  if (seg_ && key && (dts - seg_->first_dts) * av_q2d(seg_->in_tb) >= segment_seconds_) close();
  if (!seg_) {
    if (!key) return;               // wait for a keyframe
    if (gate_ && !gate_()) return;  // the disk is full: no new segment for now
    if (!open(st)) {
      seg_.reset();
      logger("vigil.storage")->error("cannot start a recording for {}", camera_);
      return;
    }
    seg_->first_dts = dts;
  }
  if (seg_->last_dts != AV_NOPTS_VALUE && dts <= seg_->last_dts) return;  // the muxer needs increasing dts
  AVPacket* p = av_packet_clone(pkt);
  if (!p) return;
  p->stream_index = 0;
  if (p->pts != AV_NOPTS_VALUE) p->pts -= seg_->first_dts;
  p->dts = dts - seg_->first_dts;
  av_packet_rescale_ts(p, seg_->in_tb, seg_->out->streams[0]->time_base);
  p->pos = -1;
  seg_->last_dts = dts;
  if (av_interleaved_write_frame(seg_->out, p) < 0) logger("vigil.storage")->warn("recording write failed");
  av_packet_free(&p);
}

void remove_partial_recordings(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with(".") && name.ends_with(".part")) fs::remove(it->path(), ec);
  }
}

}  // namespace vigil
