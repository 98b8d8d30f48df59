#include "storage/segment_index.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "storage/media_layout.h"
#include "util/log.h"

namespace vigil {

namespace fs = std::filesystem;

namespace {

struct FileFacts {
  uint64_t bytes = 0;
  double mtime = 0;
};

std::optional<FileFacts> facts_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileFacts{uint64_t(st.st_blocks) * 512, double(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9};
}

std::vector<std::string> split(const fs::path& rel) {
  std::vector<std::string> parts;
  for (const auto& p : rel) parts.push_back(p.string());
  return parts;
}

// The camera of a path relative to recordings/ when it has a segment's shape
// (YYYY-MM/DD/HH/<camera>/<name>.mp4, no dot-part); nullopt otherwise.
std::optional<std::string> segment_camera(const std::vector<std::string>& parts) {
  if (parts.size() != 5 || !parts[4].ends_with(".mp4")) return std::nullopt;
  for (const std::string& p : parts)
    if (p.empty() || p[0] == '.') return std::nullopt;
  return parts[3];
}

}  // namespace

std::optional<uint64_t> allocated_bytes(const std::string& path) {
  std::optional<FileFacts> f = facts_of(path);
  if (!f) return std::nullopt;
  return f->bytes;
}

SegmentIndex::SegmentIndex(RecordingRoots roots) : roots_(std::move(roots)) {}

size_t SegmentIndex::load() {
  // The walk runs without the lock: recorders may add meanwhile; insert() dedupes.
  // Highest tier first, so a segment left on two tiers is counted where a move put it.
  std::vector<std::pair<std::string, IndexedSegment>> found;
  for (size_t tier = roots_.size(); tier-- > 0;) {
    const std::string& dir_ = roots_[tier];
    std::error_code ec;
    if (fs::is_directory(dir_, ec)) {
      fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code dec;
        if (!name.empty() && name[0] == '.') {
          if (it->is_directory(dec)) it.disable_recursion_pending();  // private work folder
          continue;
        }
        if (it->is_directory(dec)) continue;
        const std::string rel = it->path().lexically_relative(dir_).string();
        const std::vector<std::string> parts = split(rel);
        std::optional<std::string> camera = segment_camera(parts);
        if (!camera) continue;
        std::optional<FileFacts> f = facts_of(it->path().string());
        if (!f) continue;  // vanished meanwhile
        std::optional<RecordingSegmentName> n = RecordingSegmentName::parse(parts);
        const double start = n ? n->start() : f->mtime;
        found.push_back({*camera, IndexedSegment{start, std::max(start, f->mtime), f->bytes, rel, tier}});
      }
      if (ec) logger("vigil.storage")->warn("recordings index: cannot list {}: {}", dir_, ec.message());
    }
  }
  size_t n = 0;
  for (auto& [camera, s] : found) n += insert(camera, std::move(s));
  return n;
}

bool SegmentIndex::add_file(const std::string& path, double start, double end) {
  std::optional<std::pair<size_t, std::string>> where = roots_.split(path);
  if (!where) return false;
  const std::string& rel = where->second;
  std::optional<std::string> camera = segment_camera(split(rel));
  if (!camera) return false;
  std::optional<FileFacts> f = facts_of(path);
  if (!f) return false;
  return insert(*camera, IndexedSegment{start, std::max(start, end), f->bytes, rel, where->first});
}

bool SegmentIndex::insert(const std::string& camera, IndexedSegment s) {
  std::lock_guard lock(mu_);
  Camera& c = cams_[camera];
  const uint64_t bytes = s.bytes;
  if (!c.segments.insert(std::move(s)).second) return false;
  c.bytes += bytes;
  return true;
}

bool SegmentIndex::erase(const std::string& camera, const IndexedSegment& s) {
  std::lock_guard lock(mu_);
  auto c = cams_.find(camera);
  if (c == cams_.end()) return false;
  auto it = c->second.segments.find(s);
  if (it == c->second.segments.end()) return false;
  c->second.bytes -= it->bytes;
  c->second.segments.erase(it);
  return true;
}

