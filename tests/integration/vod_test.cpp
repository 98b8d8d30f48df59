// HLS under /vod/ (ha-current.md §6) against the real vigil: recording on with short
// segments (VIGIL_TEST_RECORD_SEGMENT_SECONDS), looped vtest.mp4, events with clips.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;

struct Entry {
  double duration;
  std::string uri;
  double wall = -1;  // its #EXT-X-PROGRAM-DATE-TIME as Unix time; -1 without
};

// "2026-12-07T09:00:00.123Z" → Unix time; -1 if it is not that form.
double parse_pdt(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &ms) != 7)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return double(timegm(&tm)) + ms / 1000.0;
}

struct Playlist {
  int target = -1;
  std::vector<Entry> entries;
  bool endlist = false, vod = false, master = false;
  double total() const {
    double s = 0;
    for (const Entry& e : entries) s += e.duration;
    return s;
  }
};

Playlist parse_playlist(const std::string& text) {
  Playlist p;
  std::istringstream in(text);
  std::string line;
  double pending = -1, wall = -1;
  while (std::getline(in, line)) {
    if (line.starts_with("#EXT-X-PROGRAM-DATE-TIME:")) wall = parse_pdt(line.substr(25));
    if (line.starts_with("#EXT-X-TARGETDURATION:")) p.target = std::stoi(line.substr(22));
    if (line == "#EXT-X-ENDLIST") p.endlist = true;
    if (line == "#EXT-X-PLAYLIST-TYPE:VOD") p.vod = true;
    if (line.starts_with("#EXT-X-STREAM-INF")) p.master = true;
    if (line.starts_with("#EXTINF:")) pending = std::stod(line.substr(8));
    if (!line.empty() && line[0] != '#' && pending >= 0) {
      p.entries.push_back({pending, line, wall});
      pending = wall = -1;
    }
  }
  return p;
}

// Start time and duration of an MPEG-TS file, by ffprobe.
std::pair<double, double> probe_times(const std::string& path) {
  std::istringstream in(run("ffprobe -v error -show_entries format=start_time,duration -of csv=p=0 '" + path + "'"));
  double start = -1, duration = -1;
  char comma;
  in >> start >> comma >> duration;
  return {start, duration};
}

double probe_duration(const std::string& target) {
  const std::string out = run("ffprobe -v error -show_entries format=duration -of csv=p=0 '" + target + "'");
  return out.empty() ? -1 : std::atof(out.c_str());
}

class Vod : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new ScopedEnv;
    env_->set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "4");
    vigil_ = new Vigil(yolox_detectors_yaml() +
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
  std::string recordings() { return v().dir() + "/media/recordings"; }

  // Fetches every segment of `dir`'s playlist `p` (without the query, as HA forwards
  // them) and checks each decodes and continues the previous one's timestamps.
  void check_segments(const std::string& dir, const Playlist& p) {
    double expected_start = -1;
    for (const Entry& e : p.entries) {
      const std::string name = e.uri.substr(0, e.uri.find('?'));
      HttpResult r = http_get(v().port(), dir + name, 30);
      ASSERT_EQ(r.status, 200) << name << ": " << r.body;
      EXPECT_EQ(r.content_type, "video/MP2T");
      const std::string f = temp_dir() + "/seg.ts";
      std::ofstream(f, std::ios::binary) << r.body;
      EXPECT_EQ(run("ffmpeg -v error -i '" + f + "' -f null - 2>&1"), "") << name;
      const auto [start, duration] = probe_times(f);
      EXPECT_NEAR(duration, e.duration, 0.25) << name;
      if (expected_start >= 0) {
        EXPECT_NEAR(start, expected_start, 0.05) << name << ": timestamps jump";
      }
      expected_start = start + e.duration;
    }
  }

  static inline ScopedEnv* env_ = nullptr;
  static inline Vigil* vigil_ = nullptr;
};

