#include "api/media_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

#include "storage/media_layout.h"

namespace vigil {
namespace {

// Camera names (config.md): letters, digits, '_' and '-'.
bool camera_name(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "<camera>-<event id>": camera-name characters, then '-', then the id (digits, '.',
// letters, '-'); starts with no dot.
bool clip_stem(const std::string& s) {
  if (s.empty() || s[0] == '.' || s[0] == '-' || s.find('-') == std::string::npos) return false;
  if (s.back() == '-' || s.back() == '.') return false;
  if (s.find("..") != std::string::npos) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

int openat2_raw(int dirfd, const char* path, uint64_t flags, uint64_t resolve) {
  struct open_how how {};
  how.flags = flags;
  how.resolve = resolve;
  int fd = -1;
  // EAGAIN: a rename elsewhere raced the lookup; the kernel asks for a retry.
  for (int tries = 0; tries < 8; ++tries) {
    fd = int(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
    if (fd >= 0 || (errno != EINTR && errno != EAGAIN)) break;
  }
  return fd;
}

// Files are opened non-blocking (a FIFO would block open) and never as a terminal.
constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;

}  // namespace

bool media_dir_allowed(MediaKind kind, size_t depth, const std::string& name) {
  if (kind == MediaKind::kExports) return false;                         // files only
  if (kind == MediaKind::kClips) return depth == 0 && name == "review";  // review thumbnails (0.14)
  switch (depth) {
    case 0:
      return looks_like_recording_month(name);
    case 1:
    case 2:
      return looks_like_recording_two_digits(name);  // day, hour
    case 3:
      return camera_name(name);
    default:
      return false;
  }
}

bool media_file_allowed(MediaKind kind, size_t depth, const std::string& name) {
  if (kind == MediaKind::kExports) {  // exports/<camera>_<id>.mp4 (storage/export_maker.h)
    const std::string tail = ".mp4";
    if (depth != 0 || !ends_with(name, tail) || name.size() <= tail.size() + 7) return false;
    const std::string stem = name.substr(0, name.size() - tail.size());
    return stem[stem.size() - 7] == '_' && camera_name(stem);
  }
  if (kind == MediaKind::kRecordings) return depth == 4 && looks_like_recording_file(name);
  if (depth == 1) {  // clips/review/thumb-<camera>-<review id>.webp (ha-current.md §7.1)
    const std::string head = "thumb-", tail = ".webp";
    return name.size() > head.size() + tail.size() && name.compare(0, head.size(), head) == 0 &&
           ends_with(name, tail) && clip_stem(name.substr(head.size(), name.size() - head.size() - tail.size()));
  }
  if (depth != 0) return false;
  for (const char* ext : {".jpg", ".mp4", ".png"})
    if (ends_with(name, ext)) return clip_stem(name.substr(0, name.size() - 4));
  return false;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

bool openat2_supported() {
  static const bool supported = [] {
    int fd = openat2_raw(AT_FDCWD, ".", O_PATH | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    if (fd < 0) return false;  // ENOSYS (kernel < 5.6), EPERM (seccomp), E2BIG/EINVAL
    ::close(fd);
    return true;
  }();
  return supported;
}

DatabaseFiles::DatabaseFiles(std::string db_path) {
  if (db_path.empty()) return;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) paths_.push_back(db_path + suffix);
}

std::vector<std::pair<dev_t, ino_t>> DatabaseFiles::current() const {
  std::vector<std::pair<dev_t, ino_t>> ids;
  for (const auto& p : paths_) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) ids.emplace_back(st.st_dev, st.st_ino);
  }
  return ids;
}

bool DatabaseFiles::contains(const std::vector<std::pair<dev_t, ino_t>>& ids, const struct stat& st) {
  for (const auto& [dev, ino] : ids)
    if (dev == st.st_dev && ino == st.st_ino) return true;
  return false;
}

MediaTree::MediaTree(std::string dir, MediaKind kind, std::string db_path, bool use_openat2)
    : dir_(std::move(dir)), kind_(kind), db_(std::move(db_path)), openat2_(use_openat2) {}

// The folder itself may be reached through links (the admin's choice of media_dir).
Fd MediaTree::open_root() const { return Fd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }

Fd MediaTree::open_beneath(int root, const std::vector<std::string>& parts) const {
  if (openat2_) {
    std::string rel;
    for (const auto& p : parts) rel += (rel.empty() ? "" : "/") + p;
    return Fd(
        openat2_raw(root, rel.c_str(), kOpenFlags, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS));
  }
  // Component by component; every name was checked (no '/', no "." or ".."), and
  // O_NOFOLLOW refuses a link at each step.
  Fd cur(::dup(root));
  for (size_t i = 0; cur && i < parts.size(); ++i) {
    const int flags = i + 1 < parts.size() ? (O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY) : kOpenFlags;
    cur = Fd(::openat(cur.get(), parts[i].c_str(), flags));
  }
  return cur;
}

MediaTree::Opened MediaTree::open(const std::vector<std::string>& parts) const {
  Opened out;
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    if (!media_dir_allowed(kind_, i, parts[i]) && !(last && media_file_allowed(kind_, i, parts[i]))) return out;
  }
  Fd root = open_root();
  if (!root) return out;
  Fd fd = parts.empty() ? std::move(root) : open_beneath(root.get(), parts);
  if (!fd || ::fstat(fd.get(), &out.st) != 0) return out;
  const size_t depth = parts.empty() ? 0 : parts.size() - 1;
  if (S_ISDIR(out.st.st_mode)) {
    if (!parts.empty() && !media_dir_allowed(kind_, depth, parts.back())) return out;
  } else if (S_ISREG(out.st.st_mode)) {
    if (parts.empty() || !media_file_allowed(kind_, depth, parts.back())) return out;
    if (DatabaseFiles::contains(db_.current(), out.st)) return out;
  } else {
    return out;
  }
  out.fd = std::move(fd);
  return out;
}

std::vector<MediaTree::Entry> MediaTree::list(const Fd& dir, size_t depth) const {
  std::vector<Entry> out;
  int fd = ::dup(dir.get());
  if (fd < 0) return out;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return out;
  }
  ::rewinddir(d);  // the descriptor shares its position with `dir`
  const auto db = db_.current();
  while (const dirent* de = ::readdir(d)) {
    const std::string name = de->d_name;
    const bool may_dir = media_dir_allowed(kind_, depth, name), may_file = media_file_allowed(kind_, depth, name);
    if (!may_dir && !may_file) continue;
    struct stat st {};
    if (::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    if (S_ISDIR(st.st_mode) && may_dir)
      out.push_back({name, true, st});
    else if (S_ISREG(st.st_mode) && may_file && !DatabaseFiles::contains(db, st))
      out.push_back({name, false, st});
  }
  ::closedir(d);
  return out;
}

}  // namespace vigil
