// 24/7 recording segments on real H.264 (vtest.mp4, 2 s GOP) with a manual clock:
// minute alignment, the finished file's shape, the disk gate, and crash salvage.
#include "storage/recorder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "test_media.h"

using namespace vigil;
using namespace vigil::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files(const std::string& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().string().ends_with(ext)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// A wall time 50 s past a full minute.
double fifty_past() {
  double t = std::floor(double(std::time(nullptr)) / 60) * 60 - 3600;
  return t + 50;
}

}  // namespace

TEST(Recorder, SegmentsStartAtTheFirstKeyframeOfEachMinute) {
  const std::string dir = temp_dir();
  ManualClock clock;
  clock.wall_time = fifty_past();
  {
    Recorder r("yard", dir, 60);
    feed(r, clock, 75);
  }
  auto mp4 = files(dir, ".mp4");
  ASSERT_EQ(mp4.size(), 3u);
  // xx:50 → the keyframe at the next full minute (10 s later) → a full minute → the
  // 5 s left when the input ends.
  EXPECT_EQ(mp4[0].filename().string().substr(3), "50.mp4");
  EXPECT_EQ(mp4[1].filename().string().substr(3), "00.mp4");
  EXPECT_EQ(mp4[2].filename().string().substr(3), "00.mp4");
  EXPECT_NEAR(probe_duration(mp4[0].string()), 10, 0.15);
  EXPECT_NEAR(probe_duration(mp4[1].string()), 60, 0.15);
  EXPECT_NEAR(probe_duration(mp4[2].string()), 5, 0.15);
  EXPECT_TRUE(files(dir, ".part").empty());
  // Finished files are regular MP4s with the index first, decodable end to end.
  std::ifstream f(mp4[1], std::ios::binary);
  std::string head(64, '\0');
  f.read(head.data(), head.size());
  EXPECT_NE(head.find("moov"), std::string::npos) << "moov within the first boxes";
  EXPECT_EQ(head.find("moof"), std::string::npos) << "not fragmented";
  EXPECT_EQ(run("ffmpeg -v error -i '" + mp4[1].string() + "' -f null - 2>&1"), "");
}

TEST(Recorder, NoSegmentStartsWhileTheGateIsClosed) {
  const std::string dir = temp_dir();
  ManualClock clock;
  clock.wall_time = fifty_past();
  bool open = false;
  int asked = 0;
  Recorder r("yard", dir, 60);
  r.set_write_gate([&] {
    ++asked;
    return open;
  });
  auto sink = sink_to(r, clock);
  feed(sink, clock, 20);
  EXPECT_EQ(asked, 10) << "asked at every keyframe";
  EXPECT_TRUE(files(dir, ".mp4").empty());
  EXPECT_TRUE(files(dir, ".part").empty());
  open = true;
  clock.wall_time += 1;
  feed(sink, clock, 5);
  EXPECT_EQ(files(dir, ".mp4").size(), 1u);
}

TEST(Recorder, AKilledSegmentKeepsItsCompleteFragments) {
  const std::string dir = temp_dir();
  ManualClock clock;
  clock.wall_time = fifty_past() - 40;  // xx:10, so 25 s stay in one segment
  std::string copy;
  {
    Recorder r("yard", dir, 60);
    feed(r, clock, 25, true);
    auto parts = files(dir, ".part");
    ASSERT_EQ(parts.size(), 1u);
    copy = parts[0].string() + ".crash";
    fs::copy_file(parts[0], copy);  // the file as SIGKILL would leave it
  }
  for (auto& f : files(dir, ".mp4")) fs::remove(f);
  fs::rename(copy, copy.substr(0, copy.size() - 6));
  std::ofstream(copy.substr(0, copy.size() - 6), std::ios::app) << std::string(500, 'x');  // torn write
  recover_partial_recordings(dir);
  EXPECT_TRUE(files(dir, ".part").empty());
  auto mp4 = files(dir, ".mp4");
  ASSERT_EQ(mp4.size(), 1u);
  EXPECT_EQ(mp4[0].filename().string().substr(3), "10.mp4");
  EXPECT_NEAR(probe_duration(mp4[0].string()), 24, 0.15);  // GOPs up to the keyframe at 24 s
  EXPECT_EQ(run("ffmpeg -v error -i '" + mp4[0].string() + "' -f null - 2>&1"), "");
}

// A recordings folder that cannot be written (here a file stands where it should be):
// every keyframe's attempt fails and is counted (service.degraded of /api/stats), the
// failure is logged once, and its end once, when a segment is completed again.
TEST(Recorder, FailedStartsAreCountedAndLoggedOncePerStreak) {
  const std::string dir = temp_dir() + "/recordings";
  std::ofstream(dir) << "not a folder";
  ManualClock clock;
  clock.wall_time = fifty_past();
  LogCapture log("vigil.storage");
  Recorder r("yard", dir, 60);
  auto sink = sink_to(r, clock);
  feed(sink, clock, 20, true);
  EXPECT_EQ(r.failures(), 10u) << "one failed start per keyframe";
  EXPECT_EQ(log.count("cannot start a recording for yard"), 1);
  EXPECT_EQ(log.count("written again"), 0);

  fs::remove(dir);
  feed(sink, clock, 4);
  EXPECT_EQ(r.failures(), 10u);
  EXPECT_EQ(log.count("recordings of yard are written again"), 1);
  EXPECT_EQ(files(dir, ".mp4").size(), 1u);
}
