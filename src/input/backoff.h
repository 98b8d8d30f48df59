// Reconnect delay policy for a camera input (pipeline.md §2.4): 1 s, doubling, at most
// 30 s; back to 1 s once a connection has delivered frames for 60 s.
#pragma once

#include <algorithm>

namespace vigil {

class Backoff {
 public:
  static constexpr double kInitial = 1.0, kMax = 30.0, kHealthyAfter = 60.0;

  // Delay before the next reconnect attempt; doubles the following one.
  double next_delay() {
    double d = delay_;
    delay_ = std::min(delay_ * 2, kMax);
    return d;
  }
  // A connection started delivering frames at `since` and is still healthy at `now`.
  void connection_healthy(double since, double now) {
    if (now - since >= kHealthyAfter) delay_ = kInitial;
  }

 private:
  double delay_ = kInitial;  // the delay the next failure will wait
};

}  // namespace vigil
