// vigil end to end on real video: a looped H.264 file and a real RTSP stream.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "harness.h"

namespace vigil::test {
namespace {

// Live-view tests run without detection so frame rates depend on capture alone.
std::string file_camera(const std::string& name, const std::string& path, int fps = 5, bool detect = false) {
  return "  " + name + ":\n    ffmpeg:\n      inputs:\n        - path: " + path +
         "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n    width: 768\n    height: 576\n"
         "    fps: " +
         std::to_string(fps) + "\n    detect: {enabled: " + (detect ? "true" : "false") + "}\n";
}

std::string rtsp_camera(const std::string& name, const std::string& url, int fps = 5) {
  return "  " + name + ":\n    ffmpeg:\n      inputs:\n        - path: " + url +
         "\n          roles: [detect]\n    width: 768\n    height: 576\n    fps: " + std::to_string(fps) +
         "\n    detect: {enabled: false}\n";
}

nlohmann::json stats(int port) {
  auto r = http_get(port, "/api/stats");
  EXPECT_EQ(r.status, 200);
  return nlohmann::json::parse(r.body);
}

cv::Mat decode(const std::string& jpeg) {
  return cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
}

// Waits until `pred(stats)` holds; returns the last stats.
template <class Pred>
nlohmann::json wait_stats(int port, double timeout, Pred pred) {
  nlohmann::json s;
  eventually(
      [&] {
        s = stats(port);
        return pred(s);
      },
      timeout);
  return s;
}

double fps_of(const nlohmann::json& s, const std::string& camera) {
  return s.contains(camera) ? s[camera].value("camera_fps", 0.0) : 0.0;
}

// Waits until the 10 s rate window of `camera` (RateCounter, on vigil's clock) holds
// frames all along: its first frame is in (camera_fps > 0), then vigil's uptime has
// advanced 11 s past that. Returns the stats then (empty on timeout).
nlohmann::json wait_rate_window_full(int port, const std::string& camera, double timeout = 90) {
  const double end = now_mono() + timeout;
  nlohmann::json s = wait_stats(port, timeout, [&](auto& s) { return fps_of(s, camera) > 0; });
  if (fps_of(s, camera) <= 0) return {};
  // Uptime is whole seconds: the first frame came at most 1 s after the uptime read here.
  const int64_t full_at = s["service"]["uptime"].get<int64_t>() + 11;
  s = wait_stats(port, end - now_mono(),
                 [&](auto& s) { return s["service"]["uptime"].template get<int64_t>() >= full_at; });
  return s["service"]["uptime"].get<int64_t>() >= full_at ? s : nlohmann::json{};
}

// Waits until latest.jpg of `camera` differs from `before` (mean absolute difference per
// pixel over 0.5); returns that image (empty on timeout).
cv::Mat wait_picture_change(int port, const std::string& camera, const cv::Mat& before, double timeout = 30) {
  cv::Mat now;
  const bool changed = eventually(
      [&] {
        now = decode(http_get(port, "/api/" + camera + "/latest.jpg").body);
        return !now.empty() && now.size() == before.size() && cv::norm(before, now, cv::NORM_L1) / before.total() > 0.5;
      },
      timeout);
  return changed ? now : cv::Mat();
}

double mean_luma(const cv::Mat& img) { return cv::mean(img)[0]; }

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

}  // namespace

// One file camera looped in real time: frames flow at the configured fps, images and
// the MJPEG stream are well formed, the config round-trips its defaults.
TEST(LiveCamera, FileCameraServesStatsImagesAndStream) {
  Vigil v("cameras:\n" + file_camera("front", vtest_mp4()));
  ASSERT_TRUE(v.wait_ready()) << v.log();

  auto s = wait_rate_window_full(v.port(), "front");
  ASSERT_TRUE(s.contains("front")) << "no full rate window with frames\n" << v.log();
  EXPECT_NEAR(s["front"]["camera_fps"].get<double>(), 5.0, 0.6) << s.dump();
  EXPECT_NEAR(s["front"]["process_fps"].get<double>(), 5.0, 0.6) << s.dump();
  EXPECT_LE(s["front"]["skipped_fps"].get<double>(), 0.2);
  EXPECT_GT(s["front"]["pid"].get<int>(), 0);
  EXPECT_GT(s["front"]["capture_pid"].get<int>(), 0);
  EXPECT_NE(s["front"]["pid"], s["front"]["capture_pid"]);
  EXPECT_TRUE(s["detection_fps"].is_number_float());
  EXPECT_TRUE(s["service"]["uptime"].is_number_integer());
  EXPECT_EQ(s["service"]["version"], "0.8.4-vigil-0.1.0");
  EXPECT_EQ(s["service"]["storage"].size(), 3u);
  for (auto& [path, st] : s["service"]["storage"].items()) {
    EXPECT_GT(st["total"].get<double>(), 0) << path;
    EXPECT_FALSE(st["mount_type"].get<std::string>().empty()) << path;
  }
  // Where the memory is (vigil-only): the resident size /proc sees, the allocator's and
  // SQLite's shares (the database is open: its pages and statements are on the heap).
  const auto& mem = s["service"]["memory"];
  const double rss = mem["rss"].get<double>(), in_use = mem["heap_in_use"].get<double>();
  EXPECT_NEAR(rss, double(rss_kb(v.process().pid())) * 1024, rss * 0.25) << mem.dump();
  EXPECT_GT(in_use, 0) << mem.dump();
  EXPECT_LT(in_use, rss) << mem.dump();
  EXPECT_GT(mem["sqlite"].get<double>(), 0) << mem.dump();
  EXPECT_LT(mem["sqlite"].get<double>(), in_use) << mem.dump();
  EXPECT_GE(mem["heap_free"].get<double>(), 0) << mem.dump();
  // Only cameras, detectors, detection_fps and service at the top level (HA contract).
  for (auto& [k, _] : s.items())
    EXPECT_TRUE(k == "front" || k == "detectors" || k == "detection_fps" || k == "service") << k;

  auto full = http_get(v.port(), "/api/front/latest.jpg");
  ASSERT_EQ(full.status, 200);
  EXPECT_EQ(full.content_type, "image/jpeg");
  EXPECT_EQ(full.header("Access-Control-Allow-Origin"), "*");
  cv::Mat img = decode(full.body);
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, 768);
  EXPECT_EQ(img.rows, 576);
  EXPECT_GT(mean_luma(img), 40) << "the frame should show the street, not black";

