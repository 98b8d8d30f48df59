// Shutdown under load: MJPEG viewers that stopped reading, idle keep-alive connections
// and a half-sent request do not keep vigil from stopping, and it exits cleanly (every
// connection thread joined, none left touching a destroyed server).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness.h"

namespace vigil::test {
namespace {

int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int small = 4096;  // a small receive buffer: the server's writes block soon
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  return fd;
}

// Reads until `needle` has arrived (or the peer closed); true when it arrived.
bool read_until(int fd, const std::string& needle) {
  timeval tv{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  char buf[4096];
  while (got.find(needle) == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    got.append(buf, size_t(n));
  }
  return true;
}

const std::string kCamera = "cameras:\n  front:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
                            "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n"
                            "    width: 768\n    height: 576\n    fps: 5\n";

// Opens 20 MJPEG viewers of camera `front` that each receive their first part, then
// never read again, 5 idle keep-alive connections and one request that never finishes
// its headers. Returns their sockets (empty on failure).
std::vector<int> open_stalled_connections(int port) {
  std::vector<int> fds;
  for (int i = 0; i < 20; ++i) {
    int fd = connect_local(port);
    if (fd < 0) return {};
    fds.push_back(fd);
    const std::string req = "GET /api/front?fps=30&h=576&bbox=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    if (::send(fd, req.data(), req.size(), 0) != ssize_t(req.size()) || !read_until(fd, "--frame")) return {};
  }
  for (int i = 0; i < 5; ++i) fds.push_back(connect_local(port));
  int half = connect_local(port);
  const std::string partial = "GET /api/stats HTTP/1.1\r\nHost: x\r\n";
  ::send(half, partial.data(), partial.size(), 0);
  fds.push_back(half);
  return fds;
}

// SIGTERM, then the exit status (-1: still running after 60 s); prints how long it took.
int terminate(Vigil& v, const char* what) {
  const double t0 = now_mono();
  v.process().signal(SIGTERM);
  const int status = v.process().wait(60);
  std::printf("shutdown with %s: %.2f s\n", what, now_mono() - t0);
  return status;
}

}  // namespace

TEST(Shutdown, StopsCleanlyWithStalledViewersAndIdleConnections) {
  Vigil v(kCamera);
  ASSERT_TRUE(v.wait_ready());
  const std::vector<int> fds = open_stalled_connections(v.port());
  ASSERT_EQ(fds.size(), 26u);
  // The server still answers others while all of those are open.
  ASSERT_EQ(http_get(v.port(), "/api/stats").status, 200);
  const int status = terminate(v, "20 stalled MJPEG viewers and 6 idle connections");
  for (int fd : fds) ::close(fd);
  ASSERT_NE(status, -1) << "vigil did not exit\n" << v.log();
  EXPECT_EQ(status, 0) << "exit status (128 + signal when killed by one)\n" << v.log();
}

// The same with a detector whose inference never returns (a hung accelerator, made by the
// test hook VIGIL_TEST_DETECTOR_HANGS_AFTER): vigil waits for it kStopGrace at most,
// names it, finishes everything else and exits 0 around it.
TEST(Shutdown, StopsWithAHungDetector) {
  setenv("VIGIL_TEST_DETECTOR_HANGS_AFTER", "3", 1);
  Vigil v(kCamera);
  unsetenv("VIGIL_TEST_DETECTOR_HANGS_AFTER");
  ASSERT_TRUE(v.wait_ready());
  ASSERT_TRUE(v.wait_for_log("this inference never returns", 60)) << v.log();
  const std::vector<int> fds = open_stalled_connections(v.port());
  ASSERT_EQ(fds.size(), 26u);
  ASSERT_EQ(http_get(v.port(), "/api/stats").status, 200) << "stats answer with a detector stuck";
  const int status = terminate(v, "a hung detector, 20 stalled MJPEG viewers and 6 idle connections");
  for (int fd : fds) ::close(fd);
  ASSERT_NE(status, -1) << "vigil did not exit\n" << v.log();
  EXPECT_EQ(status, 0) << v.log();
  EXPECT_NE(v.log().find("detector coral still inside an inference after 3 s; exiting without waiting for it"),
            std::string::npos)
      << v.log();
  EXPECT_NE(v.log().find("stopped"), std::string::npos) << v.log();
}

}  // namespace vigil::test
