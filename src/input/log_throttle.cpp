#include "input/log_throttle.h"

#include <algorithm>

namespace vigil {

LogThrottle::LogThrottle(const Clock& clock, Limits limits)
    : clock_(clock), limits_(limits), tokens_(limits.total_burst) {}

bool LogThrottle::take_total(double now) {
  if (!started_) {
    started_ = true;
    refilled_ = now;
  }
  const double rate = limits_.total_per_interval / limits_.interval;
  tokens_ = std::min(double(limits_.total_burst), tokens_ + (now - refilled_) * rate);
  refilled_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

LogThrottle::Verdict LogThrottle::admit(const std::string& kind) {
  std::lock_guard lock(mu_);
  const double now = clock_.mono();
  auto it = kinds_.find(kind);
  if (it == kinds_.end()) {
    const bool room = int(kinds_.size()) < limits_.max_kinds;
    it = kinds_.try_emplace(room ? kind : std::string("\x01other")).first;
  }
  Kind& k = it->second;
  const bool kind_allows = k.passed < limits_.burst || now - k.last_pass >= limits_.interval;
  if (!kind_allows || !take_total(now)) {
    ++k.suppressed;
    return {};
  }
  Verdict v{true, k.suppressed};
  ++k.passed;
  k.last_pass = now;
  k.suppressed = 0;
  return v;
}

}  // namespace vigil
