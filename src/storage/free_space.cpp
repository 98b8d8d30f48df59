#include "storage/free_space.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <limits>

namespace vigil {
namespace fs = std::filesystem;

uint64_t statvfs_free_bytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return std::numeric_limits<uint64_t>::max();
  return uint64_t(st.f_bavail) * uint64_t(st.f_frsize);
}

std::optional<uint64_t> test_fs_capacity() {
  static const std::optional<uint64_t> cap = []() -> std::optional<uint64_t> {
    const char* v = std::getenv("VIGIL_TEST_FS_CAPACITY_MB");
    if (!v || !*v) return std::nullopt;
    char* end = nullptr;
    const double mb = std::strtod(v, &end);
    if (end == v || mb <= 0) return std::nullopt;
    return uint64_t(mb * 1e6);
  }();
  return cap;
}

uint64_t bytes_used_under(const std::vector<std::string>& roots) {
  constexpr uint64_t kBlock = 4096;
  std::vector<fs::path> uniq;
  for (const std::string& r : roots) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(r, ec);
    if (ec) continue;
    uniq.push_back(p);
  }
  // Drop roots inside another root.
  std::vector<fs::path> top;
  for (const fs::path& p : uniq) {
    bool inside = std::any_of(uniq.begin(), uniq.end(), [&](const fs::path& q) {
      if (q == p) return false;
      auto rel = p.lexically_relative(q);
      return !rel.empty() && *rel.begin() != "..";
    });
    if (!inside && std::find(top.begin(), top.end(), p) == top.end()) top.push_back(p);
  }
  uint64_t total = 0;
  for (const fs::path& root : top) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code sec;
      const fs::file_status st = it->symlink_status(sec);
      if (sec) continue;  // vanished meanwhile
      uint64_t size = kBlock;
      if (fs::is_regular_file(st)) {
        const uint64_t n = it->file_size(sec);
        size = sec ? 0 : (n + kBlock - 1) / kBlock * kBlock;
      }
      total += size;
    }
  }
  return total;
}

FreeSpaceFn free_space_probe(const std::vector<std::string>& roots) {
  const std::optional<uint64_t> cap = test_fs_capacity();
  if (!cap) return statvfs_free_bytes;
  return [cap = *cap, roots](const std::string&) {
    const uint64_t used = bytes_used_under(roots);
    return used >= cap ? 0 : cap - used;
  };
}

}  // namespace vigil
