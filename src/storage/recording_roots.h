// Where the 24/7 recordings live: the recordings/ folder of every storage tier (media_dir
// first, then each `storage.tiers` path, docs/storage.md "Tiers"). A segment keeps its
// path below recordings/ (YYYY-MM/DD/HH/<camera>/MM.SS.mp4) on whichever tier holds it,
// so this is the one lookup every reader goes through (listings, /recordings/ files,
// range clips, /vod playlists, preview GIFs). A value; lookups stat the disk.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vigil {

struct Config;

class RecordingRoots {
 public:
  // One root (tier 0 only). Implicit: a folder is a one-tier set.
  RecordingRoots(std::string recordings_dir) : roots_{std::move(recordings_dir)} {}  // NOLINT
  RecordingRoots(const char* recordings_dir) : roots_{recordings_dir} {}             // NOLINT
  explicit RecordingRoots(std::vector<std::string> roots) : roots_(std::move(roots)) {}
  // media_dir/recordings, then <tier path>/recordings for each configured tier.
  static RecordingRoots of(const Config& cfg);

  const std::vector<std::string>& all() const { return roots_; }
  const std::string& first() const { return roots_.front(); }
  size_t size() const { return roots_.size(); }
  const std::string& operator[](size_t tier) const { return roots_[tier]; }

  // The full path of `rel` (below recordings/) on the first tier holding it as a regular
  // file (during a move both copies are complete and equal); nullopt when none does.
  std::optional<std::string> locate(const std::string& rel) const;
  // Its tier (index into all()), or nullopt.
  std::optional<size_t> tier_of(const std::string& rel) const;
  // The tier whose root `path` is below, and `path` relative to it; nullopt if none.
  std::optional<std::pair<size_t, std::string>> split(const std::string& path) const;

 private:
  std::vector<std::string> roots_;  // never empty; tier order
};

}  // namespace vigil
