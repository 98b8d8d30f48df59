// 24/7 recording of one camera input by stream copy (storage.md §6): a segment starts
// at the first keyframe at or after each full minute, is written as fragmented MP4
// `recordings/YYYY-MM/DD/HH/<camera>/.MM.SS.mp4.part` (a fragment per GOP, flushed),
// and once complete is remuxed to `MM.SS.mp4` (local time of its start) with the index
// first, fsynced and renamed. A change of codec parameters or a jump back of the
// timestamps also starts a new segment (at the next keyframe).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "storage/packet_consumer.h"
#include "storage/stream_format.h"

struct AVPacket;
struct AVStream;

namespace vigil {

// Driven by one thread (a PacketWriter's in vigil): its methods are not thread-safe,
// except failures().
class Recorder : public PacketConsumer {
 public:
  Recorder(std::string camera, std::string recordings_dir, double segment_seconds = 60);
  ~Recorder() override;  // completes the segment being written

  // Asked at each keyframe (storage.md §9: the free-space floor); false = end the
  // segment being written and start none now, ask again at the next keyframe. Call
  // before packets arrive.
  void set_write_gate(std::function<bool()> gate) { gate_ = std::move(gate); }

  // Called on the writer's thread once a segment is published under its final name, with
  // the wall times of its first and last packets (the retention index). Before packets arrive.
  using CompletedFn = std::function<void(const std::string& path, double start, double end)>;
  void set_on_completed(CompletedFn f) { on_completed_ = std::move(f); }

  // A packet of the input, read at wall time `arrival` (the segment's name and minute).
  void on_packet(const AVPacket* pkt, const AVStream* st, double arrival) override;
  // Packets were dropped: the segment ends; the next keyframe starts a new one.
  void on_gap() override { close(); }
  // The connection ended or the camera stops: completes the current segment.
  void on_end() override;

  // Segments that could not be started, written or completed (any thread).
  uint64_t failures() const { return failures_.load(); }

  // Makes `final` from the complete fragments of an unfinished `part` (≥ 1 s).
  static bool salvage(const std::string& part, const std::string& final);

 private:
  struct Segment;
  bool open(double wall);
  void close();
  void failed(const std::string& what);

  std::string camera_, dir_;
  double segment_seconds_;
  std::function<bool()> gate_;
  CompletedFn on_completed_;      // set before packets arrive
  StreamFormat format_;           // the input's parameters and timeline as the packets carry them
  std::unique_ptr<Segment> seg_;  // the segment being written, if any
  bool failing_ = false;          // failures since the last completed segment (logged once per streak)
  std::atomic<uint64_t> failures_{0};
};

// Start-up: each `.part` a crash left in `recordings_dir` becomes a finished segment
// holding its complete fragments (if ≥ 1 s), or is deleted; a remux's temporary
// (`.MM.SS.mp4.tmp`) a crash interrupted is deleted (its part is still there).
void recover_partial_recordings(const std::string& recordings_dir);

// The length of a recording segment: 60 s (storage.md §6). Test hook, never for
// production: VIGIL_TEST_RECORD_SEGMENT_SECONDS=N (read once) makes them N s, so the
// fault tests see many segment closes in little time.
double recording_segment_seconds();
bool recording_segment_test_hook();

}  // namespace vigil
