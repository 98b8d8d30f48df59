// One camera input opened in-process with libavformat (pipeline.md §2). The capture
// thread reads packets, decodes them, converts to YUV 4:2:0 at the camera's size,
// applies the fps limit, stamps the frame time and hands each frame to a sink. It
// reopens the input with backoff after an error, end of file or a 20 s stall.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "config/config.h"
#include "input/backoff.h"
#include "input/frame.h"
#include "input/libav_log.h"
#include "util/clock.h"

struct AVFrame;
struct AVDictionary;
struct AVPacket;
struct AVStream;
namespace spdlog {
class logger;
}

namespace vigil {

struct CaptureSettings {
  std::string camera;         // camera name (logs)
  InputConfig input;          // path, roles, parsed input options
  int width = 0, height = 0;  // output frame size
  std::optional<double> fps;  // detection frame-rate limit
  double stall_seconds = 20;  // reopen when no frame arrives for this long
  bool decode = true;         // false: packets only (record/clips inputs), no decoder
};

class Capture {
 public:
  using FrameSink = std::function<void(FramePtr)>;
  // Every video packet as read (after -re pacing; timestamps kept monotonic across
  // -stream_loop), for stream copy. Called with (nullptr, nullptr) when a connection
  // ends, so a writer can complete its file.
  using PacketSink = std::function<void(const AVPacket*, const AVStream*)>;

  Capture(CaptureSettings settings, FrameSink sink, const Clock& clock = SystemClock::instance());
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Call before start().
  void set_packet_sink(PacketSink sink) { packet_sink_ = std::move(sink); }

  void start();
  // Aborts any blocking read and joins the thread.
  void stop();

  int thread_id() const { return tid_.load(); }
  bool connected() const { return connected_.load(); }

 private:
  struct Connection;  // libav state of one open input (capture.cpp)
  void run();
  // Opens the input and reads until it fails; returns why it ended.
  std::string run_connection();
  // Waits `seconds` unless stopped first; returns false when stopped.
  bool sleep_for(double seconds);
  void deliver(Connection& c, ::AVFrame* decoded, double stream_time);
  void hand_packet(Connection& c);
  std::string loop_to_start(Connection& c);
  bool pace(Connection& c, double ts);
  std::string read_packets_only(Connection& c);
  static int interrupt_cb(void* self);
  void report_unused_options(struct AVDictionary* leftover);

  CaptureSettings s_;
  FrameSink sink_;
  PacketSink packet_sink_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  LibavLog libav_log_;  // the libraries' messages about this input (ffmpeg.<camera>.<roles>)
  Backoff backoff_;

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;  // wakes sleeps on stop()
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};    // true while a connection delivers frames
  std::atomic<int> tid_{0};               // Linux thread id of the capture thread
  std::atomic<double> deadline_{0};       // monotonic time at which a blocking call aborts
  std::set<std::string> warned_options_;  // unused options already reported
  bool was_down_ = false;                 // a loss was logged; log the next recovery
  double last_frame_time_ = 0;            // frame times are strictly increasing
  uint64_t seq_ = 0;
  double next_due_ = 0;  // fps limit: stream time the next frame is due
  bool have_due_ = false;
};

}  // namespace vigil
