#include "util/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

namespace vigil {

void lower_this_thread(ShedClass c) {
  // On Linux the nice value is per thread: PRIO_PROCESS with a thread id sets only it.
  const int tid = gettid();
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, id_t(tid));
  if (errno != 0 || now >= int(c)) return;
  setpriority(PRIO_PROCESS, id_t(tid), int(c));  // failing leaves the thread as it was: harmless
}

}  // namespace vigil
