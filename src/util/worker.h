// One background thread with a stop request: the one way vigil runs a loop. The owner
// keeps its state under mutex(), calls notify() after changing it, and the loop waits
// with wait_until() — on the injected clock, so a ManualClock's advance() wakes it.
// stop() asks the loop to end, wakes it and joins it; nothing is ever detached.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>

#include "util/clock.h"

namespace vigil {

class Worker {
 public:
  explicit Worker(const Clock& clock = SystemClock::instance()) : clock_(clock) {}
  ~Worker() { stop(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs `body` on a new thread; it should return soon after stopping() becomes true.
  // No effect while a thread runs; after stop() it starts a fresh one.
  void start(std::function<void()> body);
  // Asks the loop to stop, wakes every wait and joins the thread. Idempotent; never
  // call it from the worker's own thread.
  void stop();
  bool stopping() const { return stopping_; }
  bool running() const { return thread_.joinable(); }

  // The mutex the owner guards the loop's state with (queues, flags).
  std::mutex& mutex() const { return mu_; }
  // Wakes the loop after a change made under mutex() (or after it was released).
  void notify() const { cv_.notify_all(); }
  const Clock& clock() const { return clock_; }

  // With `lock` held on mutex(): waits until `done()`, stop, or the clock's mono() reaches
  // `deadline`. Returns true when done() holds and no stop was asked.
  template <class Pred>
  bool wait_until(std::unique_lock<std::mutex>& lock, double deadline, Pred done) const {
    clock_.wait_until(lock, cv_, deadline, [&] { return stopping_ || done(); });
    return !stopping_ && done();
  }
  // Waits until `done()` or stop, with no deadline.
  template <class Pred>
  bool wait(std::unique_lock<std::mutex>& lock, Pred done) const {
    return wait_until(lock, std::numeric_limits<double>::infinity(), done);
  }
  // Sleeps `seconds` on the clock unless stopped first; false when stopping.
  bool sleep_for(double seconds) const;

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::atomic<bool> stopping_{false};  // set by stop() under mu_, cleared by start()
  std::jthread thread_;                // joinable while a loop runs or until stop()
};

}  // namespace vigil
