#include "events/clip_scheduler.h"

#include <algorithm>
#include <utility>

namespace vigil {

ClipSpan clip_span(const CameraConfig& cam, double clips_max_seconds, double start, double end) {
  return {std::max(start - cam.clips.pre_capture, end - clips_max_seconds), end + cam.clips.post_capture};
}

void ClipScheduler::add(EventMessage end, ClipSpan span) {
  const double deadline = span.b + kGraceAfterSpan;
  jobs_.push_back({std::move(end), span, deadline});
}

ClipScheduler::Decision ClipScheduler::decide(const ClipJob& job, double now, bool stopping, const CacheView& caches) {
  const std::optional<double> until = caches.available_until(job.end.camera);
  if (until && *until >= job.span.b) return Decision::kCut;
  if (stopping || now >= job.deadline) return Decision::kCutWhatExists;
  return Decision::kWait;
}

std::vector<ClipJob> ClipScheduler::take_ready(double now, bool stopping, const CacheView& caches) {
  std::vector<ClipJob> ready, waiting;
  for (ClipJob& j : jobs_)
    (decide(j, now, stopping, caches) == Decision::kWait ? waiting : ready).push_back(std::move(j));
  jobs_ = std::move(waiting);
  return ready;
}

std::vector<ClipJob> ClipScheduler::take_all() { return std::exchange(jobs_, {}); }

std::optional<double> ClipScheduler::next_deadline() const {
  std::optional<double> d;
  for (const ClipJob& j : jobs_) d = std::min(d.value_or(j.deadline), j.deadline);
  return d;
}

}  // namespace vigil
