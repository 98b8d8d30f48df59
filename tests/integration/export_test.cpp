// Exports (issue 13; Frigate 0.14's /api/export… shape) against the real vigil recording
// looped vtest in 30 s segments: a 90 s export across segment boundaries is one MP4 of
// 90 s (± one frame), decodes cleanly, downloads with byte ranges from /exports/, is
// listed, renamed and deleted; bad requests are JSON errors; the 0.8 listener only reads.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Answer {
  int status = 0;
  json body;
};

// A request; the answer must be JSON (as every 0.14 answer is) unless `json_answer` is false.
Answer call(int port, const std::string& method, const std::string& path, const std::string& body = "",
            bool json_answer = true) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(std::chrono::seconds(30));
  httplib::Result r = method == "POST"     ? cli.Post(path, body, "application/json")
                      : method == "PATCH"  ? cli.Patch(path)
                      : method == "DELETE" ? cli.Delete(path)
                                           : cli.Get(path);
  if (!r) return {};
  if (json_answer) {
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << method << " " << path;
  }
  return {r->status, json::parse(r->body, nullptr, false)};
}

double probe(const std::string& path, const std::string& entries) {
  const std::string out =
      run("ffprobe -v error -select_streams v:0 -show_entries " + entries + " -of csv=p=0 '" + path + "'");
  return out.empty() ? -1 : std::atof(out.c_str());
}

TEST(Export, NinetySecondsAcrossSegmentsIsOneCleanMp4ServedWithRanges) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "30");
  const int port14 = free_port();
  Vigil v("api:\n  host: 127.0.0.1\n  listeners:\n    - {port: $API_PORT, profile: \"0.8\"}\n    - {port: " +
          std::to_string(port14) +
          ", profile: \"0.14\"}\nrtsp_restream: {enabled: false}\n"
          "detectors:\n  cpu:\n    type: cpu\n"
          "cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " +
          vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect, record]\n"
          "    width: 768\n    height: 576\n    fps: 5\n    rtmp: {enabled: false}\n"
          "    record: {enabled: true}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();

  // Bad requests first (no recording is needed for them).
  EXPECT_EQ(call(port14, "POST", "/api/export/nope/start/1/end/2").status, 404);
  EXPECT_EQ(call(port14, "POST", "/api/export/walk/start/x/end/2").status, 400);
  EXPECT_EQ(call(port14, "POST", "/api/export/walk/start/20/end/10").status, 400);
  EXPECT_EQ(call(port14, "POST", "/api/export/walk/start/0/end/90000").status, 400);    // > 24 h
  EXPECT_EQ(call(port14, "POST", "/api/export/walk/start/1000/end/1090").status, 400);  // no recordings
  EXPECT_EQ(call(port14, "POST", "/api/export/walk/start/1000/end/1090", R"({"playback":"timelapse_25x"})").status,
            400);
  EXPECT_EQ(call(port14, "POST", "/api/export/walk/start/1000/end/1090", "[1]").status, 400);
  EXPECT_EQ(call(port14, "DELETE", "/api/export/walk_zzzzzz").status, 404);
  EXPECT_EQ(call(port14, "GET", "/api/exports/walk_zzzzzz").status, 404);

  // Enough recordings for 90 s from the start of the first file.
  std::vector<std::string> files;
  ASSERT_TRUE(eventually(
      [&] {
        files = mp4s_under(v.dir() + "/media/recordings");
        if (files.size() < 2) return false;
        std::sort(files.begin(), files.end());
        return recording_start(files.back()) >= recording_start(files.front()) + 95;
      },
      300))
      << v.log();
  const double start = recording_start(files.front()) + 2.5, end = start + 90;
  char path[128];
  std::snprintf(path, sizeof path, "/api/export/walk/start/%.3f/end/%.3f", start, end);
  // Made on the 0.8 listener (vigil-only there, for the web UI's timeline), as on 0.14.
  Answer made = call(v.port(), "POST", path, R"({"playback":"realtime","name":"front door, 90 s"})");
  ASSERT_EQ(made.status, 200) << made.body.dump();
  EXPECT_EQ(made.body["success"], true);
  const std::string id = made.body.value("export_id", "");
  ASSERT_EQ(id.rfind("walk_", 0), 0u) << made.body.dump();

  json row;
  ASSERT_TRUE(eventually(
      [&] {
        row = call(v.port(), "GET", "/api/exports/" + id).body;
        return row.is_object() && row["in_progress"] == false;
      },
      120))
      << v.log();
  ASSERT_TRUE(row["error"].is_null()) << row.dump();
  EXPECT_EQ(row["camera"], "walk");
  EXPECT_EQ(row["name"], "front door, 90 s");
  EXPECT_DOUBLE_EQ(row["date"].get<double>(), row["start_time"].get<double>());
  EXPECT_NEAR(row["start_time"].get<double>(), start, 1e-3);
  const std::string file = row["video_path"];
  EXPECT_EQ(file, v.dir() + "/media/exports/" + id + ".mp4");
  ASSERT_TRUE(fs::exists(file));
  EXPECT_EQ(row["size_bytes"].get<uintmax_t>(), fs::file_size(file));

  // One MP4, H.264 by stream copy, 90 s within one frame (vtest: 10 fps), decodes cleanly.
  EXPECT_EQ(run("ffprobe -v error -select_streams v -show_entries stream=codec_name -of csv=p=0 '" + file + "'"),
            "h264\n");
  const double duration = probe(file, "stream=duration");
  EXPECT_NEAR(duration, 90.0, 0.1 + 1e-6) << file;
  EXPECT_EQ(run("ffmpeg -v error -i '" + file + "' -f null - 2>&1"), "");
  // No temporary left beside it.
  for (const auto& e : fs::directory_iterator(v.dir() + "/media/exports"))
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();

  // Listed, and downloadable with byte ranges from /exports/ on both listeners.
  const json list = call(port14, "GET", "/api/exports").body;
  ASSERT_TRUE(list.is_array());
  EXPECT_TRUE(std::any_of(list.begin(), list.end(), [&](const json& e) { return e["id"] == id; })) << list.dump();
  const HttpResult whole = http_get(v.port(), "/exports/" + id + ".mp4", 30);
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body.size(), fs::file_size(file));
  httplib::Client cli("127.0.0.1", port14);
  auto part = cli.Get("/exports/" + id + ".mp4", {{"Range", "bytes=1000-1999"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_TRUE(part->body == whole.body.substr(1000, 1000));
  EXPECT_EQ(http_get(v.port(), "/exports/../clips/frigate.db").status, 404);

  // Renamed, then deleted with its file.
  EXPECT_EQ(call(port14, "PATCH", "/api/export/" + id + "/back%20yard").status, 200);
  EXPECT_EQ(call(port14, "GET", "/api/exports/" + id).body["name"], "back yard");
  EXPECT_EQ(call(v.port(), "DELETE", "/api/export/" + id).status, 200);  // on 0.8 too
  EXPECT_FALSE(fs::exists(file));
  EXPECT_EQ(call(port14, "GET", "/api/exports/" + id).status, 404);
}

}  // namespace
}  // namespace vigil::test
