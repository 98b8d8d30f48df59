// When the parts of one MJPEG stream are sent (http-api.md §3.1): the first at once,
// then one per `interval` seconds of the clock; a viewer that falls behind skips parts
// rather than catching up with a burst. wait() sleeps on the server's Worker, so a
// ManualClock's advance() and the server's stop() wake it; while it waits it asks every
// `check_every` seconds of the clock whether the viewer has gone (closed its
// connection), so a slow stream (fps=0.01) frees its thread soon after its viewer left.
#pragma once

#include <functional>

#include "util/worker.h"

namespace vigil {

class MjpegPacer {
 public:
  // `server`: the HTTP server's listen worker (its clock, its stop); must outlive this.
  // `viewer_gone` (optional) is asked without the server's lock held.
  MjpegPacer(const Worker& server, double interval, std::function<bool()> viewer_gone = {}, double check_every = 0.5)
      : server_(server), interval_(interval), viewer_gone_(std::move(viewer_gone)), check_every_(check_every) {}

  // Waits until the next part is due and schedules the one after it. False when the
  // server stops or the viewer goes first (the stream then ends).
  bool wait();

  // When the part after the next is due, given that the next goes out at `now` (pure:
  // the schedule without the wait). 0 = nothing sent yet.
  static double after(double due, double now, double interval) {
    return (due == 0 || due + interval < now) ? now + interval : due + interval;
  }

 private:
  const Worker& server_;
  const double interval_;
  const std::function<bool()> viewer_gone_;
  const double check_every_;
  double due_ = 0;  // clock mono() when the next part is due; 0 = at once. One stream's thread only.
};

}  // namespace vigil
