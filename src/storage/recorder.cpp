#include "storage/recorder.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
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
#include "storage/fragmented_writer.h"
#include "storage/media_layout.h"
#include "util/log.h"
#include "util/metric_families.h"

namespace vigil {

struct Recorder::Segment {
  FragmentedWriter file;
  double minute = 0;           // wall-clock period (floor(wall / segment_seconds)) of the start
  double start = 0, last = 0;  // wall times of its first and latest packet
  std::string part, final;
};

Recorder::Recorder(std::string camera, std::string dir, double segment_seconds)
    : camera_(std::move(camera)), dir_(std::move(dir)), segment_seconds_(segment_seconds) {}

Recorder::~Recorder() { close(); }

bool Recorder::open(double wall) {
  namespace fs = std::filesystem;
  auto seg = std::make_unique<Segment>();
  // MM.SS of the first packet; the next free second if taken (the repeated DST hour).
  for (int extra = 0;; ++extra) {
    const RecordingSegmentName name = RecordingSegmentName::at(camera_, wall, extra);
    const fs::path d = fs::path(dir_) / name.folder();
    if (extra == 0) {
      std::error_code ec;
      fs::create_directories(d, ec);
    }
    seg->final = (d / name.file_name()).string();
    seg->part = (d / name.part_name()).string();
    if (!fs::exists(seg->final) && !fs::exists(seg->part)) break;
  }
  seg->minute = std::floor(wall / segment_seconds_);
  seg->start = seg->last = wall;
  // While written: fragmented, a fragment per GOP flushed when complete, so a crash
  // loses at most the GOP in progress (storage.md §6, §7.1).
  if (!seg->file.open(seg->part, format_.params(), format_.time_base())) {
    failed("cannot start a recording for " + camera_ + ": " + seg->file.error());  // retried at every keyframe
    recording_segments_dropped_metric().with({camera_}).inc();
    std::remove(seg->part.c_str());
    return false;
  }
  seg_ = std::move(seg);
  return true;
}

// A failure (start, write, completion) is counted; the first of a streak is logged at
// error, the rest at debug, until a segment is completed again.

void Recorder::failed(const std::string& what) {
  ++failures_;
  logger("vigil.storage")->log(failing_ ? spdlog::level::debug : spdlog::level::err, "{}", what);
  failing_ = true;
}

void Recorder::close() {
  if (!seg_) return;
  std::unique_ptr<Segment> seg = std::move(seg_);
  // Finished: remuxed into a regular MP4 with the index first (browsers seek in it),
  // fsynced, renamed, folder fsynced; then the fragmented part goes. After a write
  // error the part is salvaged as at recovery.
  std::string why;
  if (seg->file.finish()) {
    ClipResult r = finalize_segment(seg->part, seg->final);
    why = r.ok ? "" : r.why;
  } else if (!salvage(seg->part, seg->final)) {
    why = seg->file.error() + "; nothing complete to salvage";
  }
  std::remove(seg->part.c_str());
  if (!why.empty()) {
    failed("recording segment " + seg->final + " could not be completed: " + why);
    recording_segments_dropped_metric().with({camera_}).inc();
  } else {
    recording_segments_written_metric().with({camera_}).inc();
    if (failing_) {
      logger("vigil.storage")->info("recordings of {} are written again", camera_);
      failing_ = false;
    }
    if (on_completed_) on_completed_(seg->final, seg->start, seg->last);
  }
}

// Keeps the complete fragments of a part (storage.md §7.1) as `final` when they hold at
// least 1 s of video.
bool Recorder::salvage(const std::string& part, const std::string& final) {
  const uint64_t keep = complete_fragments_end(part);
  return keep > 0 && !std::filesystem::exists(final) && ::truncate(part.c_str(), off_t(keep)) == 0 &&
         finalize_segment(part, final, 1.0).ok;
}

void Recorder::on_end() {
  format_.reset();
  close();
}

void Recorder::on_packet(const AVPacket* pkt, const AVStream* st, double arrival) {
  const bool key = pkt->flags & AV_PKT_FLAG_KEY;
  // A segment holds one set of codec parameters and increasing timestamps.
  if (format_.follow(pkt, st) != StreamFormat::Change::kNone) close();
  // A new segment starts at the first keyframe at or after each full minute (§6).
  if (seg_ && key && std::floor(arrival / segment_seconds_) > seg_->minute) close();
  // Below the free-space floor nothing grows: the segment ends at its next keyframe.
  if (seg_ && key && gate_ && !gate_()) close();
  if (!seg_) {
    if (!key) return;               // wait for a keyframe
    if (gate_ && !gate_()) return;  // the disk is full: no new segment for now
    if (!open(arrival)) {
      seg_.reset();  // open() said why
      return;
    }
  }
  seg_->last = arrival;
  if (seg_->file.write(pkt) == FragmentedWriter::Result::kError) {
    // A write error ends the segment (its complete part is kept); the next keyframe starts a new one.
    failed("recording write failed for " + camera_ + ": " + seg_->file.error());
    close();
  }
}

void recover_partial_recordings(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> parts, temporaries;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (recording_part_final_name(name)) parts.push_back(it->path());
    if (is_temporary_name(name)) temporaries.push_back(it->path());
  }
  for (const fs::path& t : temporaries) fs::remove(t, ec);
  for (const fs::path& part : parts) {
    const fs::path final = part.parent_path() / *recording_part_final_name(part.filename().string());
    bool kept = Recorder::salvage(part.string(), final.string());
    fs::remove(part, ec);
    if (kept) logger("vigil.storage")->warn("kept the complete part of the interrupted recording {}", final.string());
  }
}

double recording_segment_seconds() {
  static const double seconds = [] {
    const char* v = std::getenv("VIGIL_TEST_RECORD_SEGMENT_SECONDS");
    const double n = v ? std::atof(v) : 0;
    return n >= 2 ? n : 60.0;
  }();
  return seconds;
}

bool recording_segment_test_hook() { return recording_segment_seconds() != 60.0; }

}  // namespace vigil
