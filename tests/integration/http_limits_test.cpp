// Issue #11 against the real binary: HTTP input cannot crash, hang or exhaust threads or
// file descriptors. Viewers that vanish free their thread and descriptor whatever their
// fps; idle and slow-header clients hold no thread and do not hold up the API; beyond the thread cap a
// request gets 503 at once; each size and time limit answers its 4xx; malformed requests
// never get a 5xx.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;

int count_entries(pid_t pid, const char* what) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/" + what).c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}
int threads_of(pid_t pid) { return count_entries(pid, "task"); }
int fds_of(pid_t pid) { return count_entries(pid, "fd"); }

bool send_all(int fd, const std::string& data) {
  for (size_t off = 0; off < data.size();) {
    const ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += size_t(n);
  }
  return true;
}

// Reads until `done(received)` or the connection ends (or 5 s without a byte).
std::string read_until(int fd, const std::function<bool(const std::string&)>& done) {
  std::string out;
  char buf[16384];
  while (!done(out)) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}
std::string read_all(int fd) {
  return read_until(fd, [](const std::string&) { return false; });
}

// The request sent byte for byte on a fresh connection; the whole response ("" when the
// server closed without one). `half_close`: the client then says it sends no more (so
// an incomplete request ends at once instead of at the head deadline).
std::string raw_request(int port, const std::string& request, bool half_close = false) {
  const int fd = connect_to(port);
  if (fd < 0) return "";
  send_all(fd, request);
  if (half_close) shutdown(fd, SHUT_WR);
  std::string r = read_all(fd);
  close(fd);
  return r;
}
int status_of(const std::string& response) {
  return response.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(response.substr(9, 3)) : 0;
}
std::string body_of(const std::string& response) {
  const size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}
// A JSON error body: {"message": …, "success": false}.
bool is_json_error(const std::string& response) {
  const auto j = nlohmann::json::parse(body_of(response), nullptr, false);
  return response.find("Content-Type: application/json") != std::string::npos && j.is_object() &&
         j.value("success", true) == false && j.contains("message");
}

// A literal with NUL bytes, all of it.
template <size_t N>
std::string bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

std::string camera_yaml(const std::string& name) {
  return "cameras:\n  " + name + ":\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
         "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n"
         "    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n";
}

// Connections open as vigil counts them (/api/stats), the asking one included; -1 when
// it does not answer.
int open_connections(int port) {
  const auto s = nlohmann::json::parse(http_get(port, "/api/stats").body, nullptr, false);
  return s.is_object() ? s["service"]["http"]["open_connections"].get<int>() : -1;
}

// Waits until vigil's thread and descriptor counts are back within `margin` of a baseline.
bool back_to(pid_t pid, int threads, int fds, int margin) {
  return eventually([&] { return threads_of(pid) <= threads + margin && fds_of(pid) <= fds + margin; }, 20);
}

// `n` MJPEG viewers at fps=0.01 that each read their first part; their sockets.
std::vector<int> slow_viewers(int port, const std::string& camera, int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    const int fd = connect_to(port);
    if (fd < 0 || !send_all(fd, "GET /api/" + camera + "?fps=0.01 HTTP/1.1\r\nHost: x\r\n\r\n")) break;
    fds.push_back(fd);
  }
  for (int fd : fds) {  // the first part: headers, a boundary, a whole JPEG
    read_until(fd, [](const std::string& s) {
      const size_t b = s.find("--frame");
      return b != std::string::npos && s.find("\xff\xd9\r\n\r\n", b) != std::string::npos;
    });
  }
  return fds;
}

