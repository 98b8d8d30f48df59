// Reads the video packets of a cache segment (or any MP4) with their wall times, for
// clip assembly and for indexing segments found at start-up. A fragmented file still
// being written is read up to its last complete fragment.
#pragma once

#include <optional>
#include <string>

struct AVFormatContext;
struct AVPacket;
struct AVStream;

namespace vigil {

class SegmentReader {
 public:
  SegmentReader() = default;
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Opens `path`; false (with `error()`) if it has no readable video stream.
  bool open(const std::string& path);
  const std::string& error() const { return error_; }
  const AVStream* stream() const;
  // Wall time of file time 0 as the cache stored it in the file (metadata), if present.
  std::optional<double> stored_wall0() const;

  // The next video packet (owned by the reader, valid until the next call) and its
  // time in seconds from file time 0; nullptr at the end or on a truncated fragment.
  const AVPacket* next(double* seconds);
  // Duration of `pkt` in seconds (0 when unknown).
  double duration_of(const AVPacket* pkt) const;

 private:
  AVFormatContext* fmt_ = nullptr;
  AVPacket* pkt_ = nullptr;
  int stream_ = -1;
  std::string error_;
};

// Metadata key under which the cache stores a segment's wall0 (µs since the epoch;
// FragmentedWriter's `comment`).
inline constexpr const char* kWall0MetadataKey = "comment";

}  // namespace vigil
