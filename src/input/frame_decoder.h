// The decoding half of one connection to a camera's detect input (pipeline.md
// §2.2–2.3): opens the stream's decoder (named decoder, hwaccel, decoder options),
// receives its frames, applies the fps limit on stream time, downloads hardware frames,
// converts to YUV 4:2:0 at the camera's size and stamps each frame. One per connection,
// used on the capture thread only.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "input/capture_settings.h"
#include "input/fps_limit.h"
#include "input/frame.h"
#include "input/libav_log.h"
#include "util/clock.h"

struct AVBufferRef;
struct AVCodecContext;
struct AVDictionary;
struct AVFrame;
struct AVPacket;
struct SwsContext;
namespace spdlog {
class logger;
}

namespace vigil {

class Demuxer;

// Frame time and sequence number of a camera's frames, kept across connections.
class FrameStamper {
 public:
  explicit FrameStamper(const Clock& clock) : clock_(clock) {}
  // Frame time: the wall clock, strictly increasing; sequence numbers 1, 2, ...
  void stamp(Frame& f);

 private:
  const Clock& clock_;
  double last_time_ = 0;  // time of the previous frame
  uint64_t seq_ = 0;      // sequence number of the previous frame
};

class FrameDecoder {
 public:
  struct Hooks {
    // Every decoded frame, before the fps limit: its stream time and size.
    std::function<void(double stream_time, int width, int height)> decoded;
    // Every frame that passed the fps limit, converted and stamped.
    std::function<void(FramePtr)> frame;
  };

  FrameDecoder(const CaptureSettings& s, const Demuxer& demux, FrameStamper& stamper, spdlog::logger& log, Hooks hooks);
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  // Opens the decoder with the options the demuxer left (`leftover`, taken) and the
  // decoder options; options nobody used are reported, each key once per `warned`.
  // "" or why it failed (libav's text).
  std::string open(AVDictionary* leftover, std::set<std::string>& warned, LibavLog& libav);
  // "h264 768x576": the decoder and the stream's size (logs).
  std::string describe() const;

  // Sends one packet and hands out every frame the decoder returns; "" or why the
  // connection must end.
  std::string decode(const AVPacket* pkt);
  // End of the input: hands out the frames still in the decoder, ready for the next loop.
  void drain();

 private:
  void receive_frames();
  void deliver(AVFrame* decoded);
  // The decoded picture as YUV 4:2:0 at the camera's size; null when it cannot be.
  AVFrame* convert(AVFrame* decoded);
  void report_unused_options(AVDictionary* leftover, std::set<std::string>& warned);

  const CaptureSettings& s_;
  const Demuxer& demux_;
  FrameStamper& stamper_;
  spdlog::logger& log_;
  const Hooks hooks_;
  FpsLimit fps_;                      // this connection's fps schedule
  AVCodecContext* dec_ = nullptr;     // the open decoder
  AVBufferRef* hw_device_ = nullptr;  // hwaccel device, when one could be created
  SwsContext* sws_ = nullptr;         // scaler, reused while the input's format stays
  AVFrame* frame_ = nullptr;          // the decoder's latest frame
  AVFrame* sw_frame_ = nullptr;       // a hardware frame downloaded to memory
  bool warned_size_ = false;          // the size mismatch was logged
};

}  // namespace vigil
