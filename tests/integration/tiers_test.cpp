// Storage tiers on a running vigil (docs/storage.md "Tiers"): vtest recorded in 2 s
// segments, an archive tier with move_after_hours 0.0005 (1.8 s), so segments move a few
// seconds after they close. What moved is read from the file system; vigil's view from
// /recordings/, the range clip, /api/stats and /api/recordings/storage; `vigil check`
// is the real binary's subcommand.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "harness.h"

namespace vigil::test {
namespace {
namespace fs = std::filesystem;

std::string camera_yaml(const std::string& archive, double hours = 0.0005) {
  std::ostringstream h;
  h << hours;
  return "storage: {min_free_mb: 0, tiers: [{path: " + archive + ", move_after_hours: " + h.str() +
         "}]}\nrecord: {enabled: true}\ncameras:\n  yard:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
         "\n          input_args: -re -stream_loop -1\n          roles: [detect, record]\n"
         "    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n";
}

// Segments below a recordings/ folder by their path relative to it.
std::set<std::string> rels_under(const std::string& recordings) {
  std::set<std::string> out;
  for (const std::string& p : mp4s_under(recordings)) out.insert(fs::path(p).lexically_relative(recordings).string());
  return out;
}

// Dot-named files (move temporaries) below `dir`.
std::vector<std::string> temporaries_under(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().filename().string().ends_with(".move")) out.push_back(it->path().string());
  return out;
}

nlohmann::json get_json(int port, const std::string& path) {
  HttpResult r = http_get(port, path);
  if (r.status != 200) return nullptr;
  return nlohmann::json::parse(r.body, nullptr, false);
}

// `vigil check` on a config: exit status and what it printed.
std::pair<int, std::string> vigil_check(const std::string& config, bool fix) {
  const char* bin = std::getenv("VIGIL_BIN");
  const std::string out = temp_dir() + "/check.out";
  const std::string cmd =
      std::string(bin ? bin : "vigil") + " check --config " + config + (fix ? " --fix" : "") + " > " + out + " 2>&1";
  const int st = std::system(cmd.c_str());
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, file_bytes(out)};
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

// Segments move to the archive, are served byte-identical from /recordings/ (listed in
// their hour folder), and the range clip over them is assembled from the archive.
TEST(Tiers, SegmentsMoveAndAreServedAndClippedFromTheArchive) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");
  const std::string dir = temp_dir(), archive = dir + "/archive";
  fs::create_directories(archive);
  Vigil v(camera_yaml(archive), dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const std::string arec = archive + "/recordings", rec = dir + "/media/recordings";
  std::set<std::string> moved;
  ASSERT_TRUE(eventually(
      [&] {
        moved = rels_under(arec);
        return moved.size() >= 4;
      },
      90))
      << v.log();
  for (const std::string& rel : rels_under(rec)) EXPECT_FALSE(moved.count(rel)) << rel << " is on both tiers";
  const std::string rel = *moved.begin();
  HttpResult f = http_get(v.port(), "/recordings/" + rel);
  ASSERT_EQ(f.status, 200);
  EXPECT_EQ(f.body, file_bytes(arec + "/" + rel)) << "byte-identical";
  const std::string folder = fs::path(rel).parent_path().string();
  HttpResult listing = http_get(v.port(), "/recordings/" + folder + "/");
  EXPECT_NE(listing.body.find(fs::path(rel).filename().string()), std::string::npos) << listing.body;

  // A range clip spanning three moved segments.
  std::vector<std::string> all(moved.begin(), moved.end());
  const double a = recording_start(arec + "/" + all[0]) + 0.5, b = recording_start(arec + "/" + all[2]) + 1;
  HttpResult clip =
      http_get(v.port(), "/api/yard/start/" + std::to_string(a) + "/end/" + std::to_string(b) + "/clip.mp4", 30);
  EXPECT_EQ(clip.status, 200) << clip.body.substr(0, 200);
  EXPECT_GT(clip.body.size(), 10000u);

  // /api/stats: the archive's entry with its tier state; the accounting per tier.
  const nlohmann::json stats = get_json(v.port(), "/api/stats");
  ASSERT_TRUE(stats.is_object());
  const nlohmann::json& t = stats["service"]["storage"][arec]["tier"];
  ASSERT_TRUE(t.is_object()) << stats.dump();
  EXPECT_EQ(t["state"], "ok");
  EXPECT_GE(t["moved_in"].get<int>(), 4);
  const nlohmann::json doc = get_json(v.port(), "/api/recordings/storage");
  ASSERT_TRUE(doc.is_object());
  EXPECT_GT(doc["yard"]["tiers"][archive].get<double>(), 0) << doc.dump();
  EXPECT_EQ(doc["yard"]["tier_paths"], nlohmann::json::array({v.dir() + "/media", archive})) << doc.dump();
}

// The archive made unusable mid-run (root ignores chmod: its folder is renamed away and a
// regular file put at its path): recording on media_dir goes on, the condition is logged
// once and shown in /api/stats; once restored, moves resume.
TEST(Tiers, AnUnusableArchiveIsReportedOnceAndMovesResume) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");
  const std::string dir = temp_dir(), archive = dir + "/archive";
  fs::create_directories(archive);
  Vigil v(camera_yaml(archive), dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const std::string arec = archive + "/recordings", rec = dir + "/media/recordings";
  ASSERT_TRUE(eventually([&] { return !rels_under(arec).empty(); }, 90)) << v.log();
  fs::rename(archive, dir + "/archive.away");
  std::ofstream(archive) << "not a folder";
  ASSERT_TRUE(v.wait_for_log("cannot be used", 60)) << v.log();
  const std::set<std::string> before = rels_under(rec);
  // Recording goes on: new segments on media_dir, and the stats say error.
  ASSERT_TRUE(eventually(
      [&] {
        const std::set<std::string> now = rels_under(rec);
        return now.size() >= before.size() + 3;
      },
      60))
      << v.log();
  const nlohmann::json stats = get_json(v.port(), "/api/stats");
  ASSERT_TRUE(stats.is_object());
  EXPECT_EQ(stats["service"]["storage"][arec]["tier"]["state"], "error") << stats.dump();
  EXPECT_EQ(stats["service"]["storage"][arec]["tier"]["unavailable"], 1);
  EXPECT_EQ(count_of(v.log(), "cannot be used"), 1u) << "once, not per pass";
  // Restored: moves resume.
  fs::remove(archive);
  fs::rename(dir + "/archive.away", archive);
  ASSERT_TRUE(v.wait_for_log("usable again", 60)) << v.log();
  ASSERT_TRUE(eventually(
      [&] {
        const std::set<std::string> a = rels_under(arec);
        return std::any_of(before.begin(), before.end(), [&](const std::string& r) { return a.count(r); }) ||
               a.size() >= before.size();
      },
      60))
      << v.log();
  EXPECT_EQ(count_of(v.log(), "cannot be used"), 1u);
}

// kill -9 at seeded random moments while moves run (each step of a move paused 200 ms by
// the test hook), 20 times, each followed by a restart: the database is intact, no
// segment is lost or on two tiers, no temporaries, `vigil check` clean.
TEST(Tiers, KillNineDuringMovesLosesAndDuplicatesNothing) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");
  env.set("VIGIL_TEST_MOVE_STEP_PAUSE_MS", "200");
  const std::string dir = temp_dir(), archive = dir + "/archive";
  fs::create_directories(archive);
  const std::string rec = dir + "/media/recordings", arec = archive + "/recordings";
  std::mt19937 rng(20);
  std::uniform_real_distribution<double> delay(0, 0.6);
  std::set<std::string> seen;  // every finished segment ever observed
  auto observe = [&] {
    for (const std::string& r : rels_under(rec)) seen.insert(r);
    for (const std::string& r : rels_under(arec)) seen.insert(r);
  };
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(round);
    Vigil v(camera_yaml(archive), dir);
    ASSERT_TRUE(v.wait_ready()) << v.log();
    // A move under way: its temporary exists.
    ASSERT_TRUE(eventually([&] { return !temporaries_under(archive).empty(); }, 60)) << v.log();
    observe();
    const double at = now_mono() + delay(rng);
    poll_until([&] { return now_mono() >= at; }, 2, 0.01);  // the seeded moment, inside the move
    v.process().kill_now();
    v.process().wait(10);
  }
  // The last restart repairs; one full pass shows it.
  {
    Vigil v(camera_yaml(archive, 1000), dir);  // no moves now
    ASSERT_TRUE(v.wait_ready()) << v.log();
    ASSERT_TRUE(v.wait_for_log("recordings index:", 30)) << v.log();
    EXPECT_TRUE(temporaries_under(archive).empty());
    const std::set<std::string> a = rels_under(arec), m = rels_under(rec);
    for (const std::string& r : seen) EXPECT_TRUE(a.count(r) || m.count(r)) << r << " lost";
    for (const std::string& r : a) EXPECT_FALSE(m.count(r)) << r << " on two tiers";
    EXPECT_EQ(sql_column(dir + "/media/clips/frigate.db", "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  }
  auto [code, out] = vigil_check(dir + "/config.yml", false);
  EXPECT_EQ(code, 0) << out;
}

// `vigil check`: a seeded orphan, a truncated segment, a half-done move, a temporary and
// a dead event row are each reported; --fix repairs them; a second run is clean.
TEST(Tiers, VigilCheckFindsAndFixes) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");
  const std::string dir = temp_dir(), archive = dir + "/archive";
  fs::create_directories(archive);
  {
    Vigil v(camera_yaml(archive, 1000), dir);  // creates the database and a few segments
    ASSERT_TRUE(v.wait_ready()) << v.log();
    ASSERT_TRUE(eventually([&] { return rels_under(dir + "/media/recordings").size() >= 3; }, 60)) << v.log();
    // While it runs, --fix refuses.
    auto [code, out] = vigil_check(dir + "/config.yml", true);
    EXPECT_EQ(code, 3) << out;
  }
  const std::string rec = dir + "/media/recordings", arec = archive + "/recordings";
  const std::set<std::string> found = rels_under(rec);
  const std::vector<std::string> segs(found.begin(), found.end());
  ASSERT_GE(segs.size(), 3u);
  // A half-done move: the segment copied completely to the archive, source still there.
  fs::create_directories(fs::path(arec + "/" + segs[0]).parent_path());
  fs::copy_file(rec + "/" + segs[0], arec + "/" + segs[0]);
  // A temporary.
  std::ofstream(fs::path(arec + "/" + segs[0]).parent_path() / ".07.07.mp4.move") << "partial";
  // A truncated segment.
  fs::resize_file(rec + "/" + segs[1], 200);
  // An orphan.
  std::ofstream(fs::path(rec + "/" + segs[2]).parent_path() / "notes.txt") << "hello";
  // A dead row: an event claiming a clip that does not exist.
  const std::string db = dir + "/media/clips/frigate.db";
  ASSERT_EQ(std::system(("sqlite3 " + db +
                         " \"INSERT INTO event (id, label, camera, start_time, end_time, top_score, false_positive, "
                         "zones, thumbnail, has_clip, has_snapshot) VALUES ('1.0-dead', 'person', 'yard', 1, 2, 0.9, "
                         "0, '[]', '', 1, 0)\"")
                            .c_str()),
            0);
  auto [code, out] = vigil_check(dir + "/config.yml", false);
  EXPECT_EQ(code, 1) << out;
  for (const char* kind : {"half-move ", "temporary ", "undecodable ", "orphan ", "dead-row "})
    EXPECT_NE(out.find(kind), std::string::npos) << kind << "\n" << out;
  EXPECT_TRUE(fs::exists(rec + "/" + segs[1])) << "dry run: nothing changed";
  auto [fcode, fout] = vigil_check(dir + "/config.yml", true);
  EXPECT_EQ(fcode, 1) << fout;
  EXPECT_EQ(fout.find("[NOT fixed]"), std::string::npos) << fout;
  EXPECT_FALSE(fs::exists(rec + "/" + segs[0])) << "the move is finished";
  EXPECT_TRUE(fs::exists(arec + "/" + segs[0]));
  auto [again, aout] = vigil_check(dir + "/config.yml", false);
  EXPECT_EQ(again, 0) << aout;
}

}  // namespace vigil::test