bool SegmentIndex::set_tier(const std::string& camera, const IndexedSegment& s, size_t tier) {
  std::lock_guard lock(mu_);
  auto c = cams_.find(camera);
  if (c == cams_.end()) return false;
  auto it = c->second.segments.find(s);
  if (it == c->second.segments.end()) return false;
  it->tier = tier;
  return true;
}

std::vector<IndexedSegment> SegmentIndex::on_tier_ended_before(const std::string& camera, size_t tier, double t,
                                                               size_t n) const {
  std::vector<IndexedSegment> out;
  std::lock_guard lock(mu_);
  auto c = cams_.find(camera);
  if (c == cams_.end()) return out;
  // Ordered by start; a segment that started after t cannot have ended before it.
  for (auto it = c->second.segments.begin(); it != c->second.segments.end() && it->start < t && out.size() < n; ++it)
    if (it->tier == tier && it->end < t) out.push_back(*it);
  return out;
}

std::vector<IndexedSegment> SegmentIndex::oldest_on_tier(const std::string& camera, size_t tier, size_t n) const {
  std::vector<IndexedSegment> out;
  std::lock_guard lock(mu_);
  auto c = cams_.find(camera);
  if (c == cams_.end()) return out;
  for (auto it = c->second.segments.begin(); it != c->second.segments.end() && out.size() < n; ++it)
    if (it->tier == tier) out.push_back(*it);
  return out;
}

std::vector<uint64_t> SegmentIndex::tier_bytes(const std::string& camera) const {
  std::vector<uint64_t> out(roots_.size(), 0);
  std::lock_guard lock(mu_);
  auto c = cams_.find(camera);
  if (c == cams_.end()) return out;
  for (const IndexedSegment& s : c->second.segments)
    if (s.tier < out.size()) out[s.tier] += s.bytes;
  return out;
}

size_t SegmentIndex::count_on_tier(size_t tier) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [name, c] : cams_)
    for (const IndexedSegment& s : c.segments) n += s.tier == tier;
  return n;
}

std::vector<IndexedSegment> SegmentIndex::oldest(const std::string& camera, size_t n) const {
  std::vector<IndexedSegment> out;
  std::lock_guard lock(mu_);
  auto c = cams_.find(camera);
  if (c == cams_.end()) return out;
  for (auto it = c->second.segments.begin(); it != c->second.segments.end() && out.size() < n; ++it) out.push_back(*it);
  return out;
}

std::vector<IndexedSegment> SegmentIndex::started_before(const std::string& camera, double t, size_t n) const {
  std::vector<IndexedSegment> out;
  std::lock_guard lock(mu_);
  auto c = cams_.find(camera);
  if (c == cams_.end()) return out;
  for (auto it = c->second.segments.begin(); it != c->second.segments.end() && it->start < t && out.size() < n; ++it)
    out.push_back(*it);
  return out;
}

uint64_t SegmentIndex::bytes(const std::string& camera) const {
  std::lock_guard lock(mu_);
  auto c = cams_.find(camera);
  return c == cams_.end() ? 0 : c->second.bytes;
}

CameraUsage SegmentIndex::usage(const std::string& camera, double now) const {
  CameraUsage u;
  std::lock_guard lock(mu_);
  auto c = cams_.find(camera);
  if (c == cams_.end()) return u;
  u.bytes = c->second.bytes;
  u.segments = c->second.segments.size();
  if (!c->second.segments.empty()) u.oldest_start = c->second.segments.begin()->start;
  // The newest segments, from the end, while they ended within the hour (segments are
  // ordered by start; one that ended in the hour started at most a segment before it).
  for (auto it = c->second.segments.rbegin(); it != c->second.segments.rend(); ++it) {
    if (it->end < now - 3600) break;
    u.recent_bytes += it->bytes;
    u.recent_seconds += std::clamp(it->end - it->start, 0.0, 3600.0);  // a copied-in file's mtime may be far off
  }
  return u;
}

std::vector<std::string> SegmentIndex::cameras() const {
  std::vector<std::string> out;
  std::lock_guard lock(mu_);
  for (const auto& [name, c] : cams_)
    if (!c.segments.empty()) out.push_back(name);
  return out;
}

size_t SegmentIndex::size() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [name, c] : cams_) n += c.segments.size();
  return n;
}

}  // namespace vigil
