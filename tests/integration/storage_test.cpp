// Retention and the free-space floor on a running vigil (storage.md §8, §9): backdated
// events, clips, snapshots and recordings placed on disk before start; what vigil
// deletes is checked through the HTTP API and the file system.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "storage/event_db.h"

namespace vigil::test {
namespace {
namespace fs = std::filesystem;

// The retention thread logs each pass it finished at debug level.
const std::string kRetentionLog = "logger:\n  logs:\n    vigil.storage: debug\n";
const std::string kFullPassDone = "retention: full pass done";
const std::string kFloorPassDone = "retention: floor pass done";

const std::string kCamera = "cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
                            "\n          input_args: -re -stream_loop -1\n          roles: [detect, clips, record]\n"
                            "    width: 768\n    height: 576\n    fps: 5\n";

// recordings/YYYY-MM/DD/HH/<camera>/MM.SS.mp4 for the local time `t`.
std::string recording_path(const std::string& media, double t) {
  std::time_t s = std::time_t(t);
  std::tm tm{};
  localtime_r(&s, &tm);
  char rel[64];
  std::strftime(rel, sizeof rel, "%Y-%m/%d/%H/walk/%M.%S.mp4", &tm);
  return media + "/recordings/" + rel;
}

void write(const std::string& path, size_t bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << std::string(bytes, 'v');
}

// A finished event backdated by `days`, with its clip and snapshot files on disk.
std::string add_event(EventDb& db, const std::string& media, double days) {
  const double start = double(std::time(nullptr)) - days * 86400;
  EventRecord e;
  e.id = std::to_string(start) + "-old" + std::to_string(int(days));
  e.label = "person";
  e.camera = "walk";
  e.start_time = start;
  e.end_time = start + 20;
  e.top_score = 0.8;
  e.has_clip = e.has_snapshot = true;
  db.finish_event(e, true);
  write(media + "/clips/walk-" + e.id + ".mp4", 1000);
  write(media + "/clips/walk-" + e.id + ".jpg", 100);
  return e.id;
}

nlohmann::json event(int port, const std::string& id) {
  auto r = http_get(port, "/api/events/" + id);
  if (r.status != 200) return nullptr;
  return nlohmann::json::parse(r.body, nullptr, false);
}

}  // namespace

// clips kept 5 days, snapshots 30, recordings 3: a 40-day-old event disappears, a
// 20-day-old one keeps only its snapshot, a 1-day-old one keeps both; recordings older
// than 3 days go, newer ones stay.
TEST(Retention, BackdatedMediaExpiresOnARunningVigil) {
  const std::string dir = temp_dir(), media = dir + "/media";
  fs::create_directories(media + "/clips");
  std::string gone, snap_only, kept;
  {
    EventDb db(media + "/clips/frigate.db");
    gone = add_event(db, media, 40);
    snap_only = add_event(db, media, 20);
    kept = add_event(db, media, 1);
  }
  const double now = double(std::time(nullptr));
  const std::string old_rec = recording_path(media, now - 10 * 86400), new_rec = recording_path(media, now - 86400);
  write(old_rec, 5000);
  write(new_rec, 5000);

  Vigil v(kRetentionLog + kCamera +
              "    clips: {enabled: true, retain: {default: 5}}\n    snapshots: {enabled: true, retain: "
              "{default: 30}}\n    record: {enabled: true, retain_days: 3}\n",
          dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // Retention runs once at start, then every 5 minutes: after that first pass, what is
  // kept was kept on purpose.
  ASSERT_TRUE(eventually([&] { return v.log().find(kFullPassDone) != std::string::npos; }, 30)) << v.log();

  EXPECT_TRUE(event(v.port(), gone).is_null()) << "a row with neither clip nor snapshot is deleted";
  EXPECT_FALSE(fs::exists(media + "/clips/walk-" + gone + ".mp4"));
  EXPECT_FALSE(fs::exists(media + "/clips/walk-" + gone + ".jpg"));
  auto s = event(v.port(), snap_only);
  ASSERT_FALSE(s.is_null());
  EXPECT_EQ(s["has_clip"], false);
  EXPECT_EQ(s["has_snapshot"], true);
  EXPECT_FALSE(fs::exists(media + "/clips/walk-" + snap_only + ".mp4"));
  EXPECT_TRUE(fs::exists(media + "/clips/walk-" + snap_only + ".jpg"));
  EXPECT_EQ(http_get(v.port(), "/clips/walk-" + snap_only + ".mp4").status, 404);
  auto k = event(v.port(), kept);
  ASSERT_FALSE(k.is_null());
  EXPECT_EQ(k["has_clip"], true);
  EXPECT_TRUE(fs::exists(media + "/clips/walk-" + kept + ".mp4"));
  EXPECT_FALSE(fs::exists(old_rec));
  EXPECT_TRUE(fs::exists(new_rec));
  EXPECT_EQ(http_get(v.port(), "/api/events?has_clip=0").status, 200);
}

// A floor larger than any disk: vigil deletes recordings, then clips, then snapshots,
// stops starting recording segments, and keeps detecting and answering the API.
TEST(DiskFloor, ADiskBelowTheFloorLosesOldMediaAndVigilKeepsRunning) {
  const std::string dir = temp_dir(), media = dir + "/media";
  fs::create_directories(media + "/clips");
  std::string id;
  {
    EventDb db(media + "/clips/frigate.db");
    id = add_event(db, media, 2);
  }
  const double now = double(std::time(nullptr));
  const std::string rec1 = recording_path(media, now - 7200), rec2 = recording_path(media, now - 3600);
  write(rec1, 5000);
  write(rec2, 5000);

  Vigil v(kRetentionLog + "storage: {min_free_mb: 1000000000}\n" + kCamera +
              "    clips: {enabled: true}\n    snapshots: {enabled: true}\n    record: {enabled: true}\n",
          dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(eventually([&] { return v.log().find(kFullPassDone) != std::string::npos; }, 30)) << v.log();
  EXPECT_FALSE(fs::exists(rec1));
  EXPECT_FALSE(fs::exists(rec2));
  EXPECT_TRUE(event(v.port(), id).is_null()) << "its clip and snapshot went, then the row";
  EXPECT_FALSE(fs::exists(media + "/clips/walk-" + id + ".mp4"));
  EXPECT_TRUE(fs::exists(media + "/clips/frigate.db")) << "the database is never deleted";

  // Nothing more to delete: no new recording segment starts, the rest keeps running.
  // Once writes are blocked, a later floor check (10 s on) finds them still blocked; the
  // camera's keyframes (every 2 s) met the closed gate meanwhile.
  std::string log;
  ASSERT_TRUE(eventually(
      [&] {
        log = v.log();
        const size_t blocked = log.find("with nothing left to delete");
        return blocked != std::string::npos && log.find(kFloorPassDone, blocked) != std::string::npos;
      },
      60))
      << log;
  int segments = 0;
  for (auto it = fs::recursive_directory_iterator(media + "/recordings"); it != fs::recursive_directory_iterator();
       ++it)
    segments += it->path().extension() == ".mp4";
  EXPECT_EQ(segments, 0);
  EXPECT_TRUE(v.process().running());
  auto stats = nlohmann::json::parse(http_get(v.port(), "/api/stats").body, nullptr, false);
  ASSERT_TRUE(stats.is_object());
  EXPECT_GT(stats["walk"]["camera_fps"].get<double>(), 0) << "the camera is still read";
  EXPECT_EQ(http_get(v.port(), "/api/walk/latest.jpg").status, 200);
  EXPECT_NE(v.log().find("with nothing left to delete"), std::string::npos) << v.log();
  EXPECT_NE(v.log().find("below the floor"), std::string::npos) << v.log();
}

}  // namespace vigil::test
