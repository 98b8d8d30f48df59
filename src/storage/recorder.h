// 24/7 recording of one camera input by stream copy (storage.md, 24/7 layout):
// segments of about 60 s, each starting on a keyframe, written as
// `recordings/YYYY-MM/DD/HH/<camera>/.MM.SS.mp4.part` and renamed to `MM.SS.mp4`
// (local time of the segment start) only once complete and fsynced.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "util/clock.h"

struct AVPacket;
struct AVStream;

namespace vigil {

class Recorder {
 public:
  Recorder(std::string camera, std::string recordings_dir, double segment_seconds = 60,
           const Clock& clock = SystemClock::instance());
  ~Recorder();  // completes the segment being written

  // Asked before each new segment (storage.md §9: the free-space floor); false = start
  // none now, ask again at the next keyframe. Call before packets arrive.
  void set_write_gate(std::function<bool()> gate) { gate_ = std::move(gate); }

  // A packet of the input (Capture's packet sink); (nullptr, nullptr) = the
  // connection ended: complete the current segment.
  void on_packet(const AVPacket* pkt, const AVStream* st);

 private:
  struct Segment;
  bool open(const AVStream* st);
  void close();

  std::string camera_, dir_;
  double segment_seconds_;
  const Clock& clock_;
  std::function<bool()> gate_;
  std::unique_ptr<Segment> seg_;  // the segment being written, if any
};

// Removes the `.part` files a crash left in `recordings_dir` (they were never complete).
void remove_partial_recordings(const std::string& recordings_dir);

}  // namespace vigil
