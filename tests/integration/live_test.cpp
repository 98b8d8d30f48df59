// Live video (issue 13): the real vigil binary serves GET /live/<camera>.mp4; what an
// HTTP client receives (de-chunked) decodes cleanly with ffmpeg, the headers carry the
// codec and the stream's epoch, and the errors are JSON.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace vigil::test {
namespace {

std::string config(const std::string& input) {
  return "cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + input +
         "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n    width: 768\n    height: 576\n"
         "    fps: 5\n    detect: {enabled: false}\n";
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; ++pos) ++n;
  return n;
}

// A raw HTTP/1.1 client of one chunked response: its head, and its body de-chunked up to
// the last whole chunk.
struct Chunked {
  std::string head, body;
  bool ended = false;  // the terminating chunk came
};

// Reads GET `path` until `enough(body)` or the response ends.
Chunked read_chunked(int port, const std::string& path, const std::function<bool(const std::string&)>& enough) {
  Chunked out;
  const int fd = connect_to(port);
  if (fd < 0) return out;
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != ssize_t(req.size())) {
    close(fd);
    return out;
  }
  std::string raw;
  size_t pos = std::string::npos;
  char buf[65536];
  for (;;) {
    if (pos == std::string::npos && (pos = raw.find("\r\n\r\n")) != std::string::npos) {
      out.head = raw.substr(0, pos);
      raw.erase(0, pos + 4);
    }
    if (pos != std::string::npos) {
      // Whole chunks: "<hex>\r\n<data>\r\n".
      for (;;) {
        const size_t eol = raw.find("\r\n");
        if (eol == std::string::npos) break;
        const size_t n = std::stoul(raw.substr(0, eol), nullptr, 16);
        if (n == 0) {
          out.ended = true;
          break;
        }
        if (raw.size() < eol + 2 + n + 2) break;
        out.body += raw.substr(eol + 2, n);
        raw.erase(0, eol + 2 + n + 2);
      }
      if (out.ended || enough(out.body)) break;
    }
    const ssize_t got = recv(fd, buf, sizeof buf, 0);
    if (got <= 0) break;
    raw.append(buf, size_t(got));
  }
  close(fd);
  return out;
}

std::string header(const std::string& head, const std::string& name) {
  const std::string key = "\r\n" + name + ": ";
  const size_t p = head.find(key);
  if (p == std::string::npos) return "";
  const size_t e = head.find("\r\n", p + key.size());
  return head.substr(p + key.size(), e - p - key.size());
}

TEST(Live, AnHttpViewerGetsH264ThatDecodesCleanly) {
  Vigil v(config(vtest_mp4()));
  ASSERT_TRUE(v.wait_ready());
  ASSERT_TRUE(eventually([&] { return camera_fps(v.port(), "walk") > 0; }));
  const double asked = double(std::time(nullptr));
  // 3 s of video at 10 fps (a fragment per frame, after the init segment).
  Chunked r = read_chunked(v.port(), "/live/walk.mp4", [](const std::string& b) { return count(b, "moof") >= 30; });
  ASSERT_EQ(r.head.rfind("HTTP/1.1 200", 0), 0u) << r.head;
  EXPECT_EQ(header(r.head, "Content-Type").rfind("video/mp4; codecs=\"avc1.64", 0), 0u) << r.head;
  const double epoch = std::atof(header(r.head, "X-Vigil-Stream-Epoch").c_str());
  EXPECT_GT(epoch, asked - 60) << r.head;  // the muxer started for this viewer
  EXPECT_LT(epoch, asked + 60) << r.head;
  EXPECT_EQ(r.body.find("ftyp"), 4u);
  const std::string path = v.dir() + "/live.mp4";
  std::ofstream(path, std::ios::binary) << r.body;
  EXPECT_EQ(run("ffmpeg -nostdin -v error -i " + path + " -f null - 2>&1"), "");
  const int frames = std::atoi(
      run("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 " + path)
          .c_str());
  EXPECT_GE(frames, 30);
  const std::string size = run("ffprobe -v error -show_entries stream=width,height -of csv=p=0 " + path);
  EXPECT_EQ(size, "768,576\n");
}

TEST(Live, UnknownCameraIs404AndACameraWithoutVideo503) {
  Vigil v(config("/nonexistent/camera.mp4"));
  ASSERT_TRUE(v.wait_ready());
  HttpResult unknown = http_get(v.port(), "/live/nope.mp4");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(nlohmann::json::parse(unknown.body, nullptr, false).value("success", true), false) << unknown.body;
  // No keyframe within its wait: 503 JSON.
  HttpResult down = http_get(v.port(), "/live/walk.mp4", 30);
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.content_type, "application/json");
  EXPECT_NE(down.body.find("no video from camera walk"), std::string::npos) << down.body;
}

}  // namespace
}  // namespace vigil::test
