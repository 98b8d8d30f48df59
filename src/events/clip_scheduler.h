// When an ended event's clip is cut (storage.md §4.2), as pure logic: no thread, no
// file, no clock of its own. The clip spans [max(start − pre_capture, end − max_seconds),
// end + post_capture]; it is cut as soon as the camera's clip cache holds the whole
// span, or from whatever exists once 30 s past the span's end (the cache stalled) or
// when the events thread stops (no more video comes).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "events/event_lifecycle.h"

namespace vigil {

// A clip's span, wall time.
struct ClipSpan {
  double a = 0, b = 0;
};

// storage.md §4.2: the span of an event from `start` to `end` (frame/wall time).
ClipSpan clip_span(const CameraConfig& cam, double clips_max_seconds, double start, double end);

// What the scheduler needs to know of the clip caches.
class CacheView {
 public:
  virtual ~CacheView() = default;
  // Wall time up to which `camera`'s cache holds video (nullopt: no cache).
  virtual std::optional<double> available_until(const std::string& camera) const = 0;
};

// An ended event waiting for its clip.
struct ClipJob {
  EventMessage end;
  ClipSpan span;
  double deadline = 0;  // wall time after which the clip is cut from what exists
};

class ClipScheduler {
 public:
  static constexpr double kGraceAfterSpan = 30;  // s a clip waits past its span's end

  enum class Decision {
    kWait,           // the cache does not hold the span yet
    kCut,            // the cache holds the whole span
    kCutWhatExists,  // the deadline passed or the thread stops: cut from what exists
  };

  // Schedules the clip of an ended event.
  void add(EventMessage end, ClipSpan span);
  static Decision decide(const ClipJob& job, double now, bool stopping, const CacheView& caches);
  // Removes and returns the jobs whose decision is not kWait, in the order added.
  std::vector<ClipJob> take_ready(double now, bool stopping, const CacheView& caches);
  // Removes and returns every job (the free-space floor cuts them all now).
  std::vector<ClipJob> take_all();
  // The earliest deadline of a waiting job (nullopt: none waits).
  std::optional<double> next_deadline() const;
  const std::vector<ClipJob>& jobs() const { return jobs_; }

 private:
  std::vector<ClipJob> jobs_;  // waiting, in the order added
};

}  // namespace vigil
