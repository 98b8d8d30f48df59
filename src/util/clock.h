// Time sources. Time-driven logic (backoff, rates, stalls) takes a Clock so tests can
// drive it without sleeping.
#pragma once

#include <chrono>

namespace vigil {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall clock, Unix epoch seconds (microsecond resolution). Used for frame times.
  virtual double wall() const = 0;
  // Monotonic seconds since an arbitrary origin. Used for rates, deadlines, backoff.
  virtual double mono() const = 0;
};

class SystemClock final : public Clock {
 public:
  double wall() const override {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() / 1e6;
  }
  double mono() const override {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
  }
  static const SystemClock& instance() {
    static SystemClock c;
    return c;
  }
};

// A clock that only moves when told to (tests).
class ManualClock final : public Clock {
 public:
  double wall_time = 1600000000.0;
  double mono_time = 1000.0;
  double wall() const override { return wall_time; }
  double mono() const override { return mono_time; }
  void advance(double s) {
    wall_time += s;
    mono_time += s;
  }
};

}  // namespace vigil
