// Byte budgets on a running vigil (docs/storage.md "Byte budgets", "Accounting"): two
// cameras recording vtest in 2 s segments, one with record.max_mb of 1 MB. What vigil
// deletes is read from the file system; the accounting from /api/recordings/storage on
// both listeners and from /api/stats.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "harness.h"

namespace vigil::test {
namespace {
namespace fs = std::filesystem;

// Finished segments of `camera` below recordings/ (path → allocated bytes, as du counts).
std::map<std::string, uint64_t> segments_of(const std::string& recordings, const std::string& camera) {
  std::map<std::string, uint64_t> out;
  for (const std::string& p : mp4s_under(recordings)) {
    if (fs::path(p).parent_path().filename() != camera) continue;
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) out[p] = uint64_t(st.st_blocks) * 512;
  }
  return out;
}

uint64_t total(const std::map<std::string, uint64_t>& segs) {
  uint64_t t = 0;
  for (const auto& [p, b] : segs) t += b;
  return t;
}

// Path of a segment below recordings/ sorts as its start (YYYY-MM/DD/HH/<camera>/MM.SS).
std::string camera_input(const std::string& name, const std::string& extra) {
  return "  " + name + ":\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
         "\n          input_args: -re -stream_loop -1\n          roles: [detect, record]\n"
         "    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n" +
         extra;
}

nlohmann::json get_json(int port, const std::string& path) {
  HttpResult r = http_get(port, path);
  if (r.status != 200) return nullptr;
  return nlohmann::json::parse(r.body, nullptr, false);
}

}  // namespace

