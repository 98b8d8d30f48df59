// LD_PRELOAD shim that makes a folder's disk slow or stop answering, for the fault
// tests and the overload bench (a slow disk without root, FUSE or dm-delay).
//
//   VIGIL_TEST_SLOW_DISK_DIR=/abs/path   files below it are affected (absolute, no symlinks)
//   VIGIL_TEST_SLOW_DISK_MS=N            each write/fsync to them takes N ms more
//   VIGIL_TEST_DISK_HOLD=/abs/file       while that file exists, writes and fsyncs to them
//                                        block; the first blocked call creates <file>.held
//
// Only write, pwrite, writev, fsync and fdatasync are delayed: what libavformat's file
// protocol, libstdc++ streams and vigil's fsyncs use.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

void pause_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

// True when `fd` is a file below the slow folder.
bool affected(int fd) {
  static const char* dir = env("VIGIL_TEST_SLOW_DISK_DIR");
  if (!dir || fd < 0) return false;
  char link[64], path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = 0;
  const size_t len = std::strlen(dir);
  return std::strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == 0);
}

// The disk's answer time for one call on `fd` (only what the environment asks for).
void slow_down(int fd) {
  if (!affected(fd)) return;
  static const char* ms = env("VIGIL_TEST_SLOW_DISK_MS");
  if (ms) pause_ms(std::atol(ms));
  static const char* hold = env("VIGIL_TEST_DISK_HOLD");
  if (!hold) return;
  bool marked = false;
  while (access(hold, F_OK) == 0) {
    if (!marked) {
      marked = true;
      char held[4200];
      std::snprintf(held, sizeof held, "%s.held", hold);
      const int m = open(held, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (m >= 0) close(m);
    }
    pause_ms(20);
  }
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t count) {
  static auto real = next<ssize_t (*)(int, const void*, size_t)>("write");
  slow_down(fd);
  return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  slow_down(fd);
  return real(fd, buf, count, offset);
}

ssize_t writev(int fd, const iovec* iov, int iovcnt) {
  static auto real = next<ssize_t (*)(int, const iovec*, int)>("writev");
  slow_down(fd);
  return real(fd, iov, iovcnt);
}

int fsync(int fd) {
  static auto real = next<int (*)(int)>("fsync");
  slow_down(fd);
  return real(fd);
}

int fdatasync(int fd) {
  static auto real = next<int (*)(int)>("fdatasync");
  slow_down(fd);
  return real(fd);
}
}
