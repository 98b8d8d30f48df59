#include "restream/rtsp_timeline.h"

#include <algorithm>
#include <cstdlib>

namespace vigil {

RtspTimeline::Times RtspTimeline::map(int64_t dts, int64_t pts, std::optional<int64_t> now) {
  int64_t out = run_ + (dts - src_);
  const bool wandered = now && std::llabs(out - *now) > kMaxDrift;
  if (!anchored_ || out <= last_dts_ || wandered) {
    int64_t at = now ? *now : (anchored_ ? last_dts_ + kMinStep : 0);
    if (anchored_) at = std::max(at, last_dts_ + kMinStep);
    src_ = dts;
    run_ = at;
    out = at;
    anchored_ = true;
    ++anchors_;
  }
  last_dts_ = out;
  return {out, out + std::max<int64_t>(0, pts - dts)};
}

}  // namespace vigil
