#include "util/worker.h"

namespace vigil {

void Worker::start(std::function<void()> body) {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::jthread([body = std::move(body)] { body(); });
}

void Worker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool Worker::sleep_for(double seconds) const {
  std::unique_lock lock(mu_);
  const double deadline = clock_.mono() + seconds;
  clock_.wait_until(lock, cv_, deadline, [this] { return stopping_.load(); });
  return !stopping_;
}

}  // namespace vigil
