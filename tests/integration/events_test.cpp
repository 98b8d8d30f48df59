// Events through the HTTP API, with the embedded default detector on real video.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "harness.h"
#include "util/base64.h"

namespace vigil::test {
namespace {

cv::Mat decode(const std::string& jpeg) {
  return cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
}

nlohmann::json get_json(int port, const std::string& path) {
  auto r = http_get(port, path);
  EXPECT_EQ(r.status, 200) << path << ": " << r.body;
  EXPECT_EQ(r.content_type, "application/json") << path;
  return nlohmann::json::parse(r.body, nullptr, false);
}

}  // namespace

// With YOLOX-Nano when the model is present (VIGIL_MODELS or ../shared/models), else the
// embedded HOG detector: events with snapshots and clips, end to end.
TEST(Events, FinishedEventsThroughTheApi) {
  Vigil v(yolox_detectors_yaml() + "cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect, clips]\n    width: 768\n"
          "    height: 576\n    fps: 5\n    snapshots: {enabled: true, bounding_box: true}\n"
          "    clips: {enabled: true, pre_capture: 3, post_capture: 2}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  int p = v.port();
  nlohmann::json events;
  poll_until(
      [&] {
        events = get_json(p, "/api/events");
        return events.is_array() && events.size() >= 2;
      },
      180, 1);
  ASSERT_TRUE(events.is_array());
  ASSERT_GE(events.size(), 2u) << v.log();

  // Shape and types of 0.8's event objects, newest first.
  for (const auto& e : events) {
    EXPECT_EQ(e["camera"], "walk");
    EXPECT_EQ(e["label"], "person");
    EXPECT_EQ(e["false_positive"], false);
    EXPECT_EQ(e["has_clip"], true);
    EXPECT_EQ(e["has_snapshot"], true);
    EXPECT_TRUE(e["zones"].is_array());
    EXPECT_TRUE(e["start_time"].is_number_float());
    EXPECT_GT(e["end_time"].get<double>(), e["start_time"].get<double>());
    EXPECT_GE(e["top_score"].get<double>(), 0.7);
    std::string id = e["id"];
    EXPECT_EQ(id.rfind(std::to_string(int64_t(e["start_time"].get<double>())), 0), 0u) << id;
    auto thumb = base64_decode(e["thumbnail"].get<std::string>());
    ASSERT_TRUE(thumb.has_value());
    cv::Mat t = decode(*thumb);
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(t.rows, 175);
  }
  for (size_t i = 1; i < events.size(); ++i)
    EXPECT_GE(events[i - 1]["start_time"].get<double>(), events[i]["start_time"].get<double>());

  const std::string id = events[0]["id"];
  auto one = get_json(p, "/api/events/" + id);
  EXPECT_EQ(one["id"], id);
  auto thumb = http_get(p, "/api/events/" + id + "/thumbnail.jpg");
  EXPECT_EQ(thumb.status, 200);
  EXPECT_EQ(thumb.content_type, "image/jpeg");
  cv::Mat t = decode(thumb.body), a = decode(http_get(p, "/api/events/" + id + "/thumbnail.jpg?format=android").body);
  ASSERT_FALSE(t.empty());
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.cols, t.cols + 2 * int(t.cols * 0.5));
  auto snap = http_get(p, "/api/events/" + id + "/snapshot.jpg");
  EXPECT_EQ(snap.status, 200);
  cv::Mat s = decode(snap.body);
  EXPECT_EQ(s.cols, 768);  // the snapshot file: full frame, box drawn

  // The clip plays: one video stream, as long as the event plus pre and post capture.
  const std::string clip = v.dir() + "/media/clips/walk-" + id + ".mp4";
  const double expected = one["end_time"].get<double>() - one["start_time"].get<double>() + 3 + 2;
  EXPECT_EQ(run("ffprobe -v error -show_entries stream=codec_type -of csv=p=0 '" + clip + "'"), "video\n");
  const double duration =
      std::stod("0" + run("ffprobe -v error -show_entries format=duration -of csv=p=0 '" + clip + "'"));
  EXPECT_NEAR(duration, expected, 1.0) << clip;
  EXPECT_EQ(run("ffmpeg -v error -i '" + clip + "' -f null - 2>&1"), "") << "decodes without errors";
  // Served with byte ranges: a browser's seek.
  {
    httplib::Client c("127.0.0.1", p);
    auto whole = c.Get("/clips/walk-" + id + ".mp4");
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->status, 200);
    EXPECT_EQ(whole->get_header_value("Content-Type"), "video/mp4");
    ASSERT_GT(whole->body.size(), 2000u);
    auto part = c.Get("/clips/walk-" + id + ".mp4", {{"Range", "bytes=1000-1999"}});
    ASSERT_TRUE(part);
    EXPECT_EQ(part->status, 206);
    EXPECT_EQ(part->body, whole->body.substr(1000, 1000));
    EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 1000-1999/" + std::to_string(whole->body.size()));
  }

  for (const char* bad : {"/api/events/nope", "/api/events/nope/thumbnail.jpg", "/api/events/nope/snapshot.jpg"}) {
    auto r = http_get(p, bad);
    EXPECT_EQ(r.status, 404) << bad;
    EXPECT_EQ(r.body, "Event not found") << bad;
  }

