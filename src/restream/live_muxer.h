// The live view's fragmented MP4 (issue 13), written by libavformat into memory: an init
// segment (ftyp + moov, empty_moov) and then ONE FRAGMENT PER FRAME (moof + mdat,
// default_base_moof), so a frame leaves vigil as soon as the next one arrives — a frame
// of delay, where a fragment per GOP would add the whole GOP (2 s on the test camera).
// A packet is held until the next one: its duration is then exact (the dts difference;
// RTSP packets carry none), and the fragment's samples line up with the next fragment's
// start without gaps, which Media Source Extensions need to play on.
// Not thread-safe: one muxer thread drives it (restream/live_feed.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

extern "C" {
#include <libavutil/rational.h>
}

struct AVCodecParameters;
struct AVFormatContext;
struct AVIOContext;
struct AVPacket;

namespace vigil {

class LiveMuxer {
 public:
  struct Fragment {
    std::string bytes;      // moof + mdat
    bool key = false;       // starts with a keyframe: a viewer may begin here
    double media_time = 0;  // s, the fragment's decode time (0 = the muxer's first keyframe)
  };

  LiveMuxer() = default;
  ~LiveMuxer();
  LiveMuxer(const LiveMuxer&) = delete;
  LiveMuxer& operator=(const LiveMuxer&) = delete;

  // Starts a stream with these codec parameters and packet time base; init() then holds
  // its init segment. False (error() says why) when libavformat refuses.
  bool open(const AVCodecParameters* par, AVRational time_base);
  bool is_open() const { return out_ != nullptr; }
  const std::string& init() const { return init_; }
  // Takes a packet; returns the fragment of the packet held before it, when there was
  // one. Packets before the first keyframe, without a timestamp, or not after the held
  // one are dropped (returns nothing).
  std::optional<Fragment> write(const AVPacket* pkt);
  // Whether a keyframe was taken (the stream has begun: media time 0 is set).
  bool started() const { return first_dts_ != INT64_MIN; }
  // s between the first keyframe's decode time (media time 0) and its presentation
  // time (the reorder delay of B-frames): the frame presented at media time t arrived
  // at (first keyframe's arrival) − lead() + t.
  double lead() const { return lead_; }
  const std::string& error() const { return error_; }

 private:
  static int on_write(void* opaque, uint8_t* buf, int size);
  void close();

  AVFormatContext* out_ = nullptr;  // the mp4 muxer; null until open() succeeds
  AVIOContext* io_ = nullptr;       // its in-memory output, appending to bytes_
  std::string bytes_;               // written by the muxer since last taken
  std::string init_;                // ftyp + moov, fixed after open()
  AVRational tb_{1, 1};             // the packets' time base
  AVPacket* held_ = nullptr;        // the last packet taken, not yet written (its duration unknown)
  int64_t first_dts_ = INT64_MIN;   // dts of the first keyframe: media time 0
  double lead_ = 0;                 // s, the first keyframe's pts − dts
  std::string error_;               // why the last open() or write() failed
};

// The `codecs` parameter of an MP4's MIME type (RFC 6381) for these parameters, as
// MediaSource.isTypeSupported wants it: "avc1.PPCCLL" from the H.264 SPS (avcC or
// Annex B extradata), "hvc1" for H.265; "" for anything else or no SPS.
std::string mp4_codecs_param(const AVCodecParameters* par);

}  // namespace vigil
