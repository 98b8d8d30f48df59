// One camera's pipeline: capture thread → 2-frame queue → processing thread (a Worker). The
// processing thread runs motion detection, picks detection regions, asks the shared
// detector pool, tracks objects and keeps their scores, zones and best images, then
// publishes the latest processed frame for live view. A slow processing thread drops
// new frames (counted in skipped_fps) instead of queueing them.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "camera/frame_summary.h"
#include "config/config.h"
#include "config/switches.h"
#include "detect/frame_detector.h"
#include "events/event_lifecycle.h"
#include "input/capture.h"
#include "motion/motion_detector.h"
#include "regions/regions.h"
#include "render/processed_frame.h"
#include "restream/live_feed.h"
#include "review/activity_meter.h"
#include "review/review_maintainer.h"
#include "tracking/objects.h"
#include "tracking/tracker.h"
#include "util/box.h"
#include "util/clock.h"
#include "util/rate_counter.h"
#include "util/worker.h"

namespace vigil {

class DetectorPool;

struct CameraStats {
  double camera_fps = 0, process_fps = 0, skipped_fps = 0, detection_fps = 0;
  int pid = 0, capture_pid = 0;
  // Degraded modes (service.degraded of /api/stats): connections of any of the camera's
  // inputs that failed or were lost (each retried), recording segments that failed.
  uint64_t input_failures = 0, recording_failures = 0;
  // Holes the recorder's and the clip cache's writer threads left when their queue was
  // full (the disk was behind): each is one drop streak up to the next keyframe.
  uint64_t recording_gaps = 0, clip_cache_gaps = 0;
  // Overload (service.shedding): frames the processing thread was too busy for (motion
  // and detection shed them; capture and recording go on), and whether that is
  // happening now (a skip within the last 30 s).
  bool shedding = false;
  uint64_t frames_skipped = 0;
};

class Camera {
 public:
  static constexpr size_t kQueueSize = 2;

  // `pool` may be null: no detection (live view and motion only).
  Camera(const CameraConfig& cfg, DetectorPool* pool, const Clock& clock = SystemClock::instance());
  ~Camera();
  Camera(const Camera&) = delete;
  Camera& operator=(const Camera&) = delete;

  void start();
  void stop();

  const CameraConfig& config() const { return cfg_; }
  const std::string& name() const { return cfg_.name; }
  // The most recently processed frame (never null).
  ProcessedFramePtr latest() const;
  CameraStats stats();
  // The camera's best image of `label` (pipeline.md §8.2), if any.
  std::optional<Thumbnail> best(const std::string& label) const;

  // Runtime switch (MQTT detect/set); the config value is the start value.
  void set_detect_enabled(bool on) { switches_->detect = on; }
  bool detect_enabled() const { return switches_->detect; }
  // The camera's runtime switches (detect, clips, snapshots), shared with the events
  // thread, MQTT and /api/config.
  const std::shared_ptr<CameraSwitches>& switches() const { return switches_; }

  // Offline analysis (tests, benchmarks): the capture waits for the processing thread
  // instead of dropping frames. Call before start().
  void set_lossless(bool on) { lossless_ = on; }
  // Stream copy (storage.md §4, §6): the input with the `record` role into 24/7
  // segments under `recordings_dir` (when record.enabled and the folder is not empty),
  // the input with the `clips` role into `clip_cache` (when given). One connection per
  // input, whatever its roles. `may_write` is asked before each new recording segment
  // (the free-space floor). Call before start().
  // `on_recording` is told of each recording segment published (path, start, end wall
  // times), on the recording writer's thread (the retention index).
  void enable_stream_copy(const std::string& recordings_dir, std::shared_ptr<class ClipCache> clip_cache,
                          std::function<bool()> may_write = nullptr,
                          std::function<void(const std::string&, double, double)> on_recording = nullptr);
  // Restreams the input with the `rtmp` role by stream copy to `<url_base>/<camera>`
  // (when rtmp.enabled), over the same connection as its other roles. Call before start().
  void enable_restream(const std::string& url_base);
  // Serves the camera at rtsp://…/<camera> from `server` (rtsp_restream): the input with
  // the `rtmp` role if any, else `record`, else `detect`, by stream copy over that
  // input's connection. Call before start().
  void enable_rtsp_restream(class RtspRestream& server);

  // The camera's live video for the browser (/live/<camera>.mp4): fed by stream copy of
  // the input with the `rtmp` role if it is read anyway, else `record`, else `detect`
  // (never a connection of its own); its muxer runs only while someone watches.
  LiveFeed& live() { return *live_; }

  // Receives the camera's event messages (new/update/end), on the processing thread.
  // Call before start().
  void set_event_sink(std::function<void(std::vector<EventMessage>)> f) { event_sink_ = std::move(f); }

  // Receives counts and best-object changes after every processed frame (MQTT), on the
  // processing thread. Call before start().
  void set_summary_observer(std::function<void(const FrameSummary&)> f) { summary_observer_ = std::move(f); }

