// RTSP restream (issue 12; ha-current.md §0.6, §4.2): the real vigil binary serves
// rtsp://127.0.0.1:<port>/<camera> by stream copy; ffprobe and ffmpeg read it back.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace vigil::test {
namespace {

using json = nlohmann::json;

// A camera on `input` (looped in real time) served by the RTSP restream on `rtsp_port`;
// the restream's logger at debug (its pipelines made and released).
std::string config(int rtsp_port, const std::string& input, const std::string& input_args = "-re -stream_loop -1") {
  return "logger: {default: info, logs: {restream.walk: debug}}\nrtsp_restream: {enabled: true, port: " +
         std::to_string(rtsp_port) + "}\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + input +
         "\n          input_args: " + input_args +
         "\n          roles: [detect]\n    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n";
}

std::string url(int rtsp_port) { return "rtsp://127.0.0.1:" + std::to_string(rtsp_port) + "/walk"; }

// ffprobe's view of the first stream, or an empty object (and its error text in `err`).
json probe(int rtsp_port, std::string* err = nullptr) {
  std::string out =
      run("timeout 20 ffprobe -v error -rtsp_transport tcp -show_entries "
          "stream=codec_type,codec_name,width,height -of json " +
          url(rtsp_port) + " 2>&1");
  json j = json::parse(out, nullptr, false);
  if (j.is_object() && j.contains("streams") && !j["streams"].empty()) return j["streams"][0];
  if (err) *err = out;
  return json::object();
}

json stats(int port) { return json::parse(http_get(port, "/api/stats").body, nullptr, false); }

// An RTSP reader (ffmpeg decoding to nothing) whose progress — frames decoded so far —
// is read from its -progress file.
class Reader {
 public:
  Reader(int rtsp_port, const std::string& dir, int n) : progress_(dir + "/reader" + std::to_string(n) + ".progress") {
    proc_ = Process({"ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", url(rtsp_port), "-t",
                     "120", "-f", "null", "-progress", progress_, "-"},
                    dir + "/reader" + std::to_string(n) + ".log");
  }
  long frames() const {
    std::ifstream in(progress_);
    std::string line;
    long last = 0;
    while (std::getline(in, line))
      if (line.rfind("frame=", 0) == 0) last = std::stol(line.substr(6));
    return last;
  }
  Process& process() { return proc_; }

 private:
  std::string progress_;
  Process proc_;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; ++pos) ++n;
  return n;
}

