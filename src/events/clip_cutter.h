// Event clips cut from the cameras' clip caches (storage.md §4.2, §4.3, §9): whether an
// event wants a clip, writing it to `clips/<camera>-<id>.mp4`, and the caches' sizes
// and pruning. Used by the events thread only (and recovery, before it starts).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/switches.h"
#include "events/clip_scheduler.h"
#include "storage/media_layout.h"

namespace vigil {

class ClipCache;

class ClipCutter {
 public:
  ClipCutter(const Config& cfg, MediaLayout layout) : cfg_(cfg), layout_(std::move(layout)) {}

  // Before the events thread starts.
  void add_cache(std::shared_ptr<ClipCache> cache);
  void set_write_gate(std::function<bool()> gate) { gate_ = std::move(gate); }
  void set_switches(const SwitchesMap* switches) { switches_ = switches; }
  const std::map<std::string, std::shared_ptr<ClipCache>>& caches() const { return caches_; }

  // Clips enabled for the camera now (its runtime switch, else the config).
  bool clips_enabled(const CameraConfig& cam) const;
  // Whether an event of `label` that entered `zones` gets a clip.
  bool wanted(const CameraConfig& cam, const std::string& label, const std::vector<std::string>& zones) const;
  ClipSpan span(const CameraConfig& cam, double start, double end) const {
    return clip_span(cam, cfg_.clips_max_seconds, start, end);
  }
  // Writes the clip of [a, b] from the cache; false (logged with the cause) if none.
  // Unless `cut`, the write gate is asked first.
  bool make(const std::string& camera, const std::string& id, ClipSpan s, bool cut = false) const;
  // The floor's cut: the clip if its cache bytes fit in `budget` (then taken from it).
  bool make_within(const std::string& camera, const std::string& id, ClipSpan s, uint64_t& budget) const;
  // Bytes of `camera`'s cache segments overlapping the span (0 without a cache).
  uint64_t bytes_between(const std::string& camera, ClipSpan s) const;
  // Wall time up to which each cache holds video.
  std::map<std::string, double> available() const;

 private:
  const Config& cfg_;
  const MediaLayout layout_;
  const SwitchesMap* switches_ = nullptr;                     // set before start; may be null
  std::function<bool()> gate_;                                // may a clip be written now; set before start
  std::map<std::string, std::shared_ptr<ClipCache>> caches_;  // by camera; fixed once the thread starts
};

}  // namespace vigil
