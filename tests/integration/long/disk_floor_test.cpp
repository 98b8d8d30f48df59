// The free-space floor bounds every writer (storage.md §9), on a running vigil for five
// minutes: a 30 MB "disk" (the VIGIL_TEST_FS_CAPACITY_MB test hook) with an 8 MB floor,
// vtest looped (people always in view, so events stay open) with clips, snapshots and
// 24/7 recording. Free space — from the file sizes on disk and from /api/stats — never
// falls more than one segment below the floor; events keep rows and snapshots; the cut
// of open clips is logged once per event; /api/stats shows the state; freeing space
// resumes recording.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "harness.h"
#include "storage/free_space.h"

namespace vigil::test {
namespace {
namespace fs = std::filesystem;

constexpr double kCapacityMb = 40, kBallastMb = 10, kFloorMb = 8;  // 30 MB left for vigil
constexpr double kRunSeconds = 300;

// Sizes of the finished .mp4 files below `dir`.
std::vector<uint64_t> mp4_sizes(const std::string& dir) {
  std::vector<uint64_t> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code sec;
    const std::string name = it->path().filename().string();
    if (!name.starts_with(".") && name.ends_with(".mp4")) out.push_back(it->file_size(sec));
  }
  return out;
}

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

nlohmann::json get_json(int port, const std::string& path) {
  auto r = http_get(port, path, 10);
  return r.status == 200 ? nlohmann::json::parse(r.body, nullptr, false) : nlohmann::json();
}

}  // namespace

TEST(DiskFloor, TheFloorBoundsEveryWriterForFiveMinutesAndRecordingResumes) {
  const std::string dir = temp_dir(), media = dir + "/media";
  fs::create_directories(media);
  // Data that is not vigil's (never deleted by it) takes 10 MB of the 40 MB disk.
  const std::string ballast = media + "/ballast.bin";
  std::ofstream(ballast, std::ios::binary) << std::string(size_t(kBallastMb * 1e6), 'b');
  ::setenv("VIGIL_TEST_FS_CAPACITY_MB", std::to_string(int(kCapacityMb)).c_str(), 1);
  Vigil v(yolox_detectors_yaml() + "storage: {min_free_mb: " + std::to_string(int(kFloorMb)) +
              "}\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
              "\n          input_args: -re -stream_loop -1\n          roles: [detect, clips, record]\n"
              "    width: 768\n    height: 576\n    fps: 5\n    snapshots: {enabled: true}\n"
              "    clips: {enabled: true}\n    record: {enabled: true}\n",
          dir);
  ::unsetenv("VIGIL_TEST_FS_CAPACITY_MB");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const int port = v.port();
  const std::string stats_key = media + "/clips";

  // What a disk of that size would report: the same rule the hook applies.
  auto free_mb = [&] { return kCapacityMb - double(bytes_used_under({media})) / 1e6; };
  double min_free = 1e9, min_stats_free = 1e9;
  uint64_t largest_segment = 0;  // the largest recording or cache segment seen (printed)
  bool stats_below = false;
  std::map<std::string, nlohmann::json> finished;  // event id → as first seen with a snapshot
  int snapshots_served = 0;
  double next_api = 0;
  // The soak: five minutes under the floor is what this test is about (not a wait for
  // something to happen), sampled every 0.25 s by the harness's polling loop.
  auto sample = [&] {
    min_free = std::min(min_free, free_mb());
    for (const char* sub : {"/recordings", "/cache"})
      for (uint64_t s : mp4_sizes(media + sub)) largest_segment = std::max(largest_segment, s);
    if (now_mono() >= next_api) {
      next_api = now_mono() + 1;
      nlohmann::json st = get_json(port, "/api/stats");
      if (st.is_object() && st["service"]["storage"].contains(stats_key)) {
        const auto& s = st["service"]["storage"][stats_key];
        min_stats_free = std::min(min_stats_free, s["free"].get<double>());
        stats_below = stats_below || s.value("below_floor", false);
      }
      nlohmann::json evs = get_json(port, "/api/events?limit=100");
      for (const auto& e : evs.is_array() ? evs : nlohmann::json::array()) {
        const std::string id = e["id"];
        if (!e["has_snapshot"].get<bool>() || finished.count(id)) continue;
        finished[id] = e;
        snapshots_served += http_get(port, "/api/events/" + id + "/snapshot.jpg").status == 200;
      }
    }
    return false;  // observe for the whole soak
  };
  poll_until(sample, kRunSeconds, 0.25);
  const std::string log = v.log();
  // One segment: a recording segment, 60 s of the input (vtest: ~1 Mbit/s, ~7.4 MB).
  const double segment_mb = double(fs::file_size(vtest_mp4())) / 79.5 * 60 / 1e6;
  std::cerr << "lowest free space " << min_free << " MB on disk, " << min_stats_free
            << " MB in /api/stats; one segment " << segment_mb << " MB, largest written "
            << double(largest_segment) / 1e6 << " MB; " << finished.size() << " events with snapshots\n";

  ASSERT_TRUE(v.process().running()) << log;
  EXPECT_GT(largest_segment, 500000u) << "recording and the cache wrote segments";
  EXPECT_GE(min_free, kFloorMb - segment_mb) << log;
  EXPECT_GE(min_stats_free, kFloorMb - segment_mb);
  // The floor was reached and held: the state showed in /api/stats and in the log.
  EXPECT_TRUE(stats_below) << "service.storage[<media>/clips].below_floor was never true";
  const int blocked = count(log, "with nothing left to delete");
  EXPECT_GE(blocked, 1) << log;
  EXPECT_LE(blocked, int(kRunSeconds / 60) + 1) << "logged when it begins, at most once a minute";
  // Open clips were cut, each event once; events kept their rows and snapshots.
  std::map<std::string, int> cuts;
  const std::regex cut_re("event (\\S+) of camera walk: clip cut at");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), cut_re); it != std::sregex_iterator(); ++it)
    ++cuts[(*it)[1]];
  EXPECT_FALSE(cuts.empty()) << log;
  for (const auto& [id, n] : cuts) EXPECT_EQ(n, 1) << id;
  EXPECT_GE(finished.size(), 2u);
  EXPECT_EQ(snapshots_served, int(finished.size()));
  int cut_with_row = 0;
  for (const auto& [id, n] : cuts) cut_with_row += finished.count(id);
  EXPECT_GE(cut_with_row, 1) << "a cut event finished with its row and snapshot";

  // The user frees space: recording resumes by itself.
  auto recordings_now = [&] { return mp4_sizes(media + "/recordings").size(); };
  fs::remove(ballast);
  std::set<std::string> before;
  for (fs::recursive_directory_iterator it(media + "/recordings"), e; it != e; ++it) before.insert(it->path());
  const bool resumed = poll_until(
      [&] {
        for (fs::recursive_directory_iterator it(media + "/recordings"), e; it != e; ++it) {
          const std::string name = it->path().filename().string();
          if (name.ends_with(".mp4") && !name.starts_with(".") && !before.count(it->path())) return true;
        }
        return false;
      },
      240, 0.5);
  EXPECT_TRUE(resumed) << "a new recording segment after space returned (" << recordings_now() << " segments)\n"
                       << v.log();
  EXPECT_NE(v.log().find("recording segments and clips resume"), std::string::npos);
}

}  // namespace vigil::test
