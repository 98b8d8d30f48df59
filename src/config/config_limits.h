// Internal to src/config: how much a config file may hold. Real configs are a few KB;
// these bound the memory and time of reading a hostile one (issue 11). Each limit is
// reported as a "config error:" line that names it (README, "Configuration").
#pragma once

#include <cstddef>

namespace vigil::cfg {

// Bytes read from the file; a larger file is refused before it is parsed.
inline constexpr size_t kMaxFileBytes = 1024 * 1024;
// Nesting of maps and lists (the top-level map is level 1; `cameras.x.ffmpeg.inputs[0].roles` is 5).
inline constexpr size_t kMaxDepth = 64;
// Values (scalars, maps, lists, keys) in the document once YAML aliases and merge keys
// are expanded: each use of an alias counts its whole node again.
inline constexpr size_t kMaxValues = 100000;
// Text in the document once aliases are expanded (a 1 MiB string used twice counts twice).
inline constexpr size_t kMaxTextBytes = 8 * 1024 * 1024;
// Characters of a YAML file that can start a token in a flow collection: [ ] { } , : ?
// * & ! ' " #. yaml-cpp's scanner queues every token of a nested flow collection
// ([[1,1,…]]) before its parser sees the first one, about 150 bytes each (a megabyte of
// "1," inside "[[…]]" took 227 MB), so their number bounds that memory (~15 MB here).
inline constexpr size_t kMaxYamlPunctuation = 100000;
// Entries of `environment_vars`.
inline constexpr size_t kMaxEnvironmentVars = 1000;
// Largest camera frame side and snapshot height in pixels (16K video is 15360 wide):
// a bigger one would be a multi-gigabyte image.
inline constexpr int kMaxImageSide = 16384;
// Largest network input side of a detector model.
inline constexpr int kMaxModelSide = 4096;
// Highest detection frame rate of a camera.
inline constexpr int kMaxFps = 1000;
// record.max_mb at most 10^9 MB (1 EB): larger is a typo, and bytes stay within 2^63.
inline constexpr double kMaxRecordMb = 1e9;
// Longest piece of user text quoted in a message (keys, values); longer is cut with "...".
inline constexpr size_t kMaxQuotedChars = 200;

}  // namespace vigil::cfg
