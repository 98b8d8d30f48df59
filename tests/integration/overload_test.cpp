// Recording wins over detection (docs/architecture.md §Overload): when processing cannot
// keep up — here because the detector stops answering (test hook
// VIGIL_TEST_DETECTOR_HANGS_AFTER) — the camera sheds frames for motion and detection,
// says so once in the log and in /api/stats, and its recording goes on whole. The
// shedding order is the threads' priority: processing and detection run at nice 5.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace vigil::test {
namespace {
namespace fs = std::filesystem;

nlohmann::json stats(int port) {
  auto r = http_get(port, "/api/stats");
  return r.status == 200 ? nlohmann::json::parse(r.body) : nlohmann::json::object();
}

// The nice value of thread `tid` of process `pid` (field 19 of /proc/…/stat); -100 if unknown.
int nice_of(int pid, int tid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -100;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 19 && rest >> field; ++i) {
    if (i == 19) return std::stoi(field);
  }
  return -100;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Overload, AStuckDetectorShedsDetectionAndRecordingGoesOn) {
  setenv("VIGIL_TEST_DETECTOR_HANGS_AFTER", "5", 1);
  Vigil v("cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect, record]\n"
          "    width: 768\n    height: 576\n    fps: 5\n    record: {enabled: true}\n");
  unsetenv("VIGIL_TEST_DETECTOR_HANGS_AFTER");
  ASSERT_TRUE(v.wait_ready()) << v.log();

  // Processing waits for an answer that never comes: the camera sheds its frames.
  nlohmann::json s;
  ASSERT_TRUE(eventually(
      [&] {
        s = stats(v.port());
        return s.contains("service") && s["service"]["shedding"]["walk"]["active"] == true;
      },
      60))
      << s.dump() << v.log();
  const double shed_at = now_mono();
  // … while capture and recording go on: the frames keep arriving, 20 s more.
  ASSERT_TRUE(eventually(
      [&] {
        s = stats(v.port());
        return s.contains("service") && s["service"]["shedding"]["walk"]["frames_skipped"].get<int>() >= 100;
      },
      90))
      << s.dump();
  EXPECT_GT(s["walk"]["camera_fps"].get<double>(), 0) << s.dump();
  EXPECT_EQ(s["service"]["degraded"]["recording_gaps"]["walk"], 0) << s.dump();
  EXPECT_EQ(count(v.log(), "processing is behind"), 1) << v.log();

  // The order is the scheduler's: processing below capture.
  const int pid = v.process().pid();
  EXPECT_EQ(nice_of(pid, s["walk"]["pid"].get<int>()), 5);
  EXPECT_EQ(nice_of(pid, s["walk"]["capture_pid"].get<int>()), 0);

  const double shed_for = now_mono() - shed_at;
  v.process().signal(SIGTERM);
  ASSERT_EQ(v.process().wait(60), 0) << v.log();
  // Everything the capture read while detection was shed is recorded (less the GOP in
  // progress at stop and at the first keyframe, 2 s each).
  EXPECT_GE(recorded_seconds(v.dir() + "/media/recordings"), shed_for - 4) << v.log();
}

}  // namespace
}  // namespace vigil::test
