#include "storage/recorder.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

#include <spdlog/spdlog.h>

#include "storage/clip_assembler.h"
#include "storage/clip_cache.h"
#include "storage/files.h"
#include "util/log.h"

namespace vigil {

struct Recorder::Segment {
  AVFormatContext* out = nullptr;
  AVRational in_tb{1, 1};
  int64_t first_dts = AV_NOPTS_VALUE;  // input timestamps start at zero in each file
  int64_t last_dts = AV_NOPTS_VALUE;
  double minute = 0;  // wall-clock period (floor(wall / segment_seconds)) of the start
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
  const double wall = clock_.wall();
  std::time_t now = std::time_t(wall);
  std::tm tm{};
  localtime_r(&now, &tm);
  char folder[64];
  std::strftime(folder, sizeof folder, "%Y-%m/%d/%H", &tm);
  fs::path d = fs::path(dir_) / folder / camera_;
  std::error_code ec;
  fs::create_directories(d, ec);
  auto seg = std::make_unique<Segment>();
  // MM.SS of the first packet; the next free second if taken (the repeated DST hour).
  for (int extra = 0;; ++extra) {
    std::tm t = tm;
    t.tm_sec += extra;
    std::mktime(&t);
    char name[16];
    std::strftime(name, sizeof name, "%M.%S.mp4", &t);
    seg->final = (d / name).string();
    seg->part = (d / ("." + std::string(name) + ".part")).string();
    if (!fs::exists(seg->final) && !fs::exists(seg->part)) break;
  }
  seg->in_tb = st->time_base;
  seg->minute = std::floor(wall / segment_seconds_);
  if (avformat_alloc_output_context2(&seg->out, nullptr, "mp4", seg->part.c_str()) < 0) return false;
  AVStream* os = avformat_new_stream(seg->out, nullptr);
  if (!os || avcodec_parameters_copy(os->codecpar, st->codecpar) < 0) return false;
  os->codecpar->codec_tag = 0;
  os->time_base = st->time_base;
  if (avio_open(&seg->out->pb, seg->part.c_str(), AVIO_FLAG_WRITE) < 0) return false;
  // While written: fragmented, one fragment per GOP flushed when complete, so a crash
  // loses at most the GOP in progress (storage.md §6, §7.1).
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "movflags", "+frag_keyframe+empty_moov+default_base_moof", 0);
  int ret = avformat_write_header(seg->out, &opts);
  av_dict_free(&opts);
  if (ret < 0) return false;
  avio_flush(seg->out->pb);
  seg_ = std::move(seg);
  return true;
}

void Recorder::close() {
  if (!seg_) return;
  std::unique_ptr<Segment> seg = std::move(seg_);
  bool ok = seg->last_dts != AV_NOPTS_VALUE && av_write_trailer(seg->out) >= 0;
  avio_closep(&seg->out->pb);
  // Finished: remuxed into a regular MP4 with the index first (browsers seek in it),
  // fsynced, renamed, folder fsynced; then the fragmented part goes.
  if (ok) ok = finalize_segment(seg->part, seg->final).ok;
  std::remove(seg->part.c_str());
  if (!ok) logger("vigil.storage")->warn("recording segment {} could not be completed", seg->final);
}

void Recorder::on_packet(const AVPacket* pkt, const AVStream* st) {
  if (!pkt) return close();
  if (pkt->dts == AV_NOPTS_VALUE && pkt->pts == AV_NOPTS_VALUE) return;
  int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
  bool key = pkt->flags & AV_PKT_FLAG_KEY;
  // A new segment starts at the first keyframe at or after each full minute (§6).
  if (seg_ && key && std::floor(clock_.wall() / segment_seconds_) > seg_->minute) close();
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
  const bool fragment_done = key && seg_->last_dts != AV_NOPTS_VALUE;
  seg_->last_dts = dts;
  int ret = av_write_frame(seg_->out, p);
  av_packet_free(&p);
  if (ret < 0) {
    // A write error ends the segment (its complete part is kept); the next keyframe starts a new one.
    logger("vigil.storage")->warn("recording write failed for {}", camera_);
    close();
    return;
  }
  if (fragment_done) avio_flush(seg_->out->pb);  // the previous GOP's fragment is on disk
}

void recover_partial_recordings(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> parts;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with(".") && name.ends_with(".mp4.part")) parts.push_back(it->path());
  }
  for (const fs::path& part : parts) {
    // Keep the complete fragments (storage.md §7.1) when they hold at least 1 s.
    const std::string name = part.filename().string();
    const fs::path final = part.parent_path() / name.substr(1, name.size() - 1 - 5);
    const uint64_t keep = complete_fragments_end(part.string());
    bool kept = keep > 0 && !fs::exists(final) && ::truncate(part.c_str(), off_t(keep)) == 0 &&
                finalize_segment(part.string(), final.string(), 1.0).ok;
    fs::remove(part, ec);
    if (kept) logger("vigil.storage")->warn("kept the complete part of the interrupted recording {}", final.string());
  }
}

}  // namespace vigil
