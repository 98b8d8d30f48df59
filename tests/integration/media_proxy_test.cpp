// The media proxies of Home Assistant's integration (ha-current.md §2.5, §4.4) against
// the real vigil on looped vtest: event clip.mp4 with byte ranges, recording clip.mp4
// across recording files (stream copy), event preview.gif, JSON errors; on the 0.8
// listener and on a 0.14 one.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;

std::string save(const std::string& body, const std::string& name) {
  const std::string f = temp_dir() + "/" + name;
  std::ofstream(f, std::ios::binary) << body;
  return f;
}

double probe_duration(const std::string& path) {
  const std::string out = run("ffprobe -v error -show_entries format=duration -of csv=p=0 '" + path + "'");
  return out.empty() ? -1 : std::atof(out.c_str());
}

// Decoding errors of the whole file ("" = it decodes).
std::string decode_errors(const std::string& path) { return run("ffmpeg -v error -i '" + path + "' -f null - 2>&1"); }

void expect_json_error(const HttpResult& r, int status, const std::string& what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body;
  EXPECT_EQ(r.content_type, "application/json") << what;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_TRUE(j.is_object() && j["success"] == false) << what << ": " << r.body;
}

class MediaProxy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new ScopedEnv;
    env_->set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "4");  // finished recordings within seconds
    port14_ = free_port();
    vigil_ = new Vigil(
        "api:\n  host: 127.0.0.1\n  listeners:\n    - {port: $API_PORT, profile: \"0.8\"}\n"
        "    - {port: " +
        std::to_string(port14_) + ", profile: \"0.14\"}\nrtsp_restream: {enabled: false}\n" + yolox_detectors_yaml() +
        "cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
        "\n          input_args: -re -stream_loop -1\n          roles: [detect, clips, record]\n"
        "    width: 768\n    height: 576\n    fps: 5\n    record: {enabled: true}\n"
        "    clips: {enabled: true, pre_capture: 2, post_capture: 2}\n    snapshots: {enabled: true}\n");
  }
  static void TearDownTestSuite() {
    delete vigil_;
    delete env_;
  }
  Vigil& v() { return *vigil_; }

  // The id of a finished event with a clip file.
  std::string event_with_clip() {
    nlohmann::json events;
    const bool found = eventually(
        [&] {
          events = nlohmann::json::parse(http_get(v().port(), "/api/events?has_clip=1").body, nullptr, false);
          return events.is_array() && !events.empty();
        },
        180);
    return found ? events[0]["id"].get<std::string>() : "";
  }

  // At least `n` finished recording files, oldest first.
  std::vector<std::string> recordings(size_t n) {
    std::vector<std::string> files;
    eventually(
        [&] {
          files = mp4s_under(v().dir() + "/media/recordings");
          return files.size() >= n;
        },
        120);
    std::sort(files.begin(), files.end());
    return files;
  }

  static inline ScopedEnv* env_ = nullptr;
  static inline Vigil* vigil_ = nullptr;
  static inline int port14_ = 0;
};

TEST_F(MediaProxy, EventClipIsTheClipFileWithByteRanges) {
  ASSERT_TRUE(v().wait_ready()) << v().log();
  const std::string id = event_with_clip();
  ASSERT_FALSE(id.empty()) << v().log();
  const std::string file = file_bytes(v().dir() + "/media/clips/walk-" + id + ".mp4");
  ASSERT_GT(file.size(), 1000u);
  const std::string path = "/api/events/" + id + "/clip.mp4";
  for (int port : {v().port(), port14_}) {
    httplib::Client cli("127.0.0.1", port);
    cli.set_decompress(false);
    // Whole: the file, its length, never compressed (HA relays Content-Length).
    auto whole = cli.Get(path.c_str(), {{"Accept-Encoding", "gzip, deflate, br"}});
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->status, 200);
    EXPECT_EQ(whole->get_header_value("Content-Type"), "video/mp4");
    EXPECT_EQ(whole->get_header_value("Accept-Ranges"), "bytes");
    EXPECT_EQ(whole->get_header_value("Content-Length"), std::to_string(file.size()));
    EXPECT_FALSE(whole->has_header("Content-Encoding"));
    EXPECT_TRUE(whole->body == file);
    // bytes=100-199: exactly that slice.
    auto part = cli.Get(path.c_str(), {{"Range", "bytes=100-199"}});
    ASSERT_TRUE(part);
    EXPECT_EQ(part->status, 206);
    EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 100-199/" + std::to_string(file.size()));
    EXPECT_EQ(part->get_header_value("Content-Length"), "100");
    EXPECT_TRUE(part->body == file.substr(100, 100));
    // Open-ended.
    auto tail = cli.Get(path.c_str(), {{"Range", "bytes=1000-"}});
    ASSERT_TRUE(tail);
    EXPECT_EQ(tail->status, 206);
    EXPECT_EQ(tail->get_header_value("Content-Range"),
              "bytes 1000-" + std::to_string(file.size() - 1) + "/" + std::to_string(file.size()));
    EXPECT_TRUE(tail->body == file.substr(1000));
    // Beyond the end: 416 with the size.
    auto beyond = cli.Get(path.c_str(), {{"Range", "bytes=" + std::to_string(file.size()) + "-"}});
    ASSERT_TRUE(beyond);
    EXPECT_EQ(beyond->status, 416);
    EXPECT_EQ(beyond->get_header_value("Content-Range"), "bytes */" + std::to_string(file.size()));
  }
  expect_json_error(http_get(v().port(), "/api/events/no-such-event/clip.mp4"), 404, "unknown event");
  expect_json_error(http_get(port14_, "/api/events/no-such-event/preview.gif"), 404, "unknown event");
}

