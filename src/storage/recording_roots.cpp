#include "storage/recording_roots.h"

#include <sys/stat.h>

#include "config/config.h"
#include "storage/media_layout.h"

namespace vigil {

RecordingRoots RecordingRoots::of(const Config& cfg) {
  std::vector<std::string> roots{MediaLayout(cfg.media_dir).recordings_dir()};
  for (const auto& t : cfg.storage_tiers) roots.push_back(t.path + "/recordings");
  return RecordingRoots(std::move(roots));
}

std::optional<size_t> RecordingRoots::tier_of(const std::string& rel) const {
  for (size_t i = 0; i < roots_.size(); ++i) {
    struct stat st {};
    if (::stat((roots_[i] + "/" + rel).c_str(), &st) == 0 && S_ISREG(st.st_mode)) return i;
  }
  return std::nullopt;
}

std::optional<std::string> RecordingRoots::locate(const std::string& rel) const {
  std::optional<size_t> t = tier_of(rel);
  if (!t) return std::nullopt;
  return roots_[*t] + "/" + rel;
}

std::optional<std::pair<size_t, std::string>> RecordingRoots::split(const std::string& path) const {
  for (size_t i = 0; i < roots_.size(); ++i) {
    const std::string& r = roots_[i];
    if (path.size() > r.size() + 1 && path.compare(0, r.size(), r) == 0 && path[r.size()] == '/')
      return std::make_pair(i, path.substr(r.size() + 1));
  }
  return std::nullopt;
}

}  // namespace vigil
