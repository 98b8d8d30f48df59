#include "api/mjpeg_pacer.h"

#include <algorithm>
#include <mutex>

namespace vigil {

bool MjpegPacer::wait() {
  const Clock& clock = server_.clock();
  std::unique_lock lock(server_.mutex());
  for (;;) {
    if (server_.stopping()) return false;
    const double now = clock.mono();
    if (now >= due_) break;
    server_.wait_until(lock, viewer_gone_ ? std::min(due_, now + check_every_) : due_, [] { return false; });
    if (server_.stopping()) return false;
    if (viewer_gone_ && clock.mono() < due_) {
      lock.unlock();
      const bool gone = viewer_gone_();
      lock.lock();
      if (gone) return false;
    }
  }
  lock.unlock();
  due_ = after(due_, clock.mono(), interval_);
  return true;
}

}  // namespace vigil