  // Review segments (ha-current.md §7): the camera's ReviewMaintainer runs after every
  // processed frame and hands its messages (new/update/end, thumbnails to write) to
  // `sink` on the processing thread; thumbnails are named below `thumb_dir`. Call before
  // start().
  void set_review_sink(const std::string& thumb_dir, std::function<void(std::vector<ReviewMessage>)> sink);
  // Motion activity (storage/activity_record.h): each 10 s bucket with motion or active
  // objects, handed to `sink` on the processing thread once a frame is past it (the last
  // one at stop). Call before start().
  void set_activity_sink(std::function<void(ActivityBucket)> sink);

  // Called on the processing thread with every processed frame (tests, benchmarks).
  // Call before start().
  void set_frame_observer(std::function<void(const ProcessedFrame&)> f) { observer_ = std::move(f); }
  // Every id the tracker has created so far (tests, benchmarks).
  // Only kept after keep_track_ids() (before start()): a camera that runs for years
  // must not remember every id it ever made.
  std::vector<std::string> all_track_ids() const;
  void keep_track_ids() { keep_track_ids_ = true; }
  uint64_t frames_processed() const { return frames_processed_; }
  uint64_t detector_calls() const { return detector_calls_; }

 private:
  void offer(FramePtr f);          // capture thread
  void frame_skipped(double now);  // capture thread
  void process_loop();             // processing thread
  void process(FramePtr f);
  // Stream-copy consumers of input `index` (recording, restream); start() fans each
  // input's packets out to its sinks over one connection.
  void add_packet_sink(size_t index, Capture::PacketSink sink);
  // The input live_ takes its packets from (start()).
  size_t live_input() const;

  const CameraConfig cfg_;
  const Clock& clock_;
  MotionDetector motion_;
  std::unique_ptr<Capture> capture_;                     // the detect input
  std::vector<std::unique_ptr<Capture>> copy_captures_;  // other inputs (stream copy only)
  std::unique_ptr<class Recorder> recorder_;             // 24/7 recording, if enabled
  std::unique_ptr<class RtmpRestream> restream_;         // RTMP restream, if enabled
  std::unique_ptr<LiveFeed> live_;                       // always made; idle without viewers
  std::shared_ptr<ClipCache> clip_cache_;                // shared with the events thread
  // The writer threads of the recorder and the clip cache (after them: stopped first).
  std::unique_ptr<class PacketWriter> recording_writer_, cache_writer_;
  std::map<size_t, std::vector<Capture::PacketSink>> packet_sinks_;  // input index → sinks
  DetectorPool* pool_;                                               // shared by all cameras; null = no detection
  std::unique_ptr<FrameDetector> detector_;
  const RegionMode region_mode_ = region_mode_from_env();
  Tracker tracker_;
  ObjectStates objects_;  // processing thread only
  std::shared_ptr<CameraSwitches> switches_;
  bool lossless_ = false;
  std::function<void(const ProcessedFrame&)> observer_;
  std::function<void(std::vector<EventMessage>)> event_sink_;
  std::function<void(const FrameSummary&)> summary_observer_;
  EventLifecycle lifecycle_;
  std::optional<ReviewMaintainer> review_;                       // processing thread; set before start()
  std::function<void(std::vector<ReviewMessage>)> review_sink_;  // set before start()
  ActivityMeter activity_;                                       // processing thread
  std::function<void(ActivityBucket)> activity_sink_;            // set before start()
  double last_frame_time_ = 0;                                   // processing thread: frame time of the latest frame

  mutable std::mutex best_mu_;
  std::map<std::string, Thumbnail> best_;  // label → best image; guarded by best_mu_
  std::vector<std::string> track_ids_;     // guarded by best_mu_; filled only when keep_track_ids_
  bool keep_track_ids_ = false;            // set before start()
  std::atomic<uint64_t> frames_processed_{0}, detector_calls_{0};

  std::deque<FramePtr> queue_;  // at most kQueueSize frames waiting; guarded by worker_.mutex()

  mutable std::mutex latest_mu_;
  ProcessedFramePtr latest_;  // guarded by latest_mu_

  RateCounter camera_fps_, skipped_fps_, process_fps_, detection_fps_;
  static constexpr double kShedEndQuiet = 30;      // s without a skip that end a shedding streak
  static constexpr double kShedLogInterval = 600;  // s between streaks logged at warn
  std::atomic<bool> shedding_{false};              // written by the capture thread: in a streak
  std::atomic<uint64_t> frames_skipped_{0};        // frames shed since start
  double last_skip_ = 0, last_shed_start_ = 0;     // capture thread: clock mono() of the last skip, streak start
  double shed_logged_at_ = -1e18;                  // capture thread: streak start last logged at warn
  std::atomic<int> tid_{0};                        // Linux thread id of the processing thread
  // The processing thread. Its mutex guards queue_; notify() wakes it for a new frame
  // and, in lossless mode, the capture thread waiting for room. Last member: stopped
  // (joined) before the state it uses is destroyed.
  Worker worker_;
};

}  // namespace vigil