  cv::Mat small = decode(http_get(v.port(), "/api/front/latest.jpg?h=277&motion=1&timestamp=1&mask=1").body);
  ASSERT_FALSE(small.empty());
  EXPECT_EQ(small.rows, 277);
  EXPECT_EQ(small.cols, 277 * 768 / 576);

  // The picture changes over time (people walk).
  EXPECT_FALSE(wait_picture_change(v.port(), "front", img).empty()) << "latest.jpg never changed";

  // MJPEG: parts in exactly the 0.8 layout, each a decodable JPEG of height h.
  std::string raw = read_mjpeg(v.port(), "/api/front?fps=10&h=200&bbox=1", 4);
  size_t pos = 0;
  int parts = 0;
  const std::string head = "--frame\r\nContent-Type: image/jpeg\r\n\r\n";
  while (parts < 4) {
    ASSERT_EQ(raw.compare(pos, head.size(), head), 0) << "part " << parts << " at " << pos;
    size_t start = pos + head.size();
    size_t end = raw.find("\r\n\r\n--frame\r\n", start);
    ASSERT_NE(end, std::string::npos);
    cv::Mat part = decode(raw.substr(start, end - start));
    ASSERT_FALSE(part.empty());
    EXPECT_EQ(part.rows, 200);
    pos = end + 4;
    ++parts;
  }