// GLib / GStreamer complaints on stderr (g_warning, g_critical, gst's own warnings).
bool has_glib_complaints(const std::string& log) {
  for (const char* what : {"GLib-", "GStreamer-", "GStreamer-CRITICAL", "-CRITICAL **", "-WARNING **"})
    if (log.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

// ffprobe sees the camera's H.264 (copied from vtest.mp4's AVCC packets, converted to
// Annex B) at its size; with no reader left, the pipeline is released. vigil stops
// cleanly with a reader attached: no GLib or GStreamer complaint, the reader is let go.
TEST(RtspRestream, FfprobeSeesH264AtTheCameraSize) {
  const int rtsp_port = free_port();
  auto v = std::make_unique<Vigil>(config(rtsp_port, vtest_mp4()));
  ASSERT_TRUE(v->wait_ready()) << v->log();
  ASSERT_TRUE(v->wait_for_log("RTSP restream on rtsp://127.0.0.1:" + std::to_string(rtsp_port))) << v->log();
  json stream;
  poll_until(
      [&] {
        stream = probe(rtsp_port);
        return !stream.empty();
      },
      60, 1);
  ASSERT_FALSE(stream.empty()) << v->log();
  EXPECT_EQ(stream["codec_type"], "video");
  EXPECT_EQ(stream["codec_name"], "h264");  // copied, not re-encoded
  EXPECT_EQ(stream["width"], 768);
  EXPECT_EQ(stream["height"], 576);
  // ffprobe left: its pipeline goes.
  ASSERT_TRUE(eventually([&] { return count(v->log(), "pipeline released") >= 1; }, 30)) << v->log();

  Reader reader(rtsp_port, v->dir(), 0);
  ASSERT_TRUE(eventually([&] { return reader.frames() >= 10; }, 60)) << v->log();
  const std::string dir = v->dir();
  v.reset();  // SIGTERM, waits for the exit
  std::ifstream in(dir + "/vigil.log");
  std::stringstream log;
  log << in.rdbuf();
  EXPECT_NE(log.str().find("vigil.app          info    stopped"), std::string::npos) << log.str();
  EXPECT_EQ(count(log.str(), "pipeline made"), count(log.str(), "pipeline released")) << log.str();
  EXPECT_FALSE(has_glib_complaints(log.str())) << log.str();
  EXPECT_GE(reader.process().wait(30), 0) << "the reader was let go";
}

// Three readers share one pipeline; one is killed (SIGKILL, its TCP connection reset)
// mid-stream: the other two keep receiving frames, and the camera keeps its fps and its
// processing. When the last reader leaves, the pipeline is released.
TEST(RtspRestream, ThreeReadersOneKilledTheOthersAndTheCameraGoOn) {
  const int rtsp_port = free_port();
  Vigil v(config(rtsp_port, vtest_mp4()));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(v.wait_for_log("RTSP restream on")) << v.log();
  ASSERT_TRUE(eventually([&] { return camera_fps(v.port(), "walk") > 0; }, 30)) << v.log();
  std::vector<std::unique_ptr<Reader>> readers;
  for (int i = 0; i < 3; ++i) readers.push_back(std::make_unique<Reader>(rtsp_port, v.dir(), i));
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& r : readers)
          if (r->frames() < 10) return false;
        return true;
      },
      60))
      << v.log();
  EXPECT_EQ(count(v.log(), "pipeline made"), 1u) << "one shared pipeline for the three readers:\n" << v.log();

  readers[0]->process().signal(SIGKILL);
  ASSERT_GE(readers[0]->process().wait(10), 0);
  const long f1 = readers[1]->frames(), f2 = readers[2]->frames();
  // 3 s of the camera's 10 fps at least, for each survivor.
  ASSERT_TRUE(eventually([&] { return readers[1]->frames() >= f1 + 30 && readers[2]->frames() >= f2 + 30; }, 30))
      << "frames " << f1 << "→" << readers[1]->frames() << ", " << f2 << "→" << readers[2]->frames() << "\n"
      << v.log();
  EXPECT_TRUE(readers[1]->process().running());
  EXPECT_TRUE(readers[2]->process().running());
  json s = stats(v.port());
  EXPECT_GT(s["walk"]["camera_fps"].get<double>(), 0) << s.dump();
  EXPECT_GT(s["walk"]["process_fps"].get<double>(), 0) << s.dump();
  EXPECT_EQ(count(v.log(), "pipeline released"), 0u) << v.log();

  for (auto& r : readers) r->process().kill_now();
  ASSERT_TRUE(v.wait_for_log("pipeline released", 90)) << v.log();
  EXPECT_GT(camera_fps(v.port(), "walk"), 0);
}

// A reader that stalls (SIGSTOP: it reads nothing more, its socket fills up) slows
// neither the other reader nor the camera.
TEST(RtspRestream, StalledReaderSlowsNeitherTheOtherNorTheCamera) {
  const int rtsp_port = free_port();
  Vigil v(config(rtsp_port, vtest_mp4()));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  Reader stalled(rtsp_port, v.dir(), 0), live(rtsp_port, v.dir(), 1);
  ASSERT_TRUE(eventually([&] { return stalled.frames() >= 10 && live.frames() >= 10; }, 60)) << v.log();
  stalled.process().signal(SIGSTOP);
  const long before = live.frames();
  // 15 s of the camera's 10 fps reach the live reader while the other one sleeps.
  ASSERT_TRUE(eventually([&] { return live.frames() >= before + 150; }, 40))
      << "frames " << before << "→" << live.frames() << "\n"
      << v.log();
  json s = stats(v.port());
  EXPECT_GT(s["walk"]["camera_fps"].get<double>(), 0) << s.dump();
  EXPECT_GT(s["walk"]["process_fps"].get<double>(), 0) << s.dump();
  stalled.process().signal(SIGCONT);
}