// The budgeted camera stays within its budget plus one segment, losing its oldest
// segments first; the other camera keeps everything; the usage vigil reports agrees with
// the allocated bytes on disk within 1 %, on the 0.8 and the 0.14 listener alike.
TEST(Budget, TheBudgetedCameraKeepsItsNewestSegmentsWithinItsBudget) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");
  const int p14 = free_port();
  Vigil v("api:\n  host: 127.0.0.1\n  listeners:\n    - {port: $API_PORT, profile: \"0.8\"}\n    - {port: " +
          std::to_string(p14) + ", profile: \"0.14\"}\nrtsp_restream: {enabled: false}\n" +
          "record: {enabled: true}\ncameras:\n" + camera_input("small", "    record: {max_mb: 1}\n") +
          camera_input("big", ""));
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const std::string rec = v.dir() + "/media/recordings";
  const uint64_t budget = 1000000;

  // Every segment either camera ever had on disk, and which of them went.
  std::set<std::string> seen_small, seen_big, gone_small;
  uint64_t largest = 0, worst = 0;
  auto observe = [&] {
    const auto small = segments_of(rec, "small"), big = segments_of(rec, "big");
    for (const auto& [p, b] : small) {
      seen_small.insert(p);
      largest = std::max(largest, b);
    }
    for (const auto& [p, b] : big) seen_big.insert(p);
    for (const std::string& p : seen_small)
      if (!small.count(p)) gone_small.insert(p);
    worst = std::max(worst, total(small));
    return small;
  };
  // Until the budget has made the camera lose several segments (the log says each time).
  ASSERT_TRUE(eventually(
      [&] {
        observe();
        return gone_small.size() >= 6;
      },
      120))
      << v.log();
  const auto small = observe();
  EXPECT_LE(worst, budget + largest) << "within its budget plus one segment";
  // Oldest first: every segment that went started before every one that is left.
  for (const std::string& g : gone_small)
    for (const auto& [p, b] : small) EXPECT_LT(g, p);
  // The other camera lost nothing.
  for (const std::string& p : seen_big) EXPECT_TRUE(fs::exists(p)) << p;
  EXPECT_GT(total(segments_of(rec, "big")), budget);
  EXPECT_NE(v.log().find("to keep cameras within record.max_mb"), std::string::npos) << v.log();

  // Accounting, on both listeners: usage agrees with du (allocated bytes) within 1 %.
  for (int port : {v.port(), p14}) {
    nlohmann::json doc;
    double du_big = 0;
    EXPECT_TRUE(eventually(
        [&] {
          doc = get_json(port, "/api/recordings/storage");
          if (!doc.is_object() || !doc.contains("big")) return false;
          du_big = double(total(segments_of(rec, "big"))) / 1e6;
          return std::abs(doc["big"]["usage"].get<double>() - du_big) <= du_big * 0.01;
        },
        30))
        << port << ": " << doc.dump() << " du " << du_big;
    ASSERT_TRUE(doc.is_object());
    EXPECT_DOUBLE_EQ(doc["small"]["budget_mb"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(doc["big"]["budget_mb"].get<double>(), 0.0);
    EXPECT_LE(doc["small"]["usage"].get<double>(), 1.0 + double(largest) / 1e6);
    EXPECT_GT(doc["big"]["bandwidth"].get<double>(), 0) << "MB per hour";
    EXPECT_GT(doc["big"]["usage_percent"].get<double>(), 0);
    EXPECT_TRUE(doc["small"]["oldest_start_time"].is_number());
    // The budgeted camera keeps about as many seconds as its budget holds at its rate.
    ASSERT_TRUE(doc["small"]["projected_days"].is_number()) << doc.dump();
    const double days = doc["small"]["projected_days"].get<double>();
    const double expected = 1.0 / (doc["small"]["bandwidth"].get<double>() * 24);
    EXPECT_NEAR(days, expected, expected * 0.01 + 0.0001) << doc.dump();
  }
  // /api/stats: the same, inside the recordings folder's entry (three folder entries stay).
  const nlohmann::json stats = get_json(v.port(), "/api/stats");
  ASSERT_TRUE(stats.is_object());
  EXPECT_EQ(stats["service"]["storage"].size(), 3u);
  const nlohmann::json& cams = stats["service"]["storage"][rec]["cameras"];
  ASSERT_TRUE(cams.is_object()) << stats.dump();
  EXPECT_DOUBLE_EQ(cams["small"]["budget_mb"].get<double>(), 1.0);
  EXPECT_TRUE(cams["big"]["usage"].is_number());
}

// retain_days still deletes with a budget set: a backdated segment placed before start
// goes at the first pass, the budget's own deletions come later.
TEST(Budget, RetainDaysStillDeletesBesideABudget) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");
  const std::string dir = temp_dir(), media = dir + "/media";
  const std::string old_seg = media + "/recordings/2020-01/01/00/small/00.00.mp4";
  fs::create_directories(fs::path(old_seg).parent_path());
  { std::ofstream(old_seg) << std::string(5000, 'v'); }
  Vigil v("logger:\n  logs:\n    vigil.storage: debug\nrecord: {enabled: true, retain_days: 3}\ncameras:\n" +
              camera_input("small", "    record: {max_mb: 100}\n"),
          dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(v.wait_for_log("retention: full pass done", 30)) << v.log();
  EXPECT_FALSE(fs::exists(old_seg));
  EXPECT_FALSE(fs::exists(media + "/recordings/2020-01")) << "its emptied folders went too";
}

// A segment an event in progress needs survives the budget until the event ends: with
// detection on (people walk through vtest all the time), a 3 MB budget (~24 s of video,
// more than detection takes to open an event) is soon held by an open event; while it
// holds, the camera's oldest segment reaches back to the oldest open event's start minus
// pre_capture; once that event has ended, that segment goes.
TEST(Budget, SegmentsAnOpenEventNeedsSurviveUntilItEnds) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");
  Vigil v(yolox_detectors_yaml() + "record: {enabled: true}\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n" +
          "        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect, clips, record]\n"
          "    width: 768\n    height: 576\n    fps: 5\n    clips: {enabled: true, pre_capture: 1}\n"
          "    record: {max_mb: 3}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const std::string db = v.dir() + "/media/clips/frigate.db";
  // The first segment's start (an event of the first seconds needs video from before it).
  double first = 0;
  ASSERT_TRUE(eventually([&] {
    const nlohmann::json doc = get_json(v.port(), "/api/recordings/storage");
    if (!doc.is_object() || !doc["walk"]["oldest_start_time"].is_number()) return false;
    first = doc["walk"]["oldest_start_time"].get<double>();
    return true;
  }));
  // Held: the camera went over its budget with only needed segments left.
  ASSERT_TRUE(v.wait_for_log("is over its record.max_mb", 240)) << v.log();
  std::string id;
  double need = 0, oldest_held = 0;
  ASSERT_TRUE(eventually(
      [&] {
        const std::vector<std::string> rows = sql_column(
            db,
            "SELECT id || ' ' || start_time FROM vigil_open_event WHERE camera = 'walk' ORDER BY start_time LIMIT 1");
        const nlohmann::json doc = get_json(v.port(), "/api/recordings/storage");
        if (rows.empty() || !doc.is_object() || !doc["walk"]["oldest_start_time"].is_number()) return false;
        id = rows[0].substr(0, rows[0].find(' '));
        need = std::stod(rows[0].substr(rows[0].find(' ') + 1)) - 1;  // start − pre_capture
        oldest_held = doc["walk"]["oldest_start_time"].get<double>();
        return true;
      },
      30))
      << v.log();
  EXPECT_LE(oldest_held, std::max(need, first) + 0.5)
      << std::fixed << "the oldest open event's start is kept, event " << id << ", first segment " << first;
  // That event ends (its row leaves the open table), then the segment holding its start goes.
  ASSERT_TRUE(eventually(
      [&] {
        const auto n = sql_column(db, "SELECT COUNT(*) FROM vigil_open_event WHERE id = '" + id + "'");
        return !n.empty() && n[0] == "0";
      },
      240))
      << v.log();
  double oldest = 0;
  EXPECT_TRUE(eventually(
      [&] {
        const nlohmann::json doc = get_json(v.port(), "/api/recordings/storage");
        if (!doc.is_object() || !doc["walk"]["oldest_start_time"].is_number()) return false;
        oldest = doc["walk"]["oldest_start_time"].get<double>();
        return oldest > need;
      },
      240))
      << "oldest " << oldest << " need " << need << "\n"
      << v.log();
}

}  // namespace vigil::test
