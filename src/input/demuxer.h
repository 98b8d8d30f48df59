// The reading half of one connection to a camera input (pipeline.md §2), shared by the
// decoding path (FrameDecoder) and the copy-only path (record/clips inputs): opens the
// input with its options and an interrupt callback (stop, stall deadline), reads the
// video stream's packets with -re pacing and -stream_loop, and keeps stream times
// monotonic across loops. One per connection, used on the capture thread only.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "input/capture_settings.h"
#include "input/libav_log.h"
#include "input/realtime_pacer.h"
#include "util/clock.h"

struct AVDictionary;
struct AVFormatContext;
struct AVPacket;
struct AVStream;

namespace vigil {

// Every video packet as read, for stream copy; (nullptr, nullptr) when a connection
// ends, so a writer can complete its file.
using PacketSink = std::function<void(const AVPacket*, const AVStream*)>;

class Demuxer {
 public:
  struct Hooks {
    std::function<bool()> stopping;  // true: abort any blocking call and end the connection
    // Waits until the clock's mono() reaches `deadline`; false when stopped first.
    std::function<bool(double deadline)> wait_until;
  };

  Demuxer(const CaptureSettings& s, const Clock& clock, LibavLog& libav, Hooks hooks);
  ~Demuxer();
  Demuxer(const Demuxer&) = delete;
  Demuxer& operator=(const Demuxer&) = delete;

  // Opens the input and finds its video stream; "" or why it failed (libav's text).
  std::string open();
  // Options the demuxer did not use (the decoder tries them); the caller frees them.
  AVDictionary* take_unused_options();
  const AVStream* stream() const;

  // The next packet of the video stream, paced (-re) and looped (-stream_loop); valid
  // until the next call. At the end of the input it calls `at_end` (a decoder drains)
  // before seeking back. nullptr when the connection ends; why() says why.
  const AVPacket* read(const std::function<void()>& at_end = nullptr);
  const std::string& why() const { return why_; }

  // Stream time of timestamp `ts` (stream time base) with the loop offset added; a
  // missing timestamp follows the last stream time by one frame.
  double stream_time(int64_t ts) const;
  // The current packet's stream time (dts, else pts); none without timestamps.
  std::optional<double> packet_time() const;
  // The latest stream time handed out: the next loop starts one frame after it.
  void set_last_time(double t) { last_stream_time_ = t; }
  // Something arrived (a frame, or a packet on the copy path): the stall deadline restarts.
  void keep_alive() { deadline_ = clock_.mono() + s_.stall_seconds; }
  // Why the connection ends because nothing arrived for stall_seconds, or "".
  std::string stalled() const;
  // Hands the current packet to `sink` with the loop offset added to its timestamps
  // (the packet itself is left unchanged for the decoder).
  void copy_to(const PacketSink& sink) const;

 private:
  static int interrupt_cb(void* self);
  std::string loop_to_start();
  const AVPacket* end(std::string why);

  const CaptureSettings& s_;
  const Clock& clock_;
  LibavLog& libav_;
  const Hooks hooks_;
  AVFormatContext* fmt_ = nullptr;          // the open input (null until open() succeeds)
  AVPacket* pkt_ = nullptr;                 // the packet read() returned last
  AVDictionary* unused_options_ = nullptr;  // left by the demuxer until taken
  int stream_ = -1;                         // index of the video stream
  double time_base_ = 1;                    // seconds per stream time-base unit
  double frame_duration_ = 0.1;             // seconds per frame, from the stream's rate
  double loop_offset_ = 0;                  // seconds added by earlier -stream_loop loops
  double last_stream_time_ = 0;             // set_last_time(): where the next loop starts
  int loops_left_ = 0;                      // -stream_loop count left (-1: forever)
  RealtimePacer pacer_;                     // -re
  double deadline_ = 0;                     // monotonic time at which a blocking call aborts
  std::string why_;                         // why read() ended the connection
};

}  // namespace vigil
