// Buffer times of the RTSP restream (restream/rtsp_restream.cpp): a camera's packet times
// (its stream's clock) mapped onto the running time of the pipeline they are pushed
// into. Packet times keep the camera's cadence and B-frame order; the anchor ties them to
// the pipeline, and is moved when they wander more than kMaxDrift from the pipeline's
// clock (a loop of a file, a reconnection, a camera clock reset) or would go backwards.
// Pure arithmetic on nanoseconds, no GStreamer: unit tested on its own.
#pragma once

#include <cstdint>
#include <optional>

namespace vigil {

class RtspTimeline {
 public:
  static constexpr int64_t kMaxDrift = 2'000'000'000;  // ns between packet time and clock
  static constexpr int64_t kMinStep = 1'000'000;       // ns: the least dts advance after a re-anchor

  struct Times {
    int64_t dts = 0, pts = 0;  // running time, ns
  };
  // `dts`, `pts`: the packet's times in ns (pts < dts is taken as pts = dts). `now`:
  // the pipeline's running time, or nullopt before it has a clock. Returned dts values
  // strictly increase; pts − dts is the packet's own.
  Times map(int64_t dts, int64_t pts, std::optional<int64_t> now);
  // A new pipeline: the next packet anchors again, from scratch.
  void reset() { *this = RtspTimeline(); }
  int anchors() const { return anchors_; }  // how many times it (re-)anchored

 private:
  bool anchored_ = false;  // the fields below are meaningful
  int64_t src_ = 0;        // packet dts at the anchor
  int64_t run_ = 0;        // running time at the anchor
  int64_t last_dts_ = 0;   // last returned dts (valid when anchored_)
  int anchors_ = 0;
};

}  // namespace vigil
