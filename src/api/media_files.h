// What /clips/, /recordings/ and /exports/ may serve (http-api.md §5.1): an allow-list of the
// files vigil writes there (storage.md §1), opened beneath the folder without following
// any symbolic link, and never the event database or its -wal, -shm, -journal files,
// whatever their names.
#pragma once

#include <sys/stat.h>

#include <string>
#include <utility>
#include <vector>

namespace vigil {

enum class MediaKind {
  kClips,       // <camera>-<event id>.jpg|.mp4|.png directly in clips/; review/thumb-<camera>-<id>.webp
  kRecordings,  // YYYY-MM/DD/HH/<camera>/MM.SS.mp4
  kExports,     // <camera>_<6 of [a-z0-9]>.mp4 directly in exports/
};

// Name rules by depth below the served folder (0: an entry of the folder itself).
// Dot-files (.pending, .x.tmp, .MM.SS.mp4.part), database files and anything else
// vigil does not write there fail both.
bool media_dir_allowed(MediaKind kind, size_t depth, const std::string& name);
bool media_file_allowed(MediaKind kind, size_t depth, const std::string& name);

// An owned file descriptor (-1: none).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// True when the kernel has openat2 (Linux 5.6+) and it is not filtered (seccomp).
bool openat2_supported();

// The database file and its companions, identified by device and inode (a hard link
// or a second name is the same file). Looked up on every call: SQLite creates and
// removes the companions as it goes.
class DatabaseFiles {
 public:
  explicit DatabaseFiles(std::string db_path);
  std::vector<std::pair<dev_t, ino_t>> current() const;
  static bool contains(const std::vector<std::pair<dev_t, ino_t>>& ids, const struct stat& st);

 private:
  std::vector<std::string> paths_;
};

// One served folder.
class MediaTree {
 public:
  // `use_openat2`: false forces the fallback walk (openat with O_NOFOLLOW on each
  // component), as on kernels without openat2; tests cover both.
  MediaTree(std::string dir, MediaKind kind, std::string db_path, bool use_openat2 = openat2_supported());

  struct Opened {
    Fd fd;
    struct stat st {};
  };
  // Opens the entry at `parts` (path components below the folder; empty: the folder)
  // read-only without following symbolic links. Returns no fd when a name breaks the
  // rules, the entry is missing, a link, neither a folder nor a regular file, or one of
  // the database files.
  Opened open(const std::vector<std::string>& parts) const;

  struct Entry {
    std::string name;
    bool dir;
    struct stat st;
  };
  // The entries of the folder `dir` (opened by open() at `depth` components) that
  // open() would serve or walk into: folders and regular files by the rules, no links.
  std::vector<Entry> list(const Fd& dir, size_t depth) const;

  MediaKind kind() const { return kind_; }

 private:
  Fd open_root() const;
  Fd open_beneath(int root, const std::vector<std::string>& parts) const;

  std::string dir_;
  MediaKind kind_;
  DatabaseFiles db_;
  bool openat2_;
};

}  // namespace vigil
