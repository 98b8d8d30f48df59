// Fault suite: the media folder on a real, small file system that fills (a 16 MB tmpfs
// mounted in a user and mount namespace of vigil's own: no root needed). With the
// free-space floor off nothing stops the writers before ENOSPC: vigil must keep running
// and answering, count the failed recordings, say why (the errno text), and start
// recording again by itself once space comes back; every finished segment decodes.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace vigil::test {
namespace {
namespace fs = std::filesystem;

TEST(Faults, MediaOnASmallTmpfsThatFills) {
  const std::string dir = fs::canonical(temp_dir()).string(), media = dir + "/media";
  fs::create_directories(dir + "/probe");
  fs::create_directories(media);
  const std::string probe =
      run("unshare -Urm sh -c 'mount -t tmpfs -o size=1m probe " + dir + "/probe && echo mounted' 2>&1");
  if (probe != "mounted\n")
    GTEST_SKIP() << "this machine cannot mount a tmpfs in a user namespace (unshare -Urm): " << probe;
  // 4 s recording segments (test hook): some finish before the disk is full.
  auto env_unset = std::make_unique<ScopedEnv>();
  env_unset->set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "4");
  Vigil v("cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + media_dir() +
              "/vtest-720p.mp4\n          input_args: -re -stream_loop -1\n          roles: [detect, clips, record]\n"
              "    width: 640\n    height: 360\n    fps: 5\n    detect: {enabled: false}\n"
              "    clips: {enabled: true}\n    record: {enabled: true}\n",
          dir, {"unshare", "-Urm", "sh", "-c", "mount -t tmpfs -o size=16m vigil-media \"$0\" && exec \"$@\"", media});
  ASSERT_TRUE(v.wait_ready()) << v.log();
  env_unset.reset();
  // vigil's view of its media folder (its own mount namespace).
  const std::string seen = "/proc/" + std::to_string(v.process().pid()) + "/root" + media;
  auto degraded = [&] {
    auto r = http_get(v.port(), "/api/stats");
    return r.status == 200 ? nlohmann::json::parse(r.body)["service"]["degraded"] : nlohmann::json();
  };
  // ~3 Mbit/s of recording: the 16 MB fill within a minute or so.
  ASSERT_TRUE(eventually([&] { return degraded().value("recording_failures", nlohmann::json())["walk"] >= 1; }, 180))
      << v.log();
  EXPECT_NE(v.log().find("No space left on device"), std::string::npos) << v.log();
  // Full, and still running: the API answers and the camera is read.
  EXPECT_EQ(http_get(v.port(), "/api/events").status, 200);
  EXPECT_TRUE(eventually([&] { return camera_fps(v.port(), "walk") > 0; })) << v.log();

  // Space comes back (someone deletes old recordings): recording resumes by itself.
  const std::vector<std::string> before = mp4s_under(seen + "/recordings");
  ASSERT_FALSE(before.empty()) << "no segment finished before the disk filled";
  for (const std::string& p : before) {
    EXPECT_EQ(run("ffprobe -v error -show_entries stream=codec_type -of csv=p=0 '" + p + "' 2>&1"), "video\n") << p;
    fs::remove(p);
  }
  ASSERT_TRUE(v.wait_for_log("recordings of walk are written again", 120)) << v.log();
  ASSERT_TRUE(eventually([&] { return !mp4s_under(seen + "/recordings").empty(); }, 120)) << v.log();
  for (const std::string& p : mp4s_under(seen + "/recordings"))
    EXPECT_EQ(run("ffprobe -v error -show_entries stream=codec_type -of csv=p=0 '" + p + "' 2>&1"), "video\n") << p;
  // Logged once per streak and writer (recorder, clip cache), not per segment or packet.
  size_t enospc = 0;
  for (size_t at = v.log().find("No space left on device"); at != std::string::npos;
       at = v.log().find("No space left on device", at + 1))
    ++enospc;
  EXPECT_LE(enospc, 4u) << v.log();
  v.process().signal(SIGTERM);
  EXPECT_EQ(v.process().wait(60), 0) << v.log();
}

}  // namespace
}  // namespace vigil::test