// The restreamed input is the one with `record` when there is no `rtmp` one (here the
// 1280x720 stream, while detection reads the 768x576 one).
TEST(RtspRestream, RestreamsTheRecordInputBeforeTheDetectOne) {
  const int rtsp_port = free_port();
  Vigil v("rtsp_restream: {enabled: true, port: " + std::to_string(rtsp_port) +
          "}\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n        - path: " + media_dir() +
          "/vtest-720p.mp4\n          input_args: -re -stream_loop -1\n          roles: [record]\n"
          "    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n    record: {enabled: true}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  json stream;
  poll_until(
      [&] {
        stream = probe(rtsp_port);
        return !stream.empty();
      },
      60, 1);
  ASSERT_FALSE(stream.empty()) << v.log();
  EXPECT_EQ(stream["codec_name"], "h264");
  EXPECT_EQ(stream["width"], 1280);
  EXPECT_EQ(stream["height"], 720);
}

// A camera whose input is not H.264 (vtest.avi: MS-MPEG4): logged once, and its mount
// answers 503 Service Unavailable; the camera itself runs.
TEST(RtspRestream, NonH264InputAnswers503) {
  const int rtsp_port = free_port();
  Vigil v(config(rtsp_port, media_dir() + "/vtest.avi"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(v.wait_for_log("not H.264")) << v.log();
  std::string err;
  EXPECT_TRUE(probe(rtsp_port, &err).empty());
  EXPECT_NE(err.find("503"), std::string::npos) << err;
  EXPECT_EQ(count(v.log(), "not H.264"), 1u) << v.log();
  EXPECT_TRUE(eventually([&] { return camera_fps(v.port(), "walk") > 0; }, 30)) << v.log();
}

// An RTSP camera (Annex B H.264 from GStreamer's RTSP server) restreamed as it comes.
TEST(RtspRestream, RtspCameraRestreamed) {
  RtspServer camera;
  ASSERT_TRUE(camera.wait_listening());
  const int rtsp_port = free_port();
  Vigil v(config(rtsp_port, camera.url(), "-rtsp_transport tcp"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(eventually([&] { return camera_fps(v.port(), "walk") > 0; }, 60)) << v.log();
  json stream;
  poll_until(
      [&] {
        stream = probe(rtsp_port);
        return !stream.empty();
      },
      60, 1);
  ASSERT_FALSE(stream.empty()) << v.log();
  EXPECT_EQ(stream["codec_name"], "h264");
  EXPECT_EQ(stream["width"], 768);
  EXPECT_EQ(stream["height"], 576);
}

// The camera's input down: its mount answers 503; back: the restream plays again (the new
// connection's parameters, from its first keyframe).
TEST(RtspRestream, CameraDownAnswers503ThenPlaysAgain) {
  RtspServer camera;
  ASSERT_TRUE(camera.wait_listening());
  const int rtsp_port = free_port();
  Vigil v(config(rtsp_port, camera.url(), "-rtsp_transport tcp"));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(eventually([&] { return !probe(rtsp_port).empty(); }, 60)) << v.log();
  camera.stop();
  ASSERT_TRUE(v.wait_for_log("lost")) << v.log();
  std::string err;
  EXPECT_TRUE(probe(rtsp_port, &err).empty());
  EXPECT_NE(err.find("503 Service Unavailable"), std::string::npos) << err;
  camera.start();
  ASSERT_TRUE(v.wait_for_log("recovered", 60)) << v.log();
  json stream;
  poll_until(
      [&] {
        stream = probe(rtsp_port);
        return !stream.empty();
      },
      60, 1);
  ASSERT_FALSE(stream.empty()) << v.log();
  EXPECT_EQ(stream["codec_name"], "h264");
  EXPECT_EQ(stream["width"], 768);
}

// The port taken: vigil does not start, and says which key.
TEST(RtspRestream, PortInUseIsAStartupErrorNamingTheKey) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const int taken = ntohs(a.sin_port);
  Vigil v(config(taken, vtest_mp4()));
  EXPECT_EQ(v.process().wait(30), 1) << v.log();
  EXPECT_NE(v.log().find("rtsp_restream.port " + std::to_string(taken) + ": cannot listen"), std::string::npos)
      << v.log();
  EXPECT_EQ(v.log().find("connected (768x576)"), std::string::npos) << "no camera started:\n" << v.log();
  close(fd);
}

}  // namespace vigil::test
