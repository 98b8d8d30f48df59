// The capture thread never waits for the disk (docs/architecture.md §Threads): a real
// vigil whose recordings folder stops answering (tests/tools/slow_disk.cpp, LD_PRELOAD)
// keeps reading and decoding its camera and filling the clip cache from the same
// connection, and once the disk answers again the recording holds every packet.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace vigil::test {
namespace {
namespace fs = std::filesystem;

// Closed clip cache segments (`walk-*.mp4`) in `cache`.
int closed_cache_segments(const std::string& cache) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(cache, ec))
    n += e.path().extension() == ".mp4" && e.path().filename().string().starts_with("walk-");
  return n;
}

TEST(SlowDisk, CameraKeepsDecodingAndCachingWhileTheRecordingDiskHangs) {
  const std::string shim = VIGIL_SLOW_DISK_SO;  // built beside the tests (tests/CMakeLists.txt)
  const std::string dir = fs::canonical(temp_dir()).string();
  const std::string hold = dir + "/disk-hold", media = dir + "/media";
  std::ofstream(hold) << "held\n";  // the recordings disk does not answer from the start
  ScopedEnv env;
  env.set("LD_PRELOAD", shim);
  env.set("VIGIL_TEST_SLOW_DISK_DIR", media + "/recordings");
  env.set("VIGIL_TEST_DISK_HOLD", hold);
  Vigil v("cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
              "\n          input_args: -re -stream_loop -1\n          roles: [detect, clips, record]\n"
              "    width: 768\n    height: 576\n    fps: 5\n    clips: {enabled: true}\n    record: {enabled: true}\n",
          dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();

  // The recorder's writer thread is stuck in a write to the recordings folder.
  ASSERT_TRUE(eventually([&] { return fs::exists(hold + ".held"); }, 60)) << v.log();
  const double held_at = now_mono();
  // Meanwhile the same connection's packets keep reaching the clip cache: two more
  // 10 s segments close (with the capture thread waiting on the disk, none would).
  const int before = closed_cache_segments(media + "/cache");
  ASSERT_TRUE(eventually([&] { return closed_cache_segments(media + "/cache") >= before + 2; }, 90)) << v.log();
  EXPECT_GT(camera_fps(v.port(), "walk"), 0);
  auto stats = nlohmann::json::parse(http_get(v.port(), "/api/stats").body);
  EXPECT_EQ(stats["service"]["degraded"]["recording_gaps"]["walk"], 0) << stats.dump();
  EXPECT_EQ(stats["service"]["degraded"]["recording_failures"]["walk"], 0) << stats.dump();
  // No recording segment was published while the disk was held.
  const double held_for = now_mono() - held_at;

  // The disk answers again; at stop the writer writes everything it queued.
  fs::remove(hold);
  v.process().signal(SIGTERM);
  ASSERT_EQ(v.process().wait(60), 0) << v.log();
  // Everything read while the disk was held is in the recordings (less the GOP in
  // progress at stop and the one cut by the start, 2 s each).
  EXPECT_GE(recorded_seconds(media + "/recordings"), held_for - 4) << v.log();
  EXPECT_EQ(v.log().find("dropping video"), std::string::npos) << v.log();
}

}  // namespace
}  // namespace vigil::test