TEST(HttpLimits, VanishedSlowViewersFreeTheirThreadsAndDescriptors) {
  Vigil v(camera_yaml("cam"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_EQ(http_get(v.port(), "/api/stats").status, 200);
  const pid_t pid = v.process().pid();
  const int threads0 = threads_of(pid), fds0 = fds_of(pid);

  constexpr int kViewers = 300;
  std::vector<int> viewers = slow_viewers(v.port(), "cam", kViewers);
  ASSERT_EQ(int(viewers.size()), kViewers);
  // Each stream holds a thread and a descriptor while its viewer is there.
  // (a few of vigil's own threads and descriptors come and go meanwhile)
  EXPECT_GE(threads_of(pid), threads0 + kViewers - 5)
      << "the streams did not hold their threads: the test measures nothing";
  EXPECT_GE(fds_of(pid), fds0 + kViewers - 5);
  for (int fd : viewers) close(fd);  // the viewers vanish; their next part is 100 s away

  EXPECT_TRUE(back_to(pid, threads0, fds0, 4))
      << "threads " << threads0 << " → " << threads_of(pid) << ", fds " << fds0 << " → " << fds_of(pid);
  int ok = 0;
  for (int i = 0; i < 50; ++i) ok += http_get(v.port(), i % 2 ? "/api/stats" : "/api/events", 5).status == 200;
  EXPECT_EQ(ok, 50);
}

TEST(HttpLimits, IdleAndSlowHeaderClientsDoNotHoldUpTheApi) {
  Vigil v("cameras: {}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const pid_t pid = v.process().pid();
  const int threads0 = threads_of(pid);
  std::vector<int> idle, slow;
  for (int i = 0; i < 1000; ++i) {
    const int fd = connect_to(v.port());
    ASSERT_GE(fd, 0) << "connection " << i;
    idle.push_back(fd);
  }
  // More slow-header clients than there are connection threads: their heads are
  // gathered by the poller, so they hold none.
  for (int i = 0; i < 600; ++i) {
    const int fd = connect_to(v.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, "GET /api/stats HTTP/1.1\r\nHost: x\r\nX-Slow: "));
    slow.push_back(fd);
  }
  // Once vigil has taken them all (the asking connection included)…
  ASSERT_TRUE(eventually([&] { return open_connections(v.port()) >= 1601; })) << open_connections(v.port());
  EXPECT_LT(threads_of(pid), threads0 + 50) << "idle or slow-header connections hold threads";
  int ok = 0;
  for (int i = 0; i < 40; ++i) ok += http_get(v.port(), i % 2 ? "/api/stats" : "/api/events", 5).status == 200;
  EXPECT_EQ(ok, 40);

  // One more slow client, trickling a byte each half second: cut with 408 once its head
  // has taken 10 s, whatever it keeps sending.
  const int trickle = connect_to(v.port());
  ASSERT_TRUE(send_all(trickle, "GET /api/stats HTTP/1.1\r\nX-Slow: "));
  std::string answer;
  ASSERT_TRUE(poll_until(
      [&] {
        pollfd p{trickle, POLLIN, 0};
        if (poll(&p, 1, 0) > 0) return true;  // the answer (or the close) arrived
        return send_all(trickle, "a") == false;
      },
      30, 0.5));
  answer = read_all(trickle);
  EXPECT_EQ(status_of(answer), 408) << answer;
  EXPECT_TRUE(is_json_error(answer)) << answer;
  for (int fd : slow) EXPECT_EQ(status_of(read_all(fd)), 408);
  for (int fd : idle) close(fd);
  for (int fd : slow) close(fd);
  close(trickle);
}

TEST(HttpLimits, BeyondTheThreadCapA503AtOnceThenServedAgain) {
  Vigil v(camera_yaml("cam"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  std::vector<int> viewers = slow_viewers(v.port(), "cam", 512);  // every connection thread busy
  ASSERT_EQ(viewers.size(), 512u);
  const std::string r = raw_request(v.port(), "GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(r), 503) << r;
  EXPECT_TRUE(is_json_error(r)) << r;
  EXPECT_NE(r.find("Retry-After: "), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  EXPECT_TRUE(v.wait_for_log("connection threads busy")) << "the saturation is logged";

  for (int fd : viewers) close(fd);
  ASSERT_TRUE(eventually([&] { return http_get(v.port(), "/api/stats").status == 200; }));
  const auto s = nlohmann::json::parse(http_get(v.port(), "/api/stats").body);
  EXPECT_GE(s["service"]["http"]["rejected_connections"].get<uint64_t>(), 1u) << s["service"].dump();
}

// Each limit answers its own status with a JSON error, and the server keeps answering.
TEST(HttpLimits, EachLimitAnswersItsStatus) {
  Vigil v("cameras: {}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  std::string many_headers, big_head;
  for (int i = 0; i < 150; ++i) many_headers += "X-H" + std::to_string(i) + ": 1\r\n";
  for (int i = 0; i < 10; ++i) big_head += "X-B" + std::to_string(i) + ": " + std::string(7000, 'b') + "\r\n";
  const struct {
    std::string name, request;
    int status;
  } cases[] = {
      {"request line", "GET /api/?" + std::string(9000, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
      {"request line without end", "GET /api/?" + std::string(70000, 'q'), 414},
      {"header line", "GET /api/ HTTP/1.1\r\nX-Big: " + std::string(9000, 'h') + "\r\n\r\n", 431},
      {"header count", "GET /api/ HTTP/1.1\r\n" + many_headers + "\r\n", 431},
      {"head size", "GET /api/ HTTP/1.1\r\n" + big_head + "\r\n", 431},
      {"declared body", "POST /api/events HTTP/1.1\r\nContent-Length: 10000000000\r\n\r\nxx", 413},
      {"chunked body",
       "POST /api/events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
           [] {
             std::string s;
             for (int i = 0; i < 40; ++i) s += "8000\r\n" + std::string(0x8000, 'c') + "\r\n";
             return s;
           }(),
       413},
  };
  for (const auto& c : cases) {
    const std::string r = raw_request(v.port(), c.request);
    EXPECT_EQ(status_of(r), c.status) << c.name << ": " << r.substr(0, 300);
    EXPECT_TRUE(is_json_error(r)) << c.name << ": " << r.substr(0, 300);
    EXPECT_EQ(http_get(v.port(), "/api/").status, 200) << "after " << c.name;
  }
  const auto s = nlohmann::json::parse(http_get(v.port(), "/api/stats").body);
  EXPECT_GE(s["service"]["http"]["refused_requests"].get<uint64_t>(), 6u) << s["service"].dump();
}

// Malformed requests: a 4xx (or the connection closed), never a 5xx or a crash.
TEST(HttpLimits, MalformedRequestsNeverGetA5xx) {
  const std::string dir = temp_dir();
  Vigil v("cameras: {}\n", dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  fs::create_directories(dir + "/media/clips");
  std::ofstream(dir + "/media/clips/garden-1.jpg") << std::string(1000, 'j');
  std::string many_ranges = "bytes=0-0";
  for (int i = 1; i < 2000; ++i) many_ranges += "," + std::to_string(i) + "-" + std::to_string(i);
  std::string many_params;
  for (int i = 0; i < 1500; ++i) many_params += "a" + std::to_string(i) + "=1&";
  const std::string h = " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  const std::vector<std::string> requests = {
      "FOO /api/ HTTP/1.1\r\n\r\n",
      "GET\r\n\r\n",
      "\r\n\r\n",
      "GET /api/ HTTP/9.9\r\n\r\n",
      "GET /api/ HTTP/1.1 extra\r\n\r\n",
      "GET api/ HTTP/1.1\r\n\r\n",
      "GET http://x/api/ HTTP/1.1\r\n\r\n",
      bytes("GET /api/\0stats HTTP/1.1\r\n\r\n"),
      bytes("GET /api/stats HTTP/1.1\r\nX-Nul: a\0b\r\n\r\n"),
      "GET /api/%zz" + h + "\r\n",
      "GET /api/%" + h + "\r\n",
      "GET /api/events?limit=%ff%fe%00" + h + "\r\n",
      "GET /api/\xff\xfe\xfd/latest.jpg" + h + "\r\n",
      "GET /api/events?label=\xc3\x28&camera=\xed\xa0\x80" + h + "\r\n",
      "GET /api/events/%C0%AE%C0%AE/snapshot.jpg" + h + "\r\n",
      "GET /api/events?" + many_params + h + "\r\n",
      "GET /api/stats?fps=1e999&h=-1" + h + "\r\n",
      "GET /clips/../../../../etc/passwd" + h + "\r\n",
      "GET /clips/%2e%2e/%2e%2e/etc/passwd" + h + "\r\n",
      "GET /recordings/..%2f..%2fetc/passwd" + h + "\r\n",
      "GET /clips/garden-1.jpg" + h + "Range: bytes=99999999999999999999999-\r\n\r\n",
      "GET /clips/garden-1.jpg" + h + "Range: bytes=5-1\r\n\r\n",
      "GET /clips/garden-1.jpg" + h + "Range: bytes=-0\r\n\r\n",
      "GET /clips/garden-1.jpg" + h + "Range: bytes=--5\r\n\r\n",
      "GET /clips/garden-1.jpg" + h + "Range: lines=1-2\r\n\r\n",
      "GET /clips/garden-1.jpg" + h + "Range: " + many_ranges + "\r\n\r\n",
      "GET /api/stats" + h + "Range: bytes=0-1,0-1,0-1\r\n\r\n",
      "GET /api/stats" + h + "Header-Without-Colon\r\n\r\n",
      "GET /api/stats" + h + ": no-name\r\n\r\n",
      "POST /api/events" + h + "Content-Length: -1\r\n\r\n",
      "POST /api/events" + h + "Content-Length: abc\r\n\r\n",
      "POST /api/events" + h + "Transfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n",
      "GET /api/stats HTTP/1.1\nHost: x\n\n",
      "GET /api/stats HTTP/1.0\r\n\r\n",
      bytes("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),  // a TLS hello
      std::string(3000, '\x80'),
  };
  for (const std::string& req : requests) {
    const std::string r = raw_request(v.port(), req, true);
    const int status = status_of(r);
    EXPECT_TRUE(status == 0 || status < 500) << status << " for " << ::testing::PrintToString(req.substr(0, 80));
    EXPECT_FALSE(status == 0 && r.size() > 0) << "not HTTP: " << ::testing::PrintToString(r.substr(0, 80));
    if (status >= 400 && status < 500 && r.find("application/json") != std::string::npos) {
      EXPECT_TRUE(is_json_error(r)) << r.substr(0, 300);
    }
    ASSERT_EQ(http_get(v.port(), "/api/").status, 200)
        << "vigil stopped answering after " << ::testing::PrintToString(req.substr(0, 80)) << "\n"
        << v.log();
  }
  EXPECT_TRUE(v.process().running());
  EXPECT_EQ(v.log().find("connection ended by an error"), std::string::npos) << v.log();
}

// Keep-alive clients hold a descriptor while they are open (idle ones up to 65 s) and
// none once they close.
TEST(HttpLimits, DescriptorsComeBackWhenKeepAliveClientsClose) {
  Vigil v("cameras: {}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_EQ(http_get(v.port(), "/api/stats").status, 200);
  const pid_t pid = v.process().pid();
  const int threads0 = threads_of(pid), fds0 = fds_of(pid);
  std::vector<int> clients;
  for (int i = 0; i < 200; ++i) {
    const int fd = connect_to(v.port());
    ASSERT_GE(fd, 0);
    for (int k = 0; k < 3; ++k) {
      ASSERT_TRUE(send_all(fd, "GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n"));
      const std::string r = read_until(fd, [](const std::string& s) {
        const size_t e = s.find("\r\n\r\n");
        const size_t cl = s.find("Content-Length: ");
        return e != std::string::npos && cl != std::string::npos && s.size() >= e + 4 + std::stoul(s.substr(cl + 16));
      });
      ASSERT_EQ(status_of(r), 200);
    }
    clients.push_back(fd);
  }
  EXPECT_GE(fds_of(pid), fds0 + 200 - 5) << "open keep-alive connections hold their descriptors";
  for (int fd : clients) close(fd);
  EXPECT_TRUE(back_to(pid, threads0, fds0, 4))
      << "threads " << threads0 << " → " << threads_of(pid) << ", fds " << fds0 << " → " << fds_of(pid);
}

// A viewer that stops reading: once the socket buffers are full and nothing more is
// taken for 10 s, the stream is given up and its thread and descriptor freed.
TEST(HttpLimits, AViewerThatStopsReadingIsCutByTheWriteTimeout) {
  Vigil v(camera_yaml("cam"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);  // before connect: a small window
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(v.port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_TRUE(send_all(fd, "GET /api/cam?fps=30&h=1080 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return open_connections(v.port()) == 2; })) << "the stream is not open";
  // Never read: the server's writes stall, then time out and the server closes.
  EXPECT_TRUE(eventually([&] { return open_connections(v.port()) == 1; }, 60)) << open_connections(v.port());
  close(fd);
}

// Many /api/events at once: SQLite reader connections beyond EventDb's idle pool used
// to leave their descriptors open (the writer's lock keeps SQLite from closing them), so
// descriptors stayed at the burst's peak. Now at most the pool's 8 readers remain.
TEST(HttpLimits, ConcurrentEventReadsLeaveNoDescriptorsBehind) {
  Vigil v("cameras: {}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_EQ(http_get(v.port(), "/api/events").status, 200);
  const pid_t pid = v.process().pid();
  const int fds0 = fds_of(pid);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 64; ++i)
    clients.emplace_back([&] {
      for (int k = 0; k < 10; ++k) ok += http_get(v.port(), "/api/events?limit=50", 10).status == 200;
    });
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok, 640);
  // Each pooled reader holds the database and its -wal: 2 × 8.
  EXPECT_TRUE(eventually([&] { return fds_of(pid) <= fds0 + 16 + 2; })) << "fds " << fds0 << " → " << fds_of(pid);
}

}  // namespace
}  // namespace vigil::test