TEST_F(Vod, RangeAcrossRecordingFilesPlaysAsHls) {
  ASSERT_TRUE(v().wait_ready()) << v().log();
  std::vector<std::string> files;
  ASSERT_TRUE(eventually(
      [&] {
        files = mp4s_under(recordings());
        return files.size() >= 7;
      },
      120))
      << v().log();
  std::sort(files.begin(), files.end());
  // [before the first file, start of the 7th]: the first six files whole (about 24 s).
  const long long s = std::llround(recording_start(files[0])) - 30, e = std::llround(recording_start(files[6]));
  double covered = 0;
  for (int i = 0; i < 6; ++i) covered += probe_duration(files[i]);
  const std::string dir = "/vod/walk/start/" + std::to_string(s) + "/end/" + std::to_string(e) + "/";

  HttpResult r = http_get(v().port(), dir + "index.m3u8?authSig=XYZ");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/vnd.apple.mpegurl");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  const Playlist p = parse_playlist(r.body);
  EXPECT_TRUE(p.vod && p.endlist && !p.master) << r.body;
  ASSERT_GE(p.entries.size(), 2u) << r.body;
  for (const Entry& en : p.entries) {
    EXPECT_LE(en.duration, p.target) << r.body;
    EXPECT_EQ(en.uri.find('/'), std::string::npos) << en.uri;
    EXPECT_TRUE(en.uri.ends_with(".ts?authSig=XYZ")) << en.uri;
  }
  EXPECT_NEAR(p.total(), covered, 0.3) << r.body;
  check_segments(dir, p);
  // Each segment's wall time (UTC): from the first file's start on, the files back to
  // back (each file's start is its name's, to the second: within 1 s of the position).
  EXPECT_NEAR(p.entries[0].wall, recording_start(files[0]), 1.0) << r.body;
  double position = 0, previous = 0;
  for (const Entry& en : p.entries) {
    EXPECT_NEAR(en.wall, p.entries[0].wall + position, 1.1) << r.body;
    EXPECT_GT(en.wall, previous) << r.body;
    previous = en.wall;
    position += en.duration;
  }

  // A player reads the whole playlist, across the files, without an error.
  const std::string url = "http://127.0.0.1:" + std::to_string(v().port()) + dir + "index.m3u8?authSig=XYZ";
  EXPECT_EQ(run("ffmpeg -v error -i '" + url + "' -c copy -f null - 2>&1"), "");
  EXPECT_NEAR(probe_duration(url), p.total(), 0.3);

  // Float times, the master playlist, a byte range of a segment.
  EXPECT_EQ(
      http_get(v().port(), "/vod/walk/start/" + std::to_string(s) + ".5/end/" + std::to_string(e) + ".25/index.m3u8")
          .status,
      200);
  HttpResult m = http_get(v().port(), dir + "master.m3u8?authSig=XYZ");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("#EXT-X-STREAM-INF:BANDWIDTH="), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("\nindex.m3u8?authSig=XYZ\n"), std::string::npos) << m.body;
  httplib::Client cli("127.0.0.1", v().port());
  const std::string seg = p.entries[1].uri.substr(0, p.entries[1].uri.find('?'));
  auto ranged = cli.Get((dir + seg).c_str(), {{"Range", "bytes=0-187"}});
  ASSERT_TRUE(ranged);
  EXPECT_EQ(ranged->status, 206);
  EXPECT_EQ(ranged->body.size(), 188u);
  EXPECT_EQ(ranged->body[0], 0x47);  // an MPEG-TS packet
  EXPECT_TRUE(ranged->get_header_value("Content-Range").starts_with("bytes 0-187/"));

  // The hour of the first file, named in UTC.
  const time_t first = time_t(recording_start(files[0]));
  std::tm utc{};
  gmtime_r(&first, &utc);
  char hour[32];
  std::strftime(hour, sizeof hour, "%Y-%m/%d/%H", &utc);
  HttpResult h = http_get(v().port(), std::string("/vod/") + hour + "/walk/utc/index.m3u8?authSig=XYZ");
  EXPECT_EQ(h.status, 200) << h.body;
  EXPECT_GE(parse_playlist(h.body).entries.size(), 1u);
}

