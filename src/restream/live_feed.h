// Live video in the browser (issue 13; docs/architecture.md "Live view"): one camera's
// fragmented MP4 stream (restream/live_muxer.h) shared by every viewer of
// GET /live/<camera>.mp4.
//
// The muxer runs while someone watches: the first viewer's join() starts a PacketWriter
// (storage/packet_writer.h: a bounded queue and a thread) that feeds it, the last
// viewer's leave() stops it. The capture thread only hands packets to that writer's
// queue (or returns at once when nobody watches), as it does for the recorder: it never
// waits for the muxer or a viewer.
//
// Each viewer has its own bounded queue of the shared fragments. A viewer that falls
// behind (its queue over Limits::max_bytes, or holding more than Limits::max_seconds
// of video) is CUT: its queue is dropped, its cut hook shuts its connection down, and
// it is counted (vigil_live_viewers_cut_total) and logged once. No other viewer and no
// camera ever waits for it.
//
// A viewer gets the init segment, then fragments beginning at a keyframe: those of the
// current GOP at once (kept for late joiners, so a picture shows without waiting for
// the next keyframe), then every new one. When the input changes (reconnect, new
// parameters) or packets were lost on the way, every viewer's stream ENDS (the page
// reconnects) rather than switching timelines under it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/clock.h"

struct AVPacket;
struct AVStream;

namespace vigil {

class LiveFeed;

// One viewer's side of a live stream; its methods are for the viewer's own (connection)
// thread.
class LiveViewer {
 public:
  explicit LiveViewer(const Clock& clock) : clock_(clock) {}
  // Waits until the stream has begun (an init segment was made at a keyframe) or the
  // clock's mono() reaches `deadline`; true when it has begun.
  bool wait_head(double deadline);
  std::string content_type() const;  // video/mp4; codecs="…" (after wait_head)
  double epoch() const;              // wall time of media time 0 (after wait_head)
  // Waits up to `deadline` (clock mono()) for stream bytes and returns all queued;
  // "" when none came (then ended() may say why).
  std::string take(double deadline);
  // The stream is over for this viewer: cut (too slow), the input changed, or stop.
  bool ended() const;
  bool was_cut() const;
  // Run once, from the muxer thread, when this viewer is cut (e.g. shut its socket
  // down so a write blocked on it returns). Set before the bytes are read.
  void set_cut_hook(std::function<void()> f);

 private:
  friend class LiveFeed;
  struct Item {
    std::shared_ptr<const std::string> bytes;
    double media_time;  // s; the init segment carries the first fragment's
  };
  const Clock& clock_;
  mutable std::mutex mu_;           // guards everything below
  std::condition_variable cv_;      // bytes queued, the head set, or the end
  std::deque<Item> queue_;          // waiting to be sent, oldest first
  size_t queued_bytes_ = 0;         // bytes in queue_
  bool has_head_ = false;           // the init segment was queued (content_type_, epoch_ set)
  bool started_ = false;            // a keyframe's fragment was queued: later fragments may follow
  bool ended_ = false;              // no more bytes will come
  bool cut_ = false;                // ended because it fell behind
  std::string content_type_;        // set with has_head_
  double epoch_ = 0;                // set with has_head_
  std::function<void()> cut_hook_;  // run once when cut
};

// How far a viewer may fall behind, and the muxer's input queue.
struct LiveFeedLimits {
  size_t max_bytes = 4u << 20;      // a viewer's queue: beyond it the viewer is cut
  double max_seconds = 3;           // of video in a viewer's queue: beyond it the viewer is cut
  size_t writer_packets = 512;      // the muxer's input queue (PacketWriter), packets
  size_t writer_bytes = 16u << 20;  // and bytes
};

class LiveFeed {
 public:
  using Limits = LiveFeedLimits;
  static constexpr double kHeadWait = 10;  // s a new viewer waits for the first keyframe (then 503)

  LiveFeed(std::string camera, const Clock& clock = SystemClock::instance(), Limits limits = {});
  ~LiveFeed();  // stop()
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  // Capture thread: the input's packets ((nullptr, nullptr) = its connection ended).
  // Returns at once when nobody watches; otherwise queues.
  void on_packet(const AVPacket* pkt, const AVStream* st);

  // Server threads. A new viewer (the muxer starts with the first).
  std::shared_ptr<LiveViewer> join();
  // The viewer is gone (the muxer stops with the last). Idempotent.
  void leave(const std::shared_ptr<LiveViewer>& viewer);
  // Ends every viewer's stream and stops the muxer (camera stop). Idempotent.
  void stop();

  const std::string& camera() const { return camera_; }
  size_t viewers() const;
  uint64_t viewers_cut() const;

 private:
  class Run;
  friend class Run;
  // From the muxer thread of `run`; ignored when `run` is no longer the current one.
  void set_head(const Run* run, const std::string& init, const std::string& content_type, double epoch);
  void publish(const Run* run, std::shared_ptr<const std::string> bytes, bool key, double media_time);
  void end_stream(const Run* run, const char* why);
  // With mu_ held: queues `item` for `v`; false when `v` overflowed (then cut).
  bool push_locked(LiveViewer& v, const LiveViewer::Item& item);
  void cut_locked(LiveViewer& v);

  const std::string camera_;
  const Clock& clock_;
  const Limits limits_;

  mutable std::mutex mu_;                             // guards the fields below (then a viewer's mu_)
  std::vector<std::shared_ptr<LiveViewer>> viewers_;  // joined and not left
  std::shared_ptr<Run> run_;                          // the muxer while viewers_ is not empty
  bool stopped_ = false;                              // stop() ran: join() gives ended viewers
  bool has_head_ = false;                             // run_ has begun: head_ fields valid
  std::shared_ptr<const std::string> init_;           // run_'s init segment
  std::string content_type_;                          // run_'s MIME type
  double epoch_ = 0;                                  // run_'s wall time of media time 0
  std::vector<LiveViewer::Item> gop_;                 // run_'s fragments since its last keyframe
  size_t gop_bytes_ = 0;                              // bytes in gop_
  uint64_t cut_ = 0;                                  // viewers cut since start

  std::mutex run_mu_;            // guards writer_ (the capture thread's copy is taken under it)
  std::shared_ptr<Run> writer_;  // = run_, for the capture thread
};

}  // namespace vigil
