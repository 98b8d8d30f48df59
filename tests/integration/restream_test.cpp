// RTMP restream through a real nginx-rtmp (scripts/rtmp-server), read back by ffprobe.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace vigil::test {
namespace {

// nginx with the RTMP module in the foreground, stopped with SIGTERM (its master then
// stops the worker).
class RtmpServer {
 public:
  explicit RtmpServer(int port) : port_(port), dir_(temp_dir()) {}
  ~RtmpServer() { stop(); }
  void start() {
    proc_ = Process(
        {std::string(VIGIL_SOURCE_DIR) + "/scripts/rtmp-server", "run", std::to_string(port_), dir_, "127.0.0.1"},
        dir_ + "/server.log");
  }
  void stop() {
    proc_.signal(SIGTERM);
    if (proc_.wait(10) < 0) proc_.kill_now();
  }
  std::string log() const { return run("cat " + dir_ + "/server.log " + dir_ + "/error.log 2>/dev/null"); }

 private:
  int port_;
  std::string dir_;
  Process proc_;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; ++pos) ++n;
  return n;
}

}  // namespace

// vigil starts before the RTMP server: it logs that once, goes on serving, and starts
// publishing when the server comes up; ffprobe then sees the camera's H.264 stream.
TEST(Restream, RtmpServerLateThenFfprobeSeesTheStream) {
  const int rtmp_port = free_port();
  // The restream's logger at debug: its retries show as "still unavailable" lines.
  Vigil v("logger: {default: info, logs: {restream.walk: debug}}\nrtmp: {url: 'rtmp://127.0.0.1:" +
          std::to_string(rtmp_port) +
          "/live'}\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect, rtmp]\n"
          "    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // Several retries have failed (debug lines) ...
  ASSERT_TRUE(eventually([&] { return count(v.log(), "still unavailable") >= 2; }, 90)) << v.log();
  // ... and the loss was logged (warning) once.
  EXPECT_EQ(count(v.log(), "retrying with backoff"), 1u) << "logged once while the server is down:\n" << v.log();
  EXPECT_EQ(http_get(v.port(), "/api/stats").status, 200);
  auto cfg = nlohmann::json::parse(http_get(v.port(), "/api/config").body);
  EXPECT_EQ(cfg["cameras"]["walk"]["rtmp"]["enabled"], true);

  RtmpServer server(rtmp_port);
  server.start();
  const std::string probe =
      "timeout 20 ffprobe -v error -show_entries stream=codec_type,codec_name,width,height "
      "-of json rtmp://127.0.0.1:" +
      std::to_string(rtmp_port) + "/live/walk 2>&1";
  nlohmann::json streams;
  poll_until(
      [&] {
        auto j = nlohmann::json::parse(run(probe), nullptr, false);
        if (j.is_object() && j.contains("streams") && !j["streams"].empty()) streams = j["streams"];
        return !streams.empty();
      },
      120, 1);
  ASSERT_FALSE(streams.empty()) << v.log() << server.log();
  EXPECT_EQ(streams[0]["codec_type"], "video");
  EXPECT_EQ(streams[0]["codec_name"], "h264");  // copied, not re-encoded
  EXPECT_EQ(streams[0]["width"], 768);
  EXPECT_EQ(streams[0]["height"], 576);
  EXPECT_NE(v.log().find("publishing again"), std::string::npos) << v.log();
  EXPECT_GT(nlohmann::json::parse(http_get(v.port(), "/api/stats").body)["walk"]["camera_fps"].get<double>(), 0);
}

}  // namespace vigil::test
