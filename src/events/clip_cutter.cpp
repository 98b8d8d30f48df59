#include "events/clip_cutter.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "storage/clip_assembler.h"
#include "storage/clip_cache.h"
#include "util/log.h"

namespace vigil {

void ClipCutter::add_cache(std::shared_ptr<ClipCache> cache) {
  std::string camera = cache->camera();
  caches_[camera] = std::move(cache);
}

bool ClipCutter::clips_enabled(const CameraConfig& cam) const {
  if (switches_)
    if (auto it = switches_->find(cam.name); it != switches_->end()) return it->second->clips.load();
  return cam.clips.enabled;
}

bool ClipCutter::wanted(const CameraConfig& cam, const std::string& label,
                        const std::vector<std::string>& zones) const {
  if (!clips_enabled(cam) || !caches_.count(cam.name)) return false;
  const auto& objects = cam.clips.objects;
  if (objects && std::find(objects->begin(), objects->end(), label) == objects->end()) return false;
  return required_zones_met(cam.clips.required_zones, zones);
}

bool ClipCutter::make(const std::string& camera, const std::string& id, ClipSpan s, bool cut) const {
  auto it = caches_.find(camera);
  if (it == caches_.end()) return false;
  if (!cut && gate_ && !gate_()) {
    logger("vigil.events")->warn("event {} of camera {}: no clip, the disk is below its free-space floor", id, camera);
    return false;
  }
  const std::string path = layout_.clip(camera, id);
  ClipResult r = assemble_clip(it->second->segments(s.a, s.b), s.a, s.b, path);
  if (!r.ok) {
    logger("vigil.events")->warn("no cached video for event {} of camera {} ({})", id, camera, r.why);
    return false;
  }
  logger("vigil.events")->debug("clip {} ({:.1f} s)", path, r.duration);
  return true;
}

bool ClipCutter::make_within(const std::string& camera, const std::string& id, ClipSpan s, uint64_t& budget) const {
  const uint64_t need = bytes_between(camera, s);
  if (need == 0 || need > budget) return false;
  if (!make(camera, id, s, true)) return false;
  budget -= need;
  return true;
}

uint64_t ClipCutter::bytes_between(const std::string& camera, ClipSpan s) const {
  auto it = caches_.find(camera);
  return it != caches_.end() ? it->second->bytes_between(s.a, s.b) : 0;
}

std::map<std::string, double> ClipCutter::available() const {
  std::map<std::string, double> out;
  for (const auto& [camera, cache] : caches_) out[camera] = cache->available_until();
  return out;
}

}  // namespace vigil
