#include "api/mjpeg_pacer.h"

#include <mutex>

namespace vigil {

bool MjpegPacer::wait() {
  {
    std::unique_lock lock(server_.mutex());
    server_.wait_until(lock, due_, [] { return false; });
    if (server_.stopping()) return false;
  }
  due_ = after(due_, server_.clock().mono(), interval_);
  return true;
}

}  // namespace vigil
