#include "storage/clip_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <spdlog/spdlog.h>

#include "storage/fragmented_writer.h"
#include "storage/media_layout.h"
#include "storage/segment_reader.h"
#include "util/log.h"

namespace vigil {
namespace fs = std::filesystem;

namespace {

// Builds the index entry of a closed segment from its contents; false if unusable.
bool index_file(const std::string& path, double name_wall, CacheSegment& seg) {
  SegmentReader r;
  if (!r.open(path)) return false;
  seg.wall0 = r.stored_wall0().value_or(name_wall);
  double t = 0, end = -1;
  while (const AVPacket* p = r.next(&t)) {
    if (p->flags & AV_PKT_FLAG_KEY) seg.keyframes.push_back(seg.wall0 + t);
    end = std::max(end, t + r.duration_of(p));
  }
  if (seg.keyframes.empty() || end <= 0) return false;
  seg.end = seg.wall0 + end;
  return true;
}

}  // namespace

struct ClipCache::Writer {
  FragmentedWriter file;
  double wall0 = 0;
  double last_end = 0;  // wall time at which the last written packet ends
  std::string part, final;
};

ClipCache::ClipCache(std::string camera, std::string cache_dir)
    : camera_(std::move(camera)), dir_(std::move(cache_dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
}

ClipCache::~ClipCache() { close_segment(); }

void ClipCache::set_on_progress(std::function<void()> f) {
  std::lock_guard lock(mu_);
  on_progress_ = std::move(f);
}

void ClipCache::notify() {
  std::function<void()> f;
  {
    std::lock_guard lock(mu_);
    f = on_progress_;
  }
  if (f) f();
}

bool ClipCache::open_segment(const AVStream* st, double wall) {
  if (!mp4_can_store(st)) {
    unusable_ = true;
    logger("vigil.storage")
        ->error("camera {}: the clips input's codec {} cannot be stored in MP4; no clips", camera_,
                avcodec_get_name(st->codecpar->codec_id));
    return false;
  }
  auto w = std::make_unique<Writer>();
  // Local time of the first packet, to the second; the next free second if taken.
  {
    std::lock_guard lock(mu_);
    for (double t = wall;; t += 1) {
      const CacheSegmentName name = CacheSegmentName::at(camera_, t);
      w->final = dir_ + "/" + name.file_name();
      w->part = dir_ + "/" + name.written().file_name();
      bool taken = fs::exists(w->final) || fs::exists(w->part);
      for (const auto& s : index_) taken = taken || s.final_path == w->final;
      if (!taken) break;
    }
  }
  w->wall0 = wall;
  // The exact start goes into the file, so a restart re-indexes it exactly.
  if (!w->file.open(w->part, format_.params(), format_.time_base(),
                    std::to_string(int64_t(std::llround(wall * 1e6))))) {
    failed("cannot start a clip cache segment: " + w->file.error());
    std::remove(w->part.c_str());
    return false;
  }
  {
    std::lock_guard lock(mu_);
    CacheSegment s;
    s.part_path = w->part;
    s.final_path = w->final;
    s.wall0 = s.end = wall;
    index_.push_back(std::move(s));
  }
  w_ = std::move(w);
  return true;
}

// The first failure of a streak is logged at warn, the rest at debug, until a segment
// is completed again.
void ClipCache::failed(const std::string& what) {
  logger("vigil.storage")->log(failing_ ? spdlog::level::debug : spdlog::level::warn, "camera {}: {}", camera_, what);
  failing_ = true;
}

void ClipCache::close_segment() {
  if (!w_) return;
  std::unique_ptr<Writer> w = std::move(w_);
  bool ok = w->file.finish();
  // Intermediate data: no fsync (§4.1). Rename under the lock so readers that look the
  // path up in the index always find the file.
  std::lock_guard lock(mu_);
  auto it = std::find_if(index_.begin(), index_.end(), [&](const CacheSegment& s) { return s.part_path == w->part; });
  if (ok && std::rename(w->part.c_str(), w->final.c_str()) == 0) {
    if (failing_) logger("vigil.storage")->info("camera {}: the clip cache is written again", camera_);
    failing_ = false;
    if (it != index_.end()) {
      it->closed = true;
      it->end = std::max(it->end, w->last_end);
      available_ = std::max(available_, it->end);
    }
  } else {
    std::remove(w->part.c_str());
    if (it != index_.end()) index_.erase(it);
  }
}

void ClipCache::on_end() {
  close_segment();
  anchored_ = false;
  format_.reset();
  {
    std::lock_guard lock(mu_);
    receiving_ = false;
  }
  notify();
}

void ClipCache::on_gap() {
  close_segment();
  anchored_ = false;  // the next packet (a keyframe) anchors at its arrival
  notify();
}

void ClipCache::on_packet(const AVPacket* pkt, const AVStream* st, double arrival) {
  int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  if (ts == AV_NOPTS_VALUE || unusable_) return;
  const double tb = av_q2d(st->time_base), now = arrival;
  if (!anchored_) {
    anchored_ = true;
    anchor_wall_ = now;
    anchor_pts_ = ts;
    std::lock_guard lock(mu_);
    receiving_ = true;
  }
  double wall = anchor_wall_ + (ts - anchor_pts_) * tb;
  // A segment holds one set of codec parameters and increasing timestamps.
  const bool changed = format_.follow(pkt, st) != StreamFormat::Change::kNone;
  if (changed || std::abs(wall - now) > kMaxDrift) {
    anchor_wall_ = wall = now;
    anchor_pts_ = ts;
    close_segment();
  }
  const bool key = pkt->flags & AV_PKT_FLAG_KEY;
  if (w_ && key && wall - w_->wall0 >= kSegmentSeconds) close_segment();
  if (!w_) {
    if (!key) return;               // a segment starts on a keyframe
    if (gate_ && !gate_()) return;  // the disk is below its floor: nothing new grows
    if (!open_segment(st, wall)) {
      w_.reset();
      return;
    }
  }
  const FragmentedWriter::Result written = w_->file.write(pkt);
  if (written == FragmentedWriter::Result::kSkipped) return;
  if (written == FragmentedWriter::Result::kError) {
    failed("clip cache write failed: " + w_->file.error());
    close_segment();
    return;
  }
  const bool flushed_fragment = written == FragmentedWriter::Result::kFragmentFlushed;
  const double frame = pkt->duration > 0 ? pkt->duration * tb : 0;
  if (key) {  // the index changes only on keyframes (a new GOP, the previous one flushed)
    std::lock_guard lock(mu_);
    CacheSegment& s = index_.back();
    if (key) s.keyframes.push_back(wall);
    if (flushed_fragment) {
      s.end = std::max(s.end, wall);  // everything before this keyframe is on disk
      available_ = std::max(available_, s.end);
    }
  }
  w_->last_end = wall + frame;
  if (flushed_fragment) notify();
}

std::vector<CacheSegment> ClipCache::segments(double a, double b) const {
  std::lock_guard lock(mu_);
  std::vector<CacheSegment> out;
  for (const auto& s : index_)
    if (s.end >= a && s.wall0 <= b && !s.keyframes.empty()) out.push_back(s);
  return out;
}

double ClipCache::available_until() const {
  std::lock_guard lock(mu_);
  return available_;
}

bool ClipCache::receiving() const {
  std::lock_guard lock(mu_);
  return receiving_;
}

uint64_t ClipCache::bytes_between(double a, double b) const {
  std::lock_guard lock(mu_);  // a closing segment is renamed under it: its path is current
  uint64_t total = 0;
  for (const auto& s : index_) {
    if (s.end < a || s.wall0 > b) continue;
    std::error_code ec;
    const uintmax_t n = fs::file_size(s.path(), ec);
    if (!ec) total += n;
  }
  return total;
}

int ClipCache::prune(double keep_from) {
  // Unlinked after the lock is released: the capture thread takes it at every segment
  // boundary and must never wait on the disk.
  std::vector<std::string> doomed;
  {
    std::lock_guard lock(mu_);
    for (auto it = index_.begin(); it != index_.end();) {
      if (it->closed && it->end < keep_from) {
        doomed.push_back(it->final_path);
        it = index_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const std::string& path : doomed) {
    std::error_code ec;
    fs::remove(path, ec);
  }
  return int(doomed.size());
}

void ClipCache::load_existing() {
  auto log = logger("vigil.storage");
  std::error_code ec;
  std::vector<std::pair<std::string, double>> found;  // path, wall time of its name
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::optional<CacheSegmentName> name = CacheSegmentName::parse(e.path().filename().string());
    if (!name || name->camera != camera_) continue;
    if (name->part) {
      // Salvage (storage.md §7.1): keep the complete fragments, finalise as at close.
      const std::string path = e.path().string();
      uint64_t keep = complete_fragments_end(path);
      CacheSegment probe;
      if (keep > 0 && ::truncate(path.c_str(), off_t(keep)) == 0 && index_file(path, name->wall(), probe) &&
          probe.end - probe.wall0 >= 1.0) {
        std::string final = dir_ + "/" + name->closed().file_name();
        for (double t = name->wall() + 1; fs::exists(final); t += 1)
          final = dir_ + "/" + CacheSegmentName::at(camera_, t).file_name();
        fs::rename(path, final, ec);
        if (!ec) found.emplace_back(final, name->wall());
        log->warn("camera {}: kept the complete part of the cache segment {}", camera_, name->file_name());
      } else {
        fs::remove(path, ec);
      }
    } else {
      found.emplace_back(e.path().string(), name->wall());
    }
  }
  std::vector<CacheSegment> segs;
  for (const auto& [path, name_wall] : found) {
    CacheSegment s;
    s.part_path = s.final_path = path;
    s.closed = true;
    if (index_file(path, name_wall, s)) {
      segs.push_back(std::move(s));
    } else {
      fs::remove(path, ec);
    }
  }
  std::sort(segs.begin(), segs.end(), [](const auto& x, const auto& y) { return x.wall0 < y.wall0; });
  std::lock_guard lock(mu_);
  for (auto& s : segs) {
    available_ = std::max(available_, s.end);
    index_.push_back(std::move(s));
  }
}

void remove_foreign_cache_segments(const std::string& cache_dir, const std::vector<std::string>& cameras) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(cache_dir, ec)) {
    const std::optional<CacheSegmentName> name = CacheSegmentName::parse(e.path().filename().string());
    if (!name) continue;
    if (std::find(cameras.begin(), cameras.end(), name->camera) == cameras.end()) fs::remove(e.path(), ec);
  }
}

uint64_t complete_fragments_end(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return 0;
  f.seekg(0, std::ios::end);
  const uint64_t size = uint64_t(f.tellg());
  uint64_t pos = 0, good = 0;
  bool moof = false;
  while (pos + 8 <= size) {
    unsigned char h[16];
    f.seekg(std::streamoff(pos));
    if (!f.read(reinterpret_cast<char*>(h), 8)) break;
    uint64_t box = (uint64_t(h[0]) << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
    const std::string type(reinterpret_cast<char*>(h + 4), 4);
    if (box == 1) {  // 64-bit size follows
      if (!f.read(reinterpret_cast<char*>(h + 8), 8)) break;
      box = 0;
      for (int i = 8; i < 16; ++i) box = (box << 8) | h[i];
    }
    if (box < 8 || pos + box > size) break;  // size 0 (to the end) or truncated: incomplete
    if (type == "moof") moof = true;
    if (type == "mdat" && moof) {
      good = pos + box;
      moof = false;
    }
    pos += box;
  }
  return good;
}

}  // namespace vigil
