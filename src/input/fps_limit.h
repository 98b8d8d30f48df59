// The detect input's frame-rate limit on stream time (pipeline.md §2.3): a frame
// passes when it is due; the schedule advances by 1/fps per passed frame. Pure logic,
// one per connection.
#pragma once

#include <optional>

namespace vigil {

class FpsLimit {
 public:
  explicit FpsLimit(std::optional<double> fps) : fps_(fps) {}

  // Whether the decoded frame at stream time `t` goes on. Call with every decoded frame.
  bool pass(double t) {
    // Stream time that goes back (a reconfigured camera restarts its clock) starts the
    // schedule afresh: frames would otherwise be dropped until it caught up.
    const bool went_back = seen_ && t < last_;
    seen_ = true;
    last_ = t;
    if (!fps_) return true;
    const double interval = 1.0 / *fps_;
    if (went_back) have_due_ = false;
    if (have_due_ && t < next_due_ - 0.001) return false;
    next_due_ = have_due_ ? next_due_ + interval : t + interval;
    have_due_ = true;
    if (next_due_ < t - interval) next_due_ = t + interval;
    return true;
  }

 private:
  const std::optional<double> fps_;  // no value: every frame passes
  bool seen_ = false;                // a frame was seen (last_ is valid)
  double last_ = 0;                  // stream time of the previous frame
  bool have_due_ = false;            // next_due_ is valid
  double next_due_ = 0;              // stream time the next frame is due
};

}  // namespace vigil
