#include "storage/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "storage/media_layout.h"

namespace vigil {

namespace {

// "<what>: <errno text>" into *why (if asked); false.
bool failed(std::string* why, const char* what, int err) {
  if (why) *why = std::string(what) + ": " + std::strerror(err);
  return false;
}

}  // namespace

bool write_file_atomically(const std::string& path, const std::string& bytes, std::string* why) {
  namespace fs = std::filesystem;
  fs::path final_path(path);
  fs::path dir = final_path.parent_path();
  fs::path tmp = dir / temporary_name(final_path.filename().string());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return failed(why, "open", errno);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      ::unlink(tmp.c_str());
      return failed(why, "write", err);
    }
    done += size_t(n);
  }
  int err = ::fsync(fd) == 0 ? 0 : errno;
  const char* what = "fsync";
  if (::close(fd) != 0 && !err) err = errno, what = "close";
  if (!err && std::rename(tmp.c_str(), final_path.c_str()) != 0) err = errno, what = "rename";
  if (err) {
    ::unlink(tmp.c_str());
    return failed(why, what, err);
  }
  sync_directory(dir.string());
  return true;
}

bool publish_file(const std::string& tmp_path, const std::string& final_path) {
  int fd = ::open(tmp_path.c_str(), O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok || std::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    ::unlink(tmp_path.c_str());
    return false;
  }
  sync_directory(std::filesystem::path(final_path).parent_path().string());
  return true;
}

void sync_directory(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace vigil
