#include "camera/camera.h"

#include <unistd.h>

#include <cmath>
#include <utility>

#include "detect/detector_pool.h"
#include "restream/rtmp_restream.h"
#include "restream/rtsp_restream.h"
#include "storage/clip_cache.h"
#include "storage/packet_writer.h"
#include "storage/recorder.h"
#include "tracking/appearance.h"
#include "tracking/coasting.h"
#include "util/log.h"
#include "util/thread_priority.h"

namespace vigil {
namespace {

double round2(double v) { return std::round(v * 100.0) / 100.0; }

CaptureSettings capture_settings(const CameraConfig& cfg) {
  CaptureSettings s;
  s.camera = cfg.name;
  s.input = cfg.detect_input();
  s.width = cfg.width;
  s.height = cfg.height;
  if (cfg.fps)
    s.fps = *cfg.fps;
  else if (s.input.options.rate)
    s.fps = *s.input.options.rate;  // -r N without fps
  return s;
}

}  // namespace

Camera::Camera(const CameraConfig& cfg, DetectorPool* pool, const Clock& clock)
    : cfg_(cfg),
      clock_(clock),
      motion_(cfg.motion, cfg.width, cfg.height),
      pool_(pool),
      tracker_(cfg.max_disappeared, random_track_id),
      objects_(cfg_),
      switches_(std::make_shared<CameraSwitches>(cfg)),
      lifecycle_(cfg.name),
      activity_(cfg.name),
      camera_fps_(clock.mono()),
      skipped_fps_(clock.mono()),
      process_fps_(clock.mono()),
      detection_fps_(clock.mono()),
      worker_(clock) {
  auto first = std::make_shared<ProcessedFrame>();
  first->frame = make_black_frame(cfg.width, cfg.height);
  latest_ = first;
  if (pool_) detector_ = std::make_unique<FrameDetector>(cfg_, *pool_);
  live_ = std::make_unique<LiveFeed>(cfg_.name, clock_);
  capture_ = std::make_unique<Capture>(
      capture_settings(cfg_), [this](FramePtr f) { offer(std::move(f)); }, clock_);
}

Camera::~Camera() { stop(); }

void Camera::add_packet_sink(size_t index, Capture::PacketSink sink) {
  packet_sinks_[index].push_back(std::move(sink));
}

void Camera::enable_stream_copy(const std::string& recordings_dir, std::shared_ptr<ClipCache> clip_cache,
                                std::function<bool()> may_write,
                                std::function<void(const std::string&, double, double)> on_recording) {
  clip_cache_ = std::move(clip_cache);
  for (size_t i = 0; i < cfg_.inputs.size(); ++i) {
    const InputConfig& in = cfg_.inputs[i];
    if (cfg_.record_enabled && !recordings_dir.empty() && in.has_role("record")) {
      recorder_ = std::make_unique<Recorder>(cfg_.name, recordings_dir, recording_segment_seconds());
      // The MQTT recordings switch (0.14) closes the segment at the next keyframe, as the
      // free-space floor does.
      recorder_->set_write_gate([may_write, sw = switches_] { return sw->recordings && (!may_write || may_write()); });
      recorder_->set_on_completed(on_recording);
      recording_writer_ = std::make_unique<PacketWriter>("recording of " + cfg_.name, *recorder_, clock_);
      add_packet_sink(i, [w = recording_writer_.get()](const AVPacket* p, const AVStream* st) { w->on_packet(p, st); });
    }
    if (clip_cache_ && in.has_role("clips")) {
      cache_writer_ = std::make_unique<PacketWriter>("clip cache of " + cfg_.name, *clip_cache_, clock_);
      add_packet_sink(i, [w = cache_writer_.get()](const AVPacket* p, const AVStream* st) { w->on_packet(p, st); });
    }
  }
}

void Camera::enable_restream(const std::string& url_base) {
  if (!cfg_.rtmp_active()) return;
  for (size_t i = 0; i < cfg_.inputs.size(); ++i) {
    if (!cfg_.inputs[i].has_role("rtmp")) continue;
    restream_ = std::make_unique<RtmpRestream>(cfg_.name, url_base + "/" + cfg_.name, clock_);
    add_packet_sink(i, [r = restream_.get()](const AVPacket* p, const AVStream* st) { r->on_packet(p, st); });
    break;  // one restream per camera
  }
}

void Camera::enable_rtsp_restream(RtspRestream& server) {
  for (const char* role : {"rtmp", "record", "detect"}) {
    for (size_t i = 0; i < cfg_.inputs.size(); ++i) {
      if (!cfg_.inputs[i].has_role(role)) continue;
      add_packet_sink(i, server.add_camera(cfg_.name));
      return;
    }
  }
}

size_t Camera::live_input() const {
  // An input read anyway (it has stream-copy sinks, or it is decoded): live view never
  // opens a connection of its own.
  for (const char* role : {"rtmp", "record", "detect"}) {
    for (size_t i = 0; i < cfg_.inputs.size(); ++i) {
      const InputConfig& in = cfg_.inputs[i];
      if (in.has_role(role) && (packet_sinks_.count(i) || in.has_role("detect"))) return i;
    }
  }
  return 0;
}

void Camera::start() {
  if (!cfg_.inputs.empty())
    add_packet_sink(live_input(), [l = live_.get()](const AVPacket* p, const AVStream* st) { l->on_packet(p, st); });
  // One connection per input, even when it has several roles: its packets fan out.
  for (auto& [index, sinks] : packet_sinks_) {
    Capture::PacketSink fan = sinks.size() == 1 ? sinks[0] : [s = sinks](const AVPacket* p, const AVStream* st) {
      for (const auto& sink : s) sink(p, st);
    };
    const InputConfig& in = cfg_.inputs[index];
    if (in.has_role("detect")) {
      capture_->set_packet_sink(std::move(fan));
    } else {
      CaptureSettings s;
      s.camera = cfg_.name;
      s.input = in;
      s.decode = false;
      copy_captures_.push_back(std::make_unique<Capture>(s, nullptr, clock_));
      copy_captures_.back()->set_packet_sink(std::move(fan));
    }
  }
  if (restream_) restream_->start();
  if (recording_writer_) recording_writer_->start();
  if (cache_writer_) cache_writer_->start();
  for (auto& c : copy_captures_) c->start();
  worker_.start([this] { process_loop(); });
  capture_->start();
}

void Camera::stop() {
  // The processing thread ends first (after the frame in hand; open events end); a
  // capture thread waiting for room in lossless mode is woken and drops its frame.
  worker_.stop();
  capture_->stop();
  for (auto& c : copy_captures_) c->stop();
  // The writers write what is queued and complete their files.
  if (recording_writer_) recording_writer_->stop();
  if (cache_writer_) cache_writer_->stop();
  if (restream_) restream_->stop();
  live_->stop();  // its viewers' streams end
}

void Camera::offer(FramePtr f) {
  double now = clock_.mono();
  camera_fps_.tick(now);
  {
    std::unique_lock lock(worker_.mutex());
    if (lossless_) worker_.wait(lock, [this] { return queue_.size() < kQueueSize; });
    if (queue_.size() >= kQueueSize) {
      skipped_fps_.tick(now);
      lock.unlock();
      frame_skipped(now);
      return;
    }
    queue_.push_back(std::move(f));
  }
  worker_.notify();
  if (shedding_ && now - last_skip_ >= kShedEndQuiet) {
    shedding_ = false;
    logger("vigil.camera")
        ->log(shed_logged_at_ == last_shed_start_ ? spdlog::level::info : spdlog::level::debug,
              "camera {}: processing keeps up again ({} frames skipped since start)", cfg_.name,
              frames_skipped_.load());
  }
}

// Processing (motion, detection) is behind: the frame is shed; the capture, recording
// and clip cache go on. Logged at warn when a streak begins, at most every 10 minutes.
void Camera::frame_skipped(double now) {
  ++frames_skipped_;
  last_skip_ = now;
  if (shedding_) return;
  shedding_ = true;
  last_shed_start_ = now;
  const bool warn = now - shed_logged_at_ >= kShedLogInterval;
  if (warn) shed_logged_at_ = now;
  logger("vigil.camera")
      ->log(warn ? spdlog::level::warn : spdlog::level::debug,
            "camera {}: processing is behind; frames are skipped for motion and detection (recording and the clip "
            "cache are not affected)",
            cfg_.name);
}

void Camera::process_loop() {
  tid_ = gettid();
  lower_this_thread(ShedClass::kDetection);  // shed before capture and recording
  for (;;) {
    FramePtr f;
    {
      std::unique_lock lock(worker_.mutex());
      if (!worker_.wait(lock, [this] { return !queue_.empty(); })) break;
      f = std::move(queue_.front());
      queue_.pop_front();
    }
    if (lossless_) worker_.notify();  // the capture thread may wait for room
    process(std::move(f));
  }
  // Clean shutdown: open events end at the last frame (pipeline.md §11).
  if (event_sink_) event_sink_(lifecycle_.end_all(last_frame_time_, objects_));
  if (review_)
    if (auto reviews = review_->end_all(); !reviews.empty()) review_sink_(std::move(reviews));
  if (activity_sink_)
    if (auto b = activity_.flush()) activity_sink_(std::move(*b));
}

void Camera::set_review_sink(const std::string& thumb_dir, std::function<void(std::vector<ReviewMessage>)> sink) {
  review_.emplace(cfg_, thumb_dir);
  review_sink_ = std::move(sink);
}

void Camera::set_activity_sink(std::function<void(ActivityBucket)> sink) { activity_sink_ = std::move(sink); }

void Camera::process(FramePtr f) {
  auto pf = std::make_shared<ProcessedFrame>();
  // The MQTT motion switch and numbers (0.14) act on the live detector.
  if (switches_->motion) {
    motion_.tune(switches_->motion_threshold, switches_->motion_contour_area, switches_->improve_contrast);
    pf->motion_boxes = motion_.detect(f->plane[0], f->stride[0]);
  }

  std::set<std::string> held;
  CoastPlan plan;
  std::vector<Detection> detections;
  if (detector_ && switches_->detect) {
    // Stationary objects add no region on their held frames (pipeline.md §7.4).
    held = objects_.held_ids(f->time, pf->motion_boxes);
    // Confirmed moving objects whose motion is explained coast on their prediction
    // between detections (tracking/coasting.h).
    plan = plan_coasting(tracker_, objects_, held, pf->motion_boxes, cfg_.coast_frames);
    std::vector<Box> tracked;
    for (const auto& [id, o] : objects_.objects())
      if (!held.count(id) && !plan.coast.count(id) && !plan.lost.count(id)) tracked.push_back(o.box);
    // While motion detection warms up it sees nothing, yet objects may already be in
    // view (start-up, reconnect): the whole frame counts as moving (vigil).
    auto regions = select_regions(region_mode_, cfg_.width, cfg_.height, plan.motion, tracked, pool_->input_width(),
                                  !pool_->needs_native_scale(), motion_.warming_up());
    drop_covered(plan, tracker_, regions);
    // A shrunken whole-frame pass is checked against motion it did not explain.
    bool whole_frame = regions.size() == 1 && regions[0].width() > pool_->input_width() * 3 / 2;
    FrameDetections fd = detector_->detect(*f, regions, whole_frame ? pf->motion_boxes : std::vector<Box>{});
    double now = clock_.mono();
    for (int i = 0; i < fd.calls; ++i) detection_fps_.tick(now);
    detector_calls_ += fd.calls;
    detections = std::move(fd.detections);
    pf->regions = std::move(fd.regions);
    if (!detections.empty()) {
      const std::shared_ptr<const cv::Mat> bgr = f->bgr();  // converted once, for detection
      for (Detection& d : detections) {
        d.appearance = describe_appearance(*bgr, d.box);
        if (cfg_.coast_frames > 0) d.patch = luma_patch(f->plane[0], f->stride[0], cfg_.width, cfg_.height, d.box);
      }
    }
  }
  // With detection off the tracker still runs (with nothing), so objects age out (§6).
  tracker_.update(f->time, detections, held, plan.coast);
  // Coasting objects are looked for where they are now (their last patch, near the
  // prediction) rather than only assumed there.
  for (const Track& t : tracker_.tracks())
    if (t.coasting)
      if (auto at = find_patch(f->plane[0], f->stride[0], cfg_.width, cfg_.height, t.det, Tracker::position(t)))
        tracker_.place(t.id, *at);
  std::vector<TrackedObject> ended = objects_.update(tracker_, f, held);
  auto messages = lifecycle_.update(f->time, objects_, ended);
  if (event_sink_ && !messages.empty()) event_sink_(std::move(messages));
  last_frame_time_ = f->time;

  for (const auto& [id, o] : objects_.objects())
    pf->objects.push_back(
        {o.id, o.label, o.score, o.box, o.area, o.matched, o.coasting, o.true_positive, o.stationary, o.current_zones});
  std::vector<TrackedObject> new_best;
  {
    std::lock_guard lock(best_mu_);
    for (const auto& [label, o] : objects_.best_per_label()) {
      if (!o.best) continue;
      auto it = best_.find(label);
      if (it != best_.end() && it->second.frame == o.best->frame && it->second.box == o.best->box) continue;
      best_[label] = *o.best;
      if (summary_observer_) new_best.push_back(o);
    }
    if (keep_track_ids_)
      for (const std::string& id : tracker_.created()) track_ids_.push_back(id);
  }
  if (summary_observer_ || review_ || activity_sink_) {
    FrameSummary summary = summarize_frame(cfg_, f->time, objects_.objects());
    summary.motion = !pf->motion_boxes.empty();
    if (activity_sink_) {
      double motion_area = 0;  // as Frigate's area(): inclusive pixel bounds
      for (const Box& b : pf->motion_boxes) motion_area += double(b.width() + 1) * (b.height() + 1);
      if (auto done = activity_.add(f->time, motion_area, (long long)summary.active.size()))
        activity_sink_(std::move(*done));
    }
    summary.new_best = std::move(new_best);
    if (review_) {
      auto reviews = review_->update(f->time, summary.active, f, switches_->recordings, switches_->review_alerts,
                                     switches_->review_detections);
      if (!reviews.empty()) review_sink_(std::move(reviews));
    }
    if (summary_observer_) summary_observer_(summary);
  }
  pf->frame = std::move(f);
  if (observer_) observer_(*pf);
  ProcessedFramePtr previous;
  {
    std::lock_guard lock(latest_mu_);
    previous = std::exchange(latest_, std::move(pf));
  }
  // Live view has moved on: the previous frame keeps its YUV only (best images may hold
  // it for minutes; a snapshot of it converts again).
  previous->frame->drop_bgr();
  frames_processed_++;
  process_fps_.tick(clock_.mono());
}

std::optional<Thumbnail> Camera::best(const std::string& label) const {
  std::lock_guard lock(best_mu_);
  auto it = best_.find(label);
  if (it == best_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Camera::all_track_ids() const {
  std::lock_guard lock(best_mu_);
  return track_ids_;
}

ProcessedFramePtr Camera::latest() const {
  std::lock_guard lock(latest_mu_);
  return latest_;
}

CameraStats Camera::stats() {
  double now = clock_.mono();
  CameraStats s;
  s.camera_fps = round2(camera_fps_.rate(now));
  s.skipped_fps = round2(skipped_fps_.rate(now));
  s.process_fps = round2(process_fps_.rate(now));
  s.detection_fps = round2(detection_fps_.rate(now));
  s.pid = tid_;
  s.capture_pid = capture_->thread_id();
  s.input_failures = capture_->failures();
  for (const auto& c : copy_captures_) s.input_failures += c->failures();
  if (recorder_) s.recording_failures = recorder_->failures();
  if (recording_writer_) s.recording_gaps = recording_writer_->stats().gaps;
  if (cache_writer_) s.clip_cache_gaps = cache_writer_->stats().gaps;
  s.shedding = shedding_;
  s.frames_skipped = frames_skipped_;
  return s;
}

}  // namespace vigil
