// The clip cache of one camera (storage.md §4.1, §4.3): the packets of its `clips`
// input stream-copied into ~10 s fragmented-MP4 segments under `cache/`, and an index
// of what is there, in wall time, so event clips (clip_assembler.h) are cut from it.
// Several events share the same segments; nothing is written twice.
//
// Time: a packet's wall time is the arrival time of the connection's first packet plus
// its pts offset; a drift over 2 s from the arrival time re-anchors and starts a new
// segment. Frame times of the detect input use the same clock, so event times and
// cache times compare directly. A change of codec parameters or a jump back of the
// timestamps (stream_format.h) also re-anchors and starts a new segment.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/packet_consumer.h"
#include "storage/stream_format.h"

struct AVPacket;
struct AVStream;

namespace vigil {

// One cache segment as the index knows it.
struct CacheSegment {
  std::string part_path;   // `.<camera>-YYYYmmddHHMMSS.mp4.part` while written
  std::string final_path;  // `<camera>-YYYYmmddHHMMSS.mp4` once closed
  bool closed = false;
  double wall0 = 0;               // wall time of file time 0 (the first packet)
  double end = 0;                 // wall time up to which the file holds flushed data
  std::vector<double> keyframes;  // wall times of the keyframes (GOP starts)
  const std::string& path() const { return closed ? final_path : part_path; }
};

// Written by one thread (a PacketWriter's in vigil: on_packet, on_gap, on_end); read
// by any (the index).
class ClipCache : public PacketConsumer {
 public:
  static constexpr double kSegmentSeconds = 10;  // 0.8's segment_time
  static constexpr double kMaxDrift = 2;         // re-anchor beyond this

  ClipCache(std::string camera, std::string cache_dir);
  ~ClipCache() override;  // closes the segment being written
  ClipCache(const ClipCache&) = delete;
  ClipCache& operator=(const ClipCache&) = delete;

  // Start-up, before the capture runs: salvages this camera's `.part` files a crash left
  // (kept up to the last complete fragment when that holds ≥ 1 s, else deleted) and
  // indexes every closed segment in the folder.
  void load_existing();

  // A packet of the clips input, read at wall time `arrival` (writer thread).
  void on_packet(const AVPacket* pkt, const AVStream* st, double arrival) override;
  // Packets were dropped: the segment ends and the next packet re-anchors (the cache
  // stays receiving).
  void on_gap() override;
  // The connection ended: the segment closes; not receiving until the next packet.
  void on_end() override;

  // Copies of the index entries overlapping [a, b], oldest first.
  std::vector<CacheSegment> segments(double a, double b) const;
  // Wall time up to which flushed data exists (0 = nothing yet).
  double available_until() const;
  // True while a connection is delivering packets (false before the first and after
  // the input went away: then no more data will come for a while).
  bool receiving() const;
  // Called (from the writer thread) whenever more data became available.
  void set_on_progress(std::function<void()> f);
  // Asked before each new segment (storage.md §9: the free-space floor); false = start
  // none now (the video until the next keyframe is not cached). Before packets arrive.
  void set_write_gate(std::function<bool()> gate) { gate_ = std::move(gate); }
  // Deletes closed segments that end before `keep_from` (§4.3). Returns how many.
  int prune(double keep_from);
  // Bytes on disk of the segments overlapping [a, b]: an upper bound of a clip of it.
  uint64_t bytes_between(double a, double b) const;

  const std::string& camera() const { return camera_; }

 private:
  struct Writer;
  bool open_segment(const AVStream* st, double wall);
  void close_segment();
  void failed(const std::string& what);
  void notify();

  const std::string camera_, dir_;
  std::unique_ptr<Writer> w_;   // writer thread only: the segment being written
  bool unusable_ = false;       // writer thread only: the codec cannot go into MP4 (logged once)
  bool failing_ = false;        // writer thread only: failures since the last completed segment
  StreamFormat format_;         // writer thread only: the input's parameters and timeline
  std::function<bool()> gate_;  // may a new segment start (set before packets arrive)
  // Packet wall-time anchor (writer thread only).
  bool anchored_ = false;
  double anchor_wall_ = 0;
  int64_t anchor_pts_ = 0;

  mutable std::mutex mu_;
  std::vector<CacheSegment> index_;  // guarded by mu_; oldest first
  double available_ = 0;             // guarded by mu_
  bool receiving_ = false;           // guarded by mu_
  std::function<void()> on_progress_;
};

// Deletes cache segments of cameras not in `cameras` (start-up, after recovery).
void remove_foreign_cache_segments(const std::string& cache_dir, const std::vector<std::string>& cameras);

// Offset just past the last complete `moof`+`mdat` pair of a fragmented MP4 (0 if none).
uint64_t complete_fragments_end(const std::string& path);

}  // namespace vigil