  // /api/config: parsed config with defaults filled in.
  auto cfg = http_get(v.port(), "/api/config");
  ASSERT_EQ(cfg.status, 200);
  EXPECT_EQ(cfg.body.back(), '\n');
  auto c = nlohmann::json::parse(cfg.body);
  auto cam = c["cameras"]["front"];
  EXPECT_EQ(cam["width"], 768);
  EXPECT_EQ(cam["height"], 576);
  EXPECT_EQ(cam["fps"], 5);
  EXPECT_EQ(cam["frame_shape"], nlohmann::json::array({576, 768}));
  EXPECT_EQ(cam["motion"]["frame_height"], 96);
  EXPECT_EQ(cam["motion"]["threshold"], 25);
  EXPECT_EQ(cam["detect"]["max_disappeared"], 10);
  EXPECT_EQ(cam["objects"]["track"], nlohmann::json::array({"person"}));
  EXPECT_EQ(cam["objects"]["filters"]["person"]["threshold"], 0.7);
  EXPECT_EQ(cam["best_image_timeout"], 60);
  EXPECT_EQ(c["detectors"]["coral"]["type"], "edgetpu");
  EXPECT_EQ(c["mqtt"]["topic_prefix"], "frigate");
  EXPECT_TRUE(c["mqtt"]["host"].is_null());
  EXPECT_EQ(c["logger"]["default"], "INFO");
  EXPECT_EQ(c["clips"]["max_seconds"], 300);
}

