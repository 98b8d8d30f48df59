// The shedding order under CPU overload (docs/architecture.md §Overload), enforced by the
// kernel's scheduler: threads of work that may be shed run at a lower priority (a higher
// nice value), so when the cores cannot do everything the capture threads (read, decode)
// and the stream-copy writers (recording, clip cache) are served first, live views next,
// detection last — and each class is shared fairly between cameras (CFS).
#pragma once

namespace vigil {

enum class ShedClass {
  kLiveView = 2,   // MJPEG streams (encoding live images)
  kDetection = 5,  // cameras' processing threads (motion, detection requests) and detectors
};

// Lowers the calling thread's priority to `c` (never raises it: an unprivileged
// process cannot). Threads it starts later inherit it (OpenCV's own pool, for one).
void lower_this_thread(ShedClass c);

}  // namespace vigil
