// The codec parameters and timeline of a stream-copied input as its packets carry them
// (storage.md §4.1, §6). The demuxer describes the stream once, at connection time, but
// a camera that is reconfigured sends new parameter sets (H.264/HEVC SPS/PPS: another
// size or profile) in band, and its timestamps usually restart. A file holds one set of
// codec parameters and increasing timestamps, so the recorder and the clip cache start
// a new file where either changes, with the parameters followed here.
#pragma once

#include <cstdint>
#include <string>

extern "C" {
#include <libavutil/rational.h>
}

struct AVBSFContext;
struct AVCodecContext;
struct AVCodecParameters;
struct AVCodecParserContext;
struct AVPacket;
struct AVStream;

namespace vigil {

class StreamFormat {
 public:
  enum class Change {
    kNone,
    kParameters,      // a keyframe brought parameter sets unlike the previous ones
    kTimeJumpedBack,  // dts went back (the camera restarted its clock)
  };

  StreamFormat() = default;
  ~StreamFormat();
  StreamFormat(const StreamFormat&) = delete;
  StreamFormat& operator=(const StreamFormat&) = delete;

  // Follows a packet of `st` (the input's stream for this connection).
  Change follow(const AVPacket* pkt, const AVStream* st);
  // Parameters for a file starting at the last packet followed: the stream's, with the
  // latest in-band parameter sets and the size they give. Null before the first packet.
  const AVCodecParameters* params() const { return par_; }
  AVRational time_base() const { return time_base_; }
  // The connection ended; the next packet starts afresh.
  void reset();

 private:
  void start(const AVStream* st);
  // The parameter sets keyframe `pkt` carries or announces ("" when none).
  std::string parameter_sets(const AVPacket* pkt);
  void apply(const std::string& sets, const AVPacket* pkt);

  const AVStream* stream_ = nullptr;  // the stream followed (changes with each connection)
  AVCodecParameters* par_ = nullptr;
  AVRational time_base_{1, 1};
  AVBSFContext* extract_ = nullptr;  // extract_extradata; null for codecs it does not know
  AVCodecParserContext* parser_ = nullptr;
  AVCodecContext* parser_ctx_ = nullptr;
  std::string sets_;  // parameter sets seen last (the demuxer's at first)
  int64_t last_dts_ = INT64_MIN;
};

}  // namespace vigil
