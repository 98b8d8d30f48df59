#include "storage/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "storage/media_layout.h"

namespace vigil {

Status write_file_atomically(const std::string& path, const std::string& bytes) {
  namespace fs = std::filesystem;
  fs::path final_path(path);
  fs::path dir = final_path.parent_path();
  fs::path tmp = dir / temporary_name(final_path.filename().string());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::from_errno("create " + tmp.string());
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;  // write(2) wrote nothing without an error: the disk is full
      Status failed = Status::from_errno("write " + tmp.string());
      ::close(fd);
      ::unlink(tmp.c_str());
      return failed;
    }
    done += size_t(n);
  }
  Status st;
  if (::fsync(fd) != 0) st = Status::from_errno("fsync " + tmp.string());
  if (::close(fd) != 0 && st) st = Status::from_errno("close " + tmp.string());
  if (st && std::rename(tmp.c_str(), final_path.c_str()) != 0) st = Status::from_errno("rename to " + path);
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  sync_directory(dir.string());
  return st;
}

Status publish_file(const std::string& tmp_path, const std::string& final_path) {
  Status st;
  int fd = ::open(tmp_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) st = Status::from_errno("open " + tmp_path);
  if (st && ::fsync(fd) != 0) st = Status::from_errno("fsync " + tmp_path);
  if (fd >= 0) ::close(fd);
  if (st && std::rename(tmp_path.c_str(), final_path.c_str()) != 0) st = Status::from_errno("rename to " + final_path);
  if (!st) {
    ::unlink(tmp_path.c_str());
    return st;
  }
  sync_directory(std::filesystem::path(final_path).parent_path().string());
  return st;
}

void sync_directory(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace vigil