TEST(LiveCamera, ErrorsAndProtocolDetails) {
  Vigil v("cameras:\n" + file_camera("front", vtest_mp4()));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  int p = v.port();

  auto health = http_get(p, "/api/");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "Frigate is running. Alive and healthy!");
  EXPECT_EQ(http_get(p, "/api/version").body, "0.8.4-vigil-0.1.0");

  for (const char* path : {"/api/nope/latest.jpg", "/api/nope", "/api/nope/person/best.jpg"}) {
    auto r = http_get(p, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body, "Camera named nope not found") << path;
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*") << path;
  }
  for (const char* path : {"/api/front/latest.jpg?h=abc", "/api/front/latest.jpg?h=0", "/api/front/latest.jpg?h=5000",
                           "/api/front?fps=0", "/api/front?fps=31", "/api/front?fps=nan", "/api/front?h=-2",
                           "/api/front/latest.jpg?bbox=yes", "/api/front/person/best.jpg?h=x"}) {
    auto r = http_get(p, path);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(r.content_type, "application/json") << path;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << path << ": " << r.body;
    EXPECT_EQ(j["success"], false);
    EXPECT_FALSE(j["message"].get<std::string>().empty());
  }
  // Unknown parameters are ignored (the 0.8 UI adds cache=<ms>).
  EXPECT_EQ(http_get(p, "/api/front/latest.jpg?cache=12345").status, 200);

  // best.jpg before any detection: black 1280x720, or its 330x330 crop, resized to h.
  cv::Mat best = decode(http_get(p, "/api/front/person/best.jpg?crop=1&h=150").body);
  ASSERT_FALSE(best.empty());
  EXPECT_EQ(best.rows, 150);
  EXPECT_EQ(best.cols, 150);

  auto head = http_get(p, "/api/stats", 5, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  auto post = http_get(p, "/api/stats", 5, "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("Allow"), "GET, HEAD, OPTIONS");
  auto opt = http_get(p, "/api/stats", 5, "OPTIONS");
  EXPECT_EQ(opt.status, 204);
  EXPECT_EQ(opt.header("Access-Control-Allow-Origin"), "*");
}

// Many idle connections must not starve the server.
TEST(LiveCamera, IdleConnectionsDoNotStarveTheApi) {
  Vigil v("cameras:\n" + file_camera("front", vtest_mp4()));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  std::vector<int> fds;
  for (int i = 0; i < 150; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(v.port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    if (i % 2) (void)!write(fd, "GET /api/stats HTTP/1.1\r\n", 25);  // half a request, then silence
    fds.push_back(fd);
  }
  // Plus several MJPEG viewers that keep their connections busy.
  // They stream until the stats request below has its answer.
  std::atomic<int> streaming{0};
  std::atomic<bool> answered{false};
  std::vector<std::thread> viewers;
  for (int i = 0; i < 5; ++i)
    viewers.emplace_back([&] {
      bool counted = false;
      read_mjpeg(v.port(), "/api/front?fps=5", 1 << 30, 120, [&](int parts) {
        if (parts > 0 && !counted) counted = (++streaming, true);
        return !answered;
      });
    });
  ASSERT_TRUE(eventually([&] { return streaming == 5; }, 60)) << streaming << " of 5 viewers got a part";
  auto r = http_get(v.port(), "/api/stats", 30);
  answered = true;
  EXPECT_EQ(r.status, 200);
  for (auto& t : viewers) t.join();
  for (int fd : fds) close(fd);
}

// A real RTSP stream; the server dies mid-run and comes back.
TEST(LiveCamera, RtspCameraSurvivesServerLoss) {
  RtspServer rtsp;
  ASSERT_TRUE(rtsp.wait_listening());
  Vigil v("cameras:\n" + rtsp_camera("street", rtsp.url()) + rtsp_camera("dead", "rtsp://127.0.0.1:9/none"));
  ASSERT_TRUE(v.wait_ready()) << v.log();

  // The dead camera's connection has failed (so it had its chance to deliver a frame).
  ASSERT_TRUE(v.wait_for_log("input rtsp://127.0.0.1:9/none lost")) << v.log();
  auto s = wait_rate_window_full(v.port(), "street");
  ASSERT_TRUE(s.contains("street")) << "no full rate window with frames\n" << v.log();
  EXPECT_NEAR(s["street"]["camera_fps"].get<double>(), 5.0, 0.6) << s.dump();
  EXPECT_EQ(s["dead"]["camera_fps"].get<double>(), 0.0);
  // Each failed connection is counted (docs/architecture.md §Errors).
  const nlohmann::json& failures = s["service"]["degraded"]["input_failures"];
  EXPECT_GE(failures["dead"].get<int>(), 1) << s.dump();
  EXPECT_EQ(failures["street"].get<int>(), 0) << s.dump();
  cv::Mat before = decode(http_get(v.port(), "/api/street/latest.jpg").body);
  ASSERT_FALSE(before.empty());
  EXPECT_GT(mean_luma(before), 40);

  rtsp.stop();
  // Loss detected (read error or stall) and logged; the API keeps answering.
  EXPECT_TRUE(v.wait_for_log("input " + rtsp.url() + " lost", 60)) << v.log();
  auto during = http_get(v.port(), "/api/street/latest.jpg");
  EXPECT_EQ(during.status, 200);
  EXPECT_FALSE(decode(during.body).empty());
  // While it is down no frames arrive: the rate drains to 0 (10 s window).
  s = wait_stats(v.port(), 60, [](auto& s) { return s["street"]["camera_fps"].template get<double>() == 0.0; });
  EXPECT_EQ(s["street"]["camera_fps"].get<double>(), 0.0);
  EXPECT_GE(s["service"]["degraded"]["input_failures"]["street"].get<int>(), 1) << s.dump();
  EXPECT_EQ(http_get(v.port(), "/api/street/latest.jpg").status, 200);

  rtsp.start();
  ASSERT_TRUE(rtsp.wait_listening());
  // Frames resume after the backoff (at most 30 s) plus connection set-up.
  EXPECT_TRUE(v.wait_for_log("input " + rtsp.url() + " recovered", 90)) << v.log();
  s = wait_stats(v.port(), 30, [](auto& s) { return s["street"]["camera_fps"].template get<double>() > 1.0; });
  EXPECT_GT(s["street"]["camera_fps"].get<double>(), 1.0);
  cv::Mat a = decode(http_get(v.port(), "/api/street/latest.jpg").body);
  ASSERT_FALSE(a.empty());
  EXPECT_FALSE(wait_picture_change(v.port(), "street", a).empty()) << "live frames again";
  // The dead camera never delivered anything and never held up the other one.
  EXPECT_EQ(stats(v.port())["dead"]["process_fps"].get<double>(), 0.0);
  EXPECT_TRUE(v.process().running());
}

}  // namespace vigil::test

namespace vigil::test {

// Detection through the API with the embedded default detector (no model file: the
// 0.8 default `coral` detector runs OpenCV's HOG people detector): detector stats,
// best.jpg showing a person, overlays; a second camera with detect.enabled false makes
// no detector calls while its live view keeps running.
TEST(Detection, DefaultDetectorThroughTheApi) {
  Vigil v("cameras:\n" + file_camera("walk", vtest_mp4(), 5, true) + file_camera("idle", vtest_mp4(), 5, false));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // Both cameras process frames (so the idle one had its chances to call the detector).
  auto s = wait_stats(v.port(), 60, [](auto& s) {
    return s["walk"]["detection_fps"].template get<double>() > 0.5 &&
           s["detectors"]["coral"]["pid"].template get<int>() > 0 &&
           s["idle"]["process_fps"].template get<double>() > 3.0;
  });
  ASSERT_TRUE(s["detectors"].contains("coral")) << s.dump();
  auto coral = s["detectors"]["coral"];
  EXPECT_GT(coral["inference_speed"].get<double>(), 0.0);
  EXPECT_TRUE(coral["detection_start"].is_number_float());
  EXPECT_GT(coral["pid"].get<int>(), 0);
  EXPECT_GT(s["walk"]["detection_fps"].get<double>(), 0.5) << s.dump();
  EXPECT_EQ(s["idle"]["detection_fps"].get<double>(), 0.0) << s.dump();
  EXPECT_GT(s["idle"]["process_fps"].get<double>(), 3.0) << s.dump();
  EXPECT_NEAR(s["detection_fps"].get<double>(),
              s["walk"]["detection_fps"].get<double>() + s["idle"]["detection_fps"].get<double>(), 0.02);

  // A best person image appears: not the black placeholder.
  cv::Mat best;
  eventually(
      [&] {
        best = decode(http_get(v.port(), "/api/walk/person/best.jpg?crop=1&h=150").body);
        return !best.empty() && mean_luma(best) > 20;
      },
      60);
  ASSERT_FALSE(best.empty());
  EXPECT_EQ(best.rows, 150);
  EXPECT_GT(mean_luma(best), 20) << "best.jpg is still the black placeholder";
  cv::Mat full = decode(http_get(v.port(), "/api/walk/person/best.jpg").body);
  EXPECT_EQ(full.cols, 768);
  EXPECT_EQ(full.rows, 576);
  // No best image for a label nobody saw: black 1280x720.
  cv::Mat none = decode(http_get(v.port(), "/api/walk/car/best.jpg").body);
  EXPECT_EQ(none.cols, 1280);
  EXPECT_LT(mean_luma(none), 3);

  // The bbox/regions overlays change the picture (boxes drawn on it).
  auto plain = http_get(v.port(), "/api/walk/latest.jpg");
  auto drawn = http_get(v.port(), "/api/walk/latest.jpg?bbox=1&regions=1&zones=1");
  EXPECT_EQ(drawn.status, 200);
  EXPECT_FALSE(decode(drawn.body).empty());
}

}  // namespace vigil::test

namespace vigil::test {

// An HTTP input (a camera or server that offers an MPEG-TS stream over plain HTTP):
// vtest remuxed to MPEG-TS, served by Python's http.server, read in real time.
TEST(LiveCamera, HttpInput) {
  const std::string dir = temp_dir();
  ASSERT_EQ(std::system(("ffmpeg -v error -y -i '" + vtest_mp4() + "' -c copy -f mpegts '" + dir + "/cam.ts'").c_str()),
            0);
  int port = free_port();
  Process server({"python3", "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1", "--directory", dir},
                 dir + "/http.log");
  ASSERT_TRUE(eventually([&] { return port_accepts(port); })) << "http.server does not listen";
  Vigil v("cameras:\n" + file_camera("web", "http://127.0.0.1:" + std::to_string(port) + "/cam.ts"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  auto s = wait_stats(v.port(), 20, [](auto& s) { return s["web"]["camera_fps"].template get<double>() > 3.0; });
  EXPECT_GT(s["web"]["camera_fps"].get<double>(), 3.0) << v.log();
  cv::Mat img = decode(http_get(v.port(), "/api/web/latest.jpg").body);
  ASSERT_FALSE(img.empty());
  EXPECT_GT(mean_luma(img), 40);
}

}  // namespace vigil::test