TEST_F(Vod, EventClipPlaysAsHls) {
  ASSERT_TRUE(v().wait_ready()) << v().log();
  nlohmann::json events;
  ASSERT_TRUE(eventually(
      [&] {
        events = nlohmann::json::parse(http_get(v().port(), "/api/events?has_clip=1").body, nullptr, false);
        return events.is_array() && !events.empty();
      },
      180))
      << v().log();
  const std::string id = events[0]["id"];
  const std::string dir = "/vod/event/" + id + "/";
  HttpResult r = http_get(v().port(), dir + "index.m3u8");
  ASSERT_EQ(r.status, 200) << r.body;
  const Playlist p = parse_playlist(r.body);
  ASSERT_GE(p.entries.size(), 1u) << r.body;
  EXPECT_TRUE(p.vod && p.endlist);
  // The whole clip, from the keyframe before its edit list's start (as nginx-vod, which
  // ignores edit lists).
  const std::string clip = v().dir() + "/media/clips/walk-" + id + ".mp4";
  ASSERT_TRUE(fs::exists(clip));
  const std::string raw =
      run("ffprobe -v error -ignore_editlist 1 -select_streams v -show_entries stream=duration "
          "-of csv=p=0 '" +
          clip + "'");
  EXPECT_NEAR(p.total(), std::atof(raw.c_str()), 0.1) << r.body;
  check_segments(dir, p);
  const std::string url = "http://127.0.0.1:" + std::to_string(v().port()) + dir + "master.m3u8";
  EXPECT_EQ(run("ffmpeg -v error -i '" + url + "' -c copy -f null - 2>&1"), "");
  EXPECT_NEAR(probe_duration(url), p.total(), 0.3);
}

// An event in progress plays from the recordings up to now; the segments named while
// it was in progress stay valid (same bytes) once the range has grown.
TEST_F(Vod, EventInProgressKeepsItsSegmentNames) {
  ASSERT_TRUE(v().wait_ready()) << v().log();
  const std::string pending = v().dir() + "/media/clips/.pending";
  std::string dir, first_segment, first_body;
  Playlist before;
  // An event in progress (its pending snapshot) whose playlist comes from the recordings.
  ASSERT_TRUE(eventually(
      [&] {
        std::error_code ec;
        for (auto it = fs::directory_iterator(pending, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
          std::string name = it->path().stem().string();  // walk-<id>
          if (!name.starts_with("walk-")) continue;
          dir = "/vod/event/" + name.substr(5) + "/";
          HttpResult r = http_get(v().port(), dir + "index.m3u8");
          if (r.status != 200 || r.body.find("-c-") != std::string::npos) continue;  // none yet, or a clip
          before = parse_playlist(r.body);
          if (before.entries.empty()) continue;
          first_segment = before.entries[0].uri;
          HttpResult seg = http_get(v().port(), dir + first_segment, 30);
          if (seg.status != 200) continue;
          first_body = seg.body;
          return true;
        }
        return false;
      },
      180))
      << v().log();
  // The range grows (or the event ends): the playlist changes; the old name still serves
  // the same segment.
  ASSERT_TRUE(eventually(
      [&] {
        HttpResult r = http_get(v().port(), dir + "index.m3u8");
        return r.status == 200 && parse_playlist(r.body).total() != before.total();
      },
      60))
      << v().log();
  HttpResult again = http_get(v().port(), dir + first_segment, 30);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(again.body == first_body) << first_segment;
}

TEST_F(Vod, BadRequestsAreJsonErrors) {
  ASSERT_TRUE(v().wait_ready()) << v().log();
  const std::vector<std::pair<std::string, int>> cases{
      {"/vod/walk/start/abc/end/5/index.m3u8", 400},
      {"/vod/walk/start/10/end/5/index.m3u8", 400},
      {"/vod/walk/start/1/end/200000/index.m3u8", 400},
      {"/vod/walk/start/-5/end/5/index.m3u8", 400},
      {"/vod/nobody/start/1/end/5/index.m3u8", 404},
      {"/vod/walk/start/1/end/5/index.m3u8", 404},  // 1970: no recordings
      {"/vod/2026-13/01/00/walk/utc/index.m3u8", 400},
      {"/vod/2026-01/01/00/walk/Mars,Olympus/index.m3u8", 400},
      {"/vod/2026-01/01/00/walk/utc/index.m3u8", 404},
      {"/vod/event/no-such-event/index.m3u8", 404},
      {"/vod/walk/start/1/end/5/seg-0-20260101000000-0-20260101000004-4000.ts", 404},
      {"/vod/walk/start/1/end/5/seg-0-../../x-0-a-1.ts", 404},
      {"/vod/walk/start/1/end/5/notes.txt", 404},
      {"/vod/", 404},
  };
  for (const auto& [path, status] : cases) {
    HttpResult r = http_get(v().port(), path);
    EXPECT_EQ(r.status, status) << path << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json") << path;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_EQ(j["success"], false) << path;
  }
  EXPECT_EQ(nlohmann::json::parse(http_get(v().port(), "/vod/walk/start/1/end/5/index.m3u8").body)["message"],
            "No recordings found.");
}

}  // namespace
}  // namespace vigil::test
