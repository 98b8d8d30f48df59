// One camera input opened in-process with libavformat (pipeline.md §2). The capture
// thread (a Worker) runs one connection at a time: a Demuxer reads the input's packets
// (paced, looped), hands them to the packet sink (stream copy) and, on the decoding
// path, to a FrameDecoder that delivers fps-limited YUV 4:2:0 frames at the camera's
// size to the frame sink. After an error, end of file or a 20 s stall the input is
// reopened with backoff; every wait is on the injected clock.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "input/backoff.h"
#include "input/capture_settings.h"
#include "input/demuxer.h"
#include "input/frame.h"
#include "input/frame_decoder.h"
#include "input/libav_log.h"
#include "util/clock.h"
#include "util/worker.h"

namespace spdlog {
class logger;
}

namespace vigil {

class Capture {
 public:
  using FrameSink = std::function<void(FramePtr)>;
  // Every video packet as read (after -re pacing; timestamps kept monotonic across
  // -stream_loop), for stream copy. Called with (nullptr, nullptr) when a connection
  // ends, so a writer can complete its file.
  using PacketSink = vigil::PacketSink;
  // A connection ended for `why`; the next attempt starts once the clock's mono()
  // reaches `retry_at` (fixed before the call: a test on a ManualClock may advance at once).
  using RetryHook = std::function<void(const std::string& why, double retry_at)>;

  Capture(CaptureSettings settings, FrameSink sink, const Clock& clock = SystemClock::instance());
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Call before start().
  void set_packet_sink(PacketSink sink) { packet_sink_ = std::move(sink); }
  // Call before start() (tests).
  void set_retry_hook(RetryHook hook) { retry_hook_ = std::move(hook); }

  void start();
  // Aborts any blocking read or wait and joins the thread.
  void stop();

  int thread_id() const { return tid_.load(); }
  bool connected() const { return connected_.load(); }
  // Connections (or attempts) that ended other than by stop(): each one is retried.
  uint64_t failures() const { return failures_.load(); }

 private:
  void run();
  // Opens the input and reads until it fails; returns why it ended.
  std::string run_connection();
  std::string copy_packets(Demuxer& demux);
  std::string decode_frames(Demuxer& demux);
  // A decoded frame at stream time `t` arrived (before the fps limit).
  void frame_decoded(Demuxer& demux, double t, int width, int height);
  // The connection delivers: log a recovery (or, decoding, the first connection).
  void came_up(const std::string& first_line);
  bool wait_until(double deadline);

  const CaptureSettings s_;
  const FrameSink sink_;
  PacketSink packet_sink_;  // set before start()
  RetryHook retry_hook_;    // set before start()
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  LibavLog libav_log_;  // the libraries' messages about this input (ffmpeg.<camera>.<roles>)

  // Capture thread only (start() and stop() join it):
  Backoff backoff_;
  FrameStamper stamper_;                  // frame times and sequence numbers across connections
  std::set<std::string> warned_options_;  // unused options already reported
  bool was_down_ = false;                 // a loss was logged; log the next recovery
  bool delivered_ = false;                // the current connection has delivered
  double started_mono_ = 0;               // when the current connection first delivered

  std::atomic<bool> connected_{false};  // true while a connection delivers frames
  std::atomic<uint64_t> failures_{0};   // connections that ended other than by stop()
  std::atomic<int> tid_{0};             // Linux thread id of the capture thread
  Worker worker_;                       // the capture thread; its stop aborts reads and waits
};

}  // namespace vigil
