// Pure helpers of the media proxy routes (api/media_proxy_routes.h): the Range header
// of a response whose size is known, and the Unix times of a recording clip's URL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vigil {

struct ByteRangeAnswer {
  enum Kind {
    kWhole,          // 200 with the whole body: no Range, several ranges, or not `bytes=`
    kPartial,        // 206 with [first, last]
    kUnsatisfiable,  // 416 with `Content-Range: bytes */size`
  } kind = kWhole;
  uint64_t first = 0, last = 0;  // inclusive, when kPartial
};

// RFC 7233 §2.1 for one range: "bytes=a-b", "bytes=a-", "bytes=-n" against `size`.
// A header that is not a single well-formed byte range is ignored (kWhole), as
// RFC 7233 §3.1 allows.
ByteRangeAnswer answer_range(const std::string& header, uint64_t size);

// "bytes first-last/size"
std::string content_range(const ByteRangeAnswer& r, uint64_t size);

// A Unix time in a URL path: digits with an optional fraction ("1700000000",
// "1700000000.25"; Home Assistant sends Python's float str()). Nothing else (no sign,
// exponent, spaces, inf or nan).
std::optional<double> parse_unix_time(const std::string& s);

// Longest recording clip served (GET /api/<camera>/start/<s>/end/<e>/clip.mp4).
inline constexpr double kMaxRecordingClipSeconds = 2 * 3600;

// "" when [start, end] is a range a recording clip may have, else why not (for a 400).
std::string clip_range_error(double start, double end, double max_seconds = kMaxRecordingClipSeconds);

}  // namespace vigil
