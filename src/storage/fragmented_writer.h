// One fragmented MP4 being written by stream copy (storage.md §4.1, §6): one fragment
// per GOP, written and flushed when the next keyframe arrives, so the file is readable
// (and salvageable after a crash) up to its last complete GOP. Shared by the clip cache
// and the 24/7 recorder. Timestamps are rebased so the first packet is at time 0; the
// callers start a new file where the stream's parameters or timeline change
// (stream_format.h), so a file never holds decreasing timestamps.
#pragma once

#include <cstdint>
#include <string>

extern "C" {
#include <libavutil/rational.h>
}

struct AVCodecParameters;
struct AVFormatContext;
struct AVPacket;
struct AVStream;

namespace vigil {

class FragmentedWriter {
 public:
  enum class Result { kSkipped, kWritten, kFragmentFlushed, kError };

  FragmentedWriter() = default;
  ~FragmentedWriter();  // closes the file without finishing it (see finish())
  FragmentedWriter(const FragmentedWriter&) = delete;
  FragmentedWriter& operator=(const FragmentedWriter&) = delete;

  // Creates `path` for packets with these codec parameters and time base; `comment`
  // goes into the file's metadata.
  bool open(const std::string& path, const AVCodecParameters* par, AVRational time_base,
            const std::string& comment = "");
  // Writes a packet. kSkipped: no timestamp, not after the previous one (the muxer
  // needs increasing dts), or not a keyframe while the file is empty;
  // kFragmentFlushed: a keyframe completed the previous GOP's fragment, now on disk.
  Result write(const AVPacket* pkt);
  // Writes the last fragment and the trailer, closes the file. False when nothing was
  // written or writing failed.
  bool finish();
  bool empty() const { return last_dts_ == INT64_MIN; }
  // Why the last open(), write() or finish() failed (libav's message with the step).
  const std::string& error() const { return error_; }

 private:
  bool fail(std::string why);  // keeps `why` in error_; returns false

  AVFormatContext* out_ = nullptr;
  int in_tb_num_ = 1, in_tb_den_ = 1;
  int64_t first_dts_ = INT64_MIN;
  int64_t last_dts_ = INT64_MIN;
  std::string error_;  // the last failure's cause; "" until one
};

// Whether packets of `st` can go into an MP4 file.
bool mp4_can_store(const AVStream* st);

}  // namespace vigil