TEST_F(MediaProxy, RecordingClipAcrossFilesIsAStreamCopyOfTheRange) {
  ASSERT_TRUE(v().wait_ready()) << v().log();
  const std::vector<std::string> files = recordings(6);
  ASSERT_GE(files.size(), 6u) << v().log();
  // From inside the 2nd file to inside the 5th: three file boundaries.
  const double s = recording_start(files[1]) + 1.5, e = recording_start(files[4]) + 1.25;
  char path[160];
  std::snprintf(path, sizeof path, "/api/walk/start/%.2f/end/%.2f/clip.mp4", s, e);
  HttpResult r = http_get(v().port(), path, 60);
  ASSERT_EQ(r.status, 200) << r.body << v().log();
  EXPECT_EQ(r.content_type, "video/mp4");
  EXPECT_EQ(r.header("Accept-Ranges"), "bytes");
  EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size()));
  const std::string f = save(r.body, "range.mp4");
  EXPECT_EQ(decode_errors(f), "");
  // The edit list starts playback at `s`: the duration is the range's, within a GOP (2 s in vtest).
  EXPECT_NEAR(probe_duration(f), e - s, 2.0);
  EXPECT_EQ(run("ffprobe -v error -select_streams v -show_entries stream=codec_name -of csv=p=0 '" + f + "'"),
            "h264\n");
  // Ranges on a clip cut on demand: the same bytes as the whole (the cut is deterministic).
  httplib::Client cli("127.0.0.1", port14_);
  auto part = cli.Get(path, {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_TRUE(part->body == r.body.substr(100, 100));
  EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 100-199/" + std::to_string(r.body.size()));

  // A range that starts before the first recording starts at its first picture, with no
  // empty lead-in.
  const double first = recording_start(files[0]), third = recording_start(files[2]);
  std::snprintf(path, sizeof path, "/api/walk/start/%.0f/end/%.0f/clip.mp4", first - 30, third);
  HttpResult early = http_get(v().port(), path, 60);
  ASSERT_EQ(early.status, 200) << early.body;
  const std::string g = save(early.body, "early.mp4");
  EXPECT_EQ(decode_errors(g), "");
  EXPECT_NEAR(probe_duration(g), third - first, 2.0);
}

TEST_F(MediaProxy, EventPreviewIsAnAnimatedGifOfAtMost20Seconds) {
  ASSERT_TRUE(v().wait_ready()) << v().log();
  const std::string id = event_with_clip();
  ASSERT_FALSE(id.empty()) << v().log();
  HttpResult r = http_get(port14_, "/api/events/" + id + "/preview.gif", 60);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "image/gif");
  ASSERT_GT(r.body.size(), 6u);
  EXPECT_EQ(r.body.substr(0, 6), "GIF89a");
  const std::string f = save(r.body, "preview.gif");
  EXPECT_EQ(decode_errors(f), "");
  const int frames =
      std::atoi(run("ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of "
                    "csv=p=0 '" +
                    f + "'")
                    .c_str());
  EXPECT_GT(frames, 1);
  EXPECT_LE(frames, 21);  // one a second over at most 20 s of video
  EXPECT_EQ(run("ffprobe -v error -select_streams v -show_entries stream=width -of csv=p=0 '" + f + "'"), "320\n");
}

