// A rate limit for repetitive log lines (a corrupt camera makes the decoder complain
// about every frame). Per kind of line, the first `burst` pass, then at most one per
// `interval` seconds, which carries how many of that kind were suppressed since the
// previous one. On top, all kinds together pass at most `total_burst` lines at once and
// `total_per_interval` per interval after that, so many kinds cannot add up to a flood
// either. Time comes from the injected clock (tests drive it by hand).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "util/clock.h"

namespace vigil {

class LogThrottle {
 public:
  struct Limits {
    int burst = 5;                // lines of one kind that pass before the limit applies
    double interval = 60;         // seconds
    int total_burst = 20;         // lines of all kinds together that pass at once
    int total_per_interval = 10;  // lines of all kinds together per interval after that
    int max_kinds = 64;           // kinds beyond this count as one (bounded memory)
  };
  struct Verdict {
    bool pass = false;
    uint64_t suppressed = 0;  // lines of this kind suppressed since the last one that passed
  };

  explicit LogThrottle(const Clock& clock) : LogThrottle(clock, Limits{}) {}
  LogThrottle(const Clock& clock, Limits limits);

  // Whether a line of `kind` may be logged now. Thread-safe.
  Verdict admit(const std::string& kind);

 private:
  struct Kind {
    int passed = 0;
    double last_pass = 0;  // monotonic time of the last line that passed
    uint64_t suppressed = 0;
  };
  bool take_total(double now);

  const Clock& clock_;
  const Limits limits_;
  std::mutex mu_;
  std::map<std::string, Kind> kinds_;
  double tokens_;  // all kinds: lines that may pass now (refills at total_per_interval / interval)
  double refilled_ = 0;
  bool started_ = false;
};

}  // namespace vigil
