// Events per second over a sliding 10 s window (pipeline.md §2.5):
// count in the last 10 s / min(seconds since the counter started, 10).
#pragma once

#include <algorithm>
#include <deque>
#include <mutex>

namespace vigil {

class RateCounter {
 public:
  static constexpr double kWindow = 10.0;

  explicit RateCounter(double start_mono) : start_(start_mono) {}

  void tick(double now_mono) {
    std::lock_guard lock(mu_);
    times_.push_back(now_mono);
    trim(now_mono);
  }

  double rate(double now_mono) {
    std::lock_guard lock(mu_);
    trim(now_mono);
    double span = std::min(now_mono - start_, kWindow);
    if (span <= 0) return 0.0;
    return times_.size() / span;
  }

 private:
  void trim(double now) {
    while (!times_.empty() && times_.front() <= now - kWindow) times_.pop_front();
  }
  std::mutex mu_;
  double start_;              // when counting began; rates before 10 s use this span
  std::deque<double> times_;  // tick times within the last window, ascending
};

}  // namespace vigil
