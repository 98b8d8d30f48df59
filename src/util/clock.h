// Time sources. Time-driven logic (backoff, rates, stalls, periodic work) takes a Clock
// so tests can drive it without sleeping: waits go through Clock::wait_until, which a
// ManualClock's advance() wakes.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace vigil {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall clock, Unix epoch seconds (microsecond resolution). Used for frame times.
  virtual double wall() const = 0;
  // Monotonic seconds since an arbitrary origin. Used for rates, deadlines, backoff.
  virtual double mono() const = 0;

  // With `lock` held on the mutex `cv` is used with: waits until `done()` or until mono()
  // reaches `deadline`; returns done(). Whoever makes done() true notifies `cv`.
  template <class Pred>
  bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, double deadline, Pred done) const {
    while (!done()) {
      if (mono() >= deadline) return false;
      wait_once(lock, cv, deadline);
    }
    return true;
  }

 protected:
  // One wait on `cv`, returning at the latest when mono() reaches `deadline` (spurious
  // returns allowed).
  virtual void wait_once(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, double deadline) const = 0;
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

 protected:
  void wait_once(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, double deadline) const override {
    using namespace std::chrono;
    const double s = std::min(deadline - mono(), 86400.0);  // an infinite deadline waits a day at a time
    cv.wait_for(lock, duration_cast<steady_clock::duration>(duration<double>(std::max(s, 0.0))));
  }
};

// A clock that only moves when told to (tests). advance() wakes every wait_until in
// progress so it re-checks its deadline.
class ManualClock final : public Clock {
 public:
  std::atomic<double> wall_time{1600000000.0};
  std::atomic<double> mono_time{1000.0};
  double wall() const override { return wall_time; }
  double mono() const override { return mono_time; }
  void advance(double s) {
    wall_time += s;
    mono_time += s;
    std::lock_guard g(waiters_mu_);
    for (std::condition_variable* cv : waiters_) cv->notify_all();
  }

 protected:
  void wait_once(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, double) const override {
    {
      std::lock_guard g(waiters_mu_);
      waiters_.push_back(&cv);
    }
    // advance() notifies without the caller's mutex, so a wake-up can fall between the
    // deadline check and the wait: the short real timeout bounds that race.
    cv.wait_for(lock, std::chrono::milliseconds(10));
    std::lock_guard g(waiters_mu_);
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &cv));
  }

 private:
  mutable std::mutex waiters_mu_;
  mutable std::vector<std::condition_variable*> waiters_;  // waits in progress (duplicates allowed)
};

}  // namespace vigil