// An event in progress has no clip file yet: its clip is cut on request (from the clip
// cache; the test below shows it without recordings).
TEST_F(MediaProxy, EventInProgressClipIsCutOnRequest) {
  ASSERT_TRUE(v().wait_ready()) << v().log();
  const std::string pending = v().dir() + "/media/clips/.pending";
  std::string body, id;
  ASSERT_TRUE(eventually(
      [&] {
        std::error_code ec;
        for (auto it = fs::directory_iterator(pending, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
          const std::string name = it->path().stem().string();  // walk-<id>
          if (!name.starts_with("walk-")) continue;
          id = name.substr(5);
          // Still in progress when asked: /api/events/<id> on 0.14 has end_time null.
          auto j = nlohmann::json::parse(http_get(port14_, "/api/events/" + id).body, nullptr, false);
          if (!j.is_object() || !j["end_time"].is_null()) continue;
          HttpResult r = http_get(v().port(), "/api/events/" + id + "/clip.mp4", 30);
          if (r.status != 200) continue;  // not a full second of video yet
          body = r.body;
          return true;
        }
        return false;
      },
      180))
      << v().log();
  const std::string f = save(body, "live.mp4");
  EXPECT_EQ(decode_errors(f), "");
  EXPECT_GT(probe_duration(f), 1.0);
}

TEST_F(MediaProxy, BadRequestsAreJsonErrors) {
  ASSERT_TRUE(v().wait_ready()) << v().log();
  const std::vector<std::pair<std::string, int>> cases{
      {"/api/walk/start/abc/end/5/clip.mp4", 400},
      {"/api/walk/start/1000000000/end//clip.mp4", 400},  // HA's proxy route allows an empty end
      {"/api/walk/start/-5/end/5/clip.mp4", 400},
      {"/api/walk/start/1e9/end/1000000010/clip.mp4", 400},
      {"/api/walk/start/1000000010/end/1000000000/clip.mp4", 400},  // inverted
      {"/api/walk/start/1000000000/end/1000000000/clip.mp4", 400},  // empty
      {"/api/walk/start/1000000000/end/1000007201/clip.mp4", 400},  // over 2 h
      {"/api/nobody/start/1000000000/end/1000000010/clip.mp4", 404},
      {"/api/walk/start/1000000000/end/1000000010/clip.mp4", 404},  // 2001: no recordings
      {"/api/events/no-such-event/clip.mp4", 404},
      {"/api/events/no-such-event/preview.gif", 404},
  };
  for (int port : {v().port(), port14_})
    for (const auto& [path, status] : cases) expect_json_error(http_get(port, path), status, path);
}

// Clips on, 24/7 recording off (a common 0.8 setup): an event in progress gets its
// clip.mp4 and preview.gif from the clip cache.
TEST(MediaProxyWithoutRecordings, EventInProgressComesFromTheClipCache) {
  Vigil v(yolox_detectors_yaml() + "cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          input_args: -re -stream_loop -1\n          roles: [detect, clips]\n"
          "    width: 768\n    height: 576\n    fps: 5\n"
          "    clips: {enabled: true, pre_capture: 2, post_capture: 2}\n    snapshots: {enabled: true}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const std::string pending = v.dir() + "/media/clips/.pending";
  std::string clip, gif;
  ASSERT_TRUE(eventually(
      [&] {
        std::error_code ec;
        for (auto it = fs::directory_iterator(pending, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
          const std::string name = it->path().stem().string();  // walk-<id>
          if (!name.starts_with("walk-")) continue;
          const std::string id = name.substr(5);
          HttpResult c = http_get(v.port(), "/api/events/" + id + "/clip.mp4", 30);
          HttpResult g = http_get(v.port(), "/api/events/" + id + "/preview.gif", 30);
          if (c.status != 200 || g.status != 200) continue;  // no full second cached yet
          // Still not finished once both were answered (0.8 lists finished events only):
          // neither came from a clip file.
          if (http_get(v.port(), "/api/events/" + id).status != 404) continue;
          clip = c.body;
          gif = g.body;
          return true;
        }
        return false;
      },
      180))
      << v.log();
  EXPECT_TRUE(mp4s_under(v.dir() + "/media/recordings").empty());
  const std::string f = save(clip, "cached.mp4");
  EXPECT_EQ(decode_errors(f), "");
  EXPECT_GE(probe_duration(f), 1.0);
  EXPECT_EQ(gif.substr(0, 6), "GIF89a");
  EXPECT_EQ(decode_errors(save(gif, "cached.gif")), "");
}

}  // namespace
}  // namespace vigil::test