  // Filters and limits.
  EXPECT_EQ(get_json(p, "/api/events?limit=1").size(), 1u);
  EXPECT_EQ(get_json(p, "/api/events?limit=0").size(), 0u);
  EXPECT_EQ(get_json(p, "/api/events?camera=other").size(), 0u);
  EXPECT_EQ(get_json(p, "/api/events?has_clip=0").size(), 0u);
  EXPECT_EQ(get_json(p, "/api/events?has_clip=1&limit=-1").size(), get_json(p, "/api/events?limit=-1").size());
  auto all = get_json(p, "/api/events?has_snapshot=1&limit=-1&include_thumbnails=0");
  EXPECT_GE(all.size(), events.size());
  EXPECT_FALSE(all[0].contains("thumbnail"));
  double t0 = events.back()["start_time"];
  for (const auto& e : get_json(p, "/api/events?after=" + std::to_string(t0 + 0.001)))
    EXPECT_GE(e["start_time"].get<double>(), t0);
  EXPECT_EQ(http_get(p, "/api/events?limit=abc").status, 400);
  EXPECT_EQ(http_get(p, "/api/events?before=yesterday").status, 400);

  // Summary counts match the list.
  auto summary = get_json(p, "/api/events/summary");
  ASSERT_TRUE(summary.is_array());
  int counted = 0;
  for (const auto& g : summary) counted += g["count"].get<int>();
  EXPECT_EQ(counted, int(get_json(p, "/api/events?limit=-1&include_thumbnails=0").size()));
}

}  // namespace vigil::test

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>

namespace vigil::test {
namespace {

// Closed segments of the clip cache (`<camera>-<time>.mp4`; the one being written is a
// `.…mp4.part`).
size_t closed_cache_segments(const std::string& cache_dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(cache_dir, ec)) {
    const std::string name = f.path().filename().string();
    n += !name.starts_with(".") && name.ends_with(".mp4");
  }
  return n;
}

}  // namespace

// SIGKILL while events are open: the next start finishes them (with the snapshot
// written while they were in progress), the database is intact, and nothing listed
// is missing on disk.
TEST(Events, OpenEventsSurviveAKill) {
  const std::string config =
      "cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
      "\n          input_args: -re -stream_loop -1\n          roles: [detect, clips]\n    width: 768\n    height: 576\n"
      "    fps: 5\n    snapshots: {enabled: true}\n    clips: {enabled: true}\n";
  const std::string dir = temp_dir();
  const std::string db = dir + "/media/clips/frigate.db";
  std::vector<std::string> open_ids;
  {
    Vigil v(config, dir);
    ASSERT_TRUE(v.wait_ready()) << v.log();
    eventually(
        [&] {
          open_ids = sql_column(db, "SELECT id FROM vigil_open_event WHERE state = 'open'");
          bool pending = false;
          for (const auto& id : open_ids)
            pending |= std::filesystem::exists(dir + "/media/clips/.pending/walk-" + id + ".jpg");
          return pending;
        },
        120);
    ASSERT_FALSE(open_ids.empty()) << v.log();
    // The clip cache holds video of the open events: a cache segment closed after they
    // were seen open (so it ends after they started). Then the kill.
    const size_t closed_before = closed_cache_segments(dir + "/media/cache");
    ASSERT_TRUE(eventually([&] { return closed_cache_segments(dir + "/media/cache") > closed_before; }, 90)) << v.log();
    if (auto now_open = sql_column(db, "SELECT id FROM vigil_open_event WHERE state = 'open'"); !now_open.empty())
      open_ids = now_open;
    v.process().signal(SIGKILL);
    v.process().wait(5);
  }
  Vigil again(config, dir);
  ASSERT_TRUE(again.wait_ready()) << again.log();
  EXPECT_EQ(sql_column(db, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  // Every event open at the kill was finished at start-up (before cameras ran), unless
  // it happened to finish normally between our look and the kill.
  int recovered = 0;
  for (const auto& id : open_ids) {
    bool was_recovered = again.log().find("recovered event " + id) != std::string::npos;
    bool finished_before = !sql_column(db, "SELECT id FROM event WHERE id = '" + id + "'").empty();
    recovered += was_recovered;
    EXPECT_TRUE(was_recovered || finished_before) << id;
    EXPECT_TRUE(sql_column(db, "SELECT id FROM vigil_open_event WHERE id = '" + id + "'").empty()) << id;
  }
  EXPECT_GE(recovered, 1) << again.log();
  int listed = 0;
  for (const auto& id : open_ids) {
    auto r = http_get(again.port(), "/api/events/" + id);
    if (r.status != 200) continue;
    ++listed;
    auto snap = http_get(again.port(), "/api/events/" + id + "/snapshot.jpg");
    EXPECT_EQ(snap.status, 200) << id;
    EXPECT_FALSE(decode(snap.body).empty()) << id;
    // Its clip was cut at start-up from the cache segments the kill left (the open one
    // salvaged up to its last complete fragment).
    auto e = nlohmann::json::parse(r.body);
    EXPECT_TRUE(e["has_clip"].get<bool>()) << id << "\n" << again.log();
  }
  EXPECT_GE(listed, 1) << "an event with a pending snapshot comes back with it";
  // Nothing listed that does not exist on disk; no temporaries left behind.
  auto all = nlohmann::json::parse(http_get(again.port(), "/api/events?limit=-1&include_thumbnails=0").body);
  for (const auto& e : all) {
    const std::string base = dir + "/media/clips/walk-" + e["id"].get<std::string>();
    if (e["has_snapshot"].get<bool>()) {
      EXPECT_TRUE(std::filesystem::exists(base + ".jpg"));
    }
    if (e["has_clip"].get<bool>()) {  // exists and plays cleanly
      EXPECT_EQ(run("ffprobe -v error -show_entries stream=codec_type -of csv=p=0 '" + base + ".mp4' 2>&1"), "video\n");
      EXPECT_EQ(run("ffmpeg -v error -i '" + base + ".mp4' -f null - 2>&1"), "") << base;
    }
  }
  for (const auto& f : std::filesystem::directory_iterator(dir + "/media/clips"))
    EXPECT_FALSE(f.path().filename().string().ends_with(".tmp")) << f.path();
}

}  // namespace vigil::test
