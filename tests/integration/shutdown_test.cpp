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

}  // namespace

TEST(Shutdown, StopsCleanlyWithStalledViewersAndIdleConnections) {
  Vigil v("cameras:\n  front:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n"
          "    width: 768\n    height: 576\n    fps: 5\n");
  ASSERT_TRUE(v.wait_ready());

  std::vector<int> fds;
  // 20 MJPEG viewers: each receives its first part, then never reads again.
  for (int i = 0; i < 20; ++i) {
    int fd = connect_local(v.port());
    ASSERT_GE(fd, 0);
    const std::string req = "GET /api/front?fps=30&h=576&bbox=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(fd, req.data(), req.size(), 0), ssize_t(req.size()));
    ASSERT_TRUE(read_until(fd, "--frame")) << "viewer " << i << " got no part";
    fds.push_back(fd);
  }
  // Idle keep-alive connections and one request that never finishes its headers.
  for (int i = 0; i < 5; ++i) {
    int fd = connect_local(v.port());
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  int half = connect_local(v.port());
  ASSERT_GE(half, 0);
  const std::string partial = "GET /api/stats HTTP/1.1\r\nHost: x\r\n";
  ::send(half, partial.data(), partial.size(), 0);
  fds.push_back(half);
  // The server still answers others while all of those are open.
  ASSERT_EQ(http_get(v.port(), "/api/stats").status, 200);

  const double t0 = now_mono();
  v.process().signal(SIGTERM);
  const int status = v.process().wait(60);
  const double took = now_mono() - t0;
  std::printf("shutdown with 20 stalled MJPEG viewers and 6 idle connections: %.2f s\n", took);
  for (int fd : fds) ::close(fd);
  ASSERT_NE(status, -1) << "vigil did not exit\n" << v.log();
  EXPECT_EQ(status, 0) << "exit status (128 + signal when killed by one)\n" << v.log();
}

}  // namespace vigil::test
