// Retention (storage.md §8) and the free-space floor (§9) on real files and a real
// EventDb, with a manual clock and a fake free-space function.
#include "storage/retention.h"

#include <gtest/gtest.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "test_media.h"
#include "util/log.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using test::eventually;

constexpr double kDay = 86400;
constexpr double kNow = 1700000000;  // 2023-11-14
constexpr uint64_t kPlenty = uint64_t(1) << 50;

std::string camera_yaml(const std::string& name, const std::string& extra = "") {
  return "  " + name +
         ":\n"
         "    ffmpeg:\n"
         "      inputs:\n"
         "        - path: rtsp://cam/" +
         name +
         "\n"
         "          roles: [detect]\n"
         "    width: 640\n"
         "    height: 360\n" +
         extra;
}

// garden: camera-level clips.retain.objects only, so retain.default is the global 5 and
// the global per-label map (car: 2) is replaced as a whole; record 3 days.
// porch: its own clip and snapshot rules; record inherits the global 7 days.
const std::string kYaml = R"(clips:
  retain:
    default: 5
    objects:
      car: 2
snapshots:
  retain:
    default: 20
record:
  retain_days: 7
storage:
  min_free_mb: 1000
cameras:
)" + camera_yaml("garden", R"(    clips:
      retain:
        objects:
          dog: 8
    record:
      retain_days: 3
)") + camera_yaml("porch", R"(    clips:
      retain:
        default: 1
        objects:
          person: 4
    snapshots:
      retain:
        default: 2
)");

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-retention-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    media_ = tmpl;
    fs::create_directories(media_ + "/clips");
    fs::create_directories(media_ + "/recordings");
    cfg_ = parse_config(kYaml, false);
    cfg_.media_dir = media_;
    db_ = std::make_unique<EventDb>(media_ + "/clips/frigate.db");
    clock_.wall_time = kNow;
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(media_, ec);
  }

  std::unique_ptr<Retention> make(FreeSpaceFn fn = [](const std::string&) { return kPlenty; }) {
    return std::make_unique<Retention>(cfg_, *db_, clock_, std::move(fn));
  }

  static void write(const std::string& path, size_t size = 1000) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << std::string(size, 'x');
  }

  // recordings/YYYY-MM/DD/HH/<camera>/MM.SS.mp4 for a start time, in local time.
  std::string segment(const std::string& camera, double t, bool create = true) {
    std::time_t tt = std::time_t(t);
    std::tm tm{};
    ::localtime_r(&tt, &tm);
    char dir[32], name[32];
    std::strftime(dir, sizeof dir, "%Y-%m/%d/%H", &tm);
    std::strftime(name, sizeof name, "%M.%S.mp4", &tm);
    std::string p = media_ + "/recordings/" + dir + "/" + camera + "/" + name;
    if (create) write(p);
    return p;
  }

  std::string clip(const std::string& camera, const std::string& id) {
    return media_ + "/clips/" + camera + "-" + id + ".mp4";
  }
  std::string snap(const std::string& camera, const std::string& id) {
    return media_ + "/clips/" + camera + "-" + id + ".jpg";
  }

  // A finished event as the event pipeline leaves it: open row, then the event row, and the files.
  void add_event(const std::string& id, const std::string& camera, const std::string& label, double start,
                 bool has_clip = true, bool has_snapshot = true) {
    OpenEvent o;
    o.id = id;
    o.camera = camera;
    o.label = label;
    o.start_time = start;
    o.last_seen = start + 10;
    db_->open_event(o);
    EventRecord e;
    e.id = id;
    e.camera = camera;
    e.label = label;
    e.start_time = start;
    e.end_time = start + 10;
    e.top_score = 0.8;
    e.has_clip = has_clip;
    e.has_snapshot = has_snapshot;
    db_->finish_event(e, true);
    if (has_clip) write(clip(camera, id));
    if (has_snapshot) write(snap(camera, id));
  }

  std::optional<EventRecord> event(const std::string& id) { return db_->get(id); }

  // Bytes of media files (everything but the database) below <media>.
  uint64_t media_bytes() const {
    uint64_t total = 0;
    std::error_code ec;
    for (auto& e : fs::recursive_directory_iterator(media_, ec))
      if (e.is_regular_file() && !e.path().filename().string().starts_with("frigate.db")) total += e.file_size();
    return total;
  }

  // A disk that starts with `start` bytes free and gains `scale` bytes per byte deleted.
  FreeSpaceFn fake_disk(uint64_t start, uint64_t scale) {
    const uint64_t initial = media_bytes();
    return [this, start, scale, initial](const std::string&) { return start + (initial - media_bytes()) * scale; };
  }

  std::string media_;
  Config cfg_;
  std::unique_ptr<EventDb> db_;
  ManualClock clock_;
};

bool exists(const std::string& p) { return fs::exists(p); }

// ---- §8.1 event clips and snapshots ----

// Review segments (ha-current.md §7) go with the camera's clips: `clips.retain.default`
// days after their end, row and thumbnail; an open one stays.
TEST_F(RetentionTest, ExpiresReviewSegmentsWithTheClips) {
  auto add = [&](const std::string& id, const std::string& camera, double start, std::optional<double> end) {
    ReviewSegment r;
    r.id = id;
    r.camera = camera;
    r.start_time = start;
    r.end_time = end;
    r.thumb_path = media_ + "/clips/review/thumb-" + camera + "-" + id + ".webp";
    write(r.thumb_path);
    db_->upsert_review(r);
    return r.thumb_path;
  };
  const std::string g6 = add("g6", "garden", kNow - 6 * kDay, kNow - 6 * kDay + 10);  // default 5 → expired
  const std::string g4 = add("g4", "garden", kNow - 4 * kDay, kNow - 4 * kDay + 10);  // kept
  const std::string p2 = add("p2", "porch", kNow - 2 * kDay, kNow - 2 * kDay + 10);   // default 1 → expired
  const std::string open = add("open", "porch", kNow - 9 * kDay, std::nullopt);       // open: kept
  RetentionReport rep = make()->run_once();
  EXPECT_EQ(rep.reviews_expired, 2);
  EXPECT_EQ(rep.errors, 0);
  EXPECT_FALSE(db_->get_review("g6"));
  EXPECT_FALSE(db_->get_review("p2"));
  EXPECT_TRUE(db_->get_review("g4"));
  EXPECT_TRUE(db_->get_review("open"));
  EXPECT_FALSE(exists(g6));
  EXPECT_FALSE(exists(p2));
  EXPECT_TRUE(exists(g4));
  EXPECT_TRUE(exists(open));
}

TEST_F(RetentionTest, ExpiresClipsAndSnapshotsPerCameraAndLabel) {
  add_event("g-person-6d", "garden", "person", kNow - 6 * kDay);  // clip: default 5 (global) → expired
  add_event("g-person-4d", "garden", "person", kNow - 4 * kDay);  // kept
  add_event("g-dog-6d", "garden", "dog", kNow - 6 * kDay);        // dog: 8 → kept
  add_event("g-dog-9d", "garden", "dog", kNow - 9 * kDay);        // expired
  add_event("g-car-3d", "garden", "car", kNow - 3 * kDay);        // camera map replaces global car: 2 → 5, kept
  add_event("p-person-3d", "porch", "person", kNow - 3 * kDay);   // clip (person: 4) kept, snapshot (2 d) expired
  add_event("p-person-5d", "porch", "person", kNow - 5 * kDay);   // clip expired, snapshot (2 d) expired too
  add_event("p-car-1.5d", "porch", "car", kNow - 1.5 * kDay);     // clip (default 1) expired, snapshot kept

  RetentionReport rep = make()->run_once();

  EXPECT_EQ(rep.clips_expired, 4);
  EXPECT_EQ(rep.snapshots_expired, 2);
  EXPECT_EQ(rep.rows_deleted, 1);
  EXPECT_EQ(rep.errors, 0);

  auto g6 = event("g-person-6d");
  ASSERT_TRUE(g6);
  EXPECT_FALSE(g6->has_clip);
  EXPECT_TRUE(g6->has_snapshot);  // snapshots: global default 20
  EXPECT_FALSE(exists(clip("garden", "g-person-6d")));
  EXPECT_TRUE(exists(snap("garden", "g-person-6d")));

  for (const char* id : {"g-person-4d", "g-dog-6d", "g-car-3d"}) {
    auto e = event(id);
    ASSERT_TRUE(e) << id;
    EXPECT_TRUE(e->has_clip) << id;
    EXPECT_TRUE(exists(clip("garden", id))) << id;
  }
  EXPECT_FALSE(event("g-dog-9d")->has_clip);
  EXPECT_FALSE(exists(clip("garden", "g-dog-9d")));

  auto p3 = event("p-person-3d");
  ASSERT_TRUE(p3);
  EXPECT_TRUE(p3->has_clip);
  EXPECT_FALSE(p3->has_snapshot);
  EXPECT_FALSE(exists(snap("porch", "p-person-3d")));
  EXPECT_FALSE(event("p-person-5d"));  // neither medium left → row removed
  EXPECT_FALSE(exists(clip("porch", "p-person-5d")));
  EXPECT_FALSE(exists(snap("porch", "p-person-5d")));
  auto pc = event("p-car-1.5d");
  ASSERT_TRUE(pc);
  EXPECT_FALSE(pc->has_clip);
  EXPECT_TRUE(pc->has_snapshot);
  EXPECT_TRUE(exists(snap("porch", "p-car-1.5d")));
}

// Favourites (0.14's retain_indefinitely): an expired clip and snapshot stay while the
// event is retained, and go at the first pass after it is un-retained.
TEST_F(RetentionTest, RetainedEventsKeepTheirMediaUntilUnRetained) {
  add_event("kept", "garden", "person", kNow - 60 * kDay);
  add_event("gone", "garden", "person", kNow - 60 * kDay);
  ASSERT_TRUE(db_->set_retained("kept", true));
  EXPECT_FALSE(db_->set_retained("nosuchevent", true));
  EXPECT_EQ(db_->retained_ids(), std::set<std::string>{"kept"});

  EXPECT_EQ(make()->run_once().clips_expired, 1);
  EXPECT_FALSE(event("gone"));
  ASSERT_TRUE(event("kept"));
  EXPECT_TRUE(event("kept")->has_clip);
  EXPECT_TRUE(exists(clip("garden", "kept")));
  EXPECT_TRUE(exists(snap("garden", "kept")));

  ASSERT_TRUE(db_->set_retained("kept", false));
  make()->run_once();
  EXPECT_FALSE(event("kept"));
  EXPECT_FALSE(exists(clip("garden", "kept")));
}

TEST_F(RetentionTest, UnconfiguredCamerasUseGlobalRetain) {
  add_event("gone-car-3d", "gone", "car", kNow - 3 * kDay);          // global car: 2 → clip expired
  add_event("gone-person-3d", "gone", "person", kNow - 3 * kDay);    // global default 5 → kept
  add_event("gone-person-25d", "gone", "person", kNow - 25 * kDay);  // both expired → row removed

  RetentionReport rep = make()->run_once();
  EXPECT_EQ(rep.clips_expired, 2);
  EXPECT_EQ(rep.snapshots_expired, 1);
  EXPECT_FALSE(event("gone-car-3d")->has_clip);
  EXPECT_TRUE(event("gone-car-3d")->has_snapshot);
  EXPECT_TRUE(event("gone-person-3d")->has_clip);
  EXPECT_FALSE(event("gone-person-25d"));
  EXPECT_FALSE(exists(snap("gone", "gone-person-25d")));
  EXPECT_TRUE(exists(clip("gone", "gone-person-3d")));
}

TEST_F(RetentionTest, RowsWithoutMediaAreRemovedEvenIfNeverExpired) {
  add_event("bare", "garden", "person", kNow - 60, false, false);
  add_event("fresh", "garden", "person", kNow - 60);
  RetentionReport rep = make()->run_once();
  EXPECT_EQ(rep.rows_deleted, 1);
  EXPECT_FALSE(event("bare"));
  EXPECT_TRUE(event("fresh"));
}

// ---- §8.2 recordings ----

TEST_F(RetentionTest, ExpiresRecordingsPerCamera) {
  const std::string g4 = segment("garden", kNow - 4 * kDay);  // garden: 3 days
  const std::string g2 = segment("garden", kNow - 2 * kDay);
  const std::string p8 = segment("porch", kNow - 8 * kDay);  // porch: global 7
  const std::string p6 = segment("porch", kNow - 6 * kDay);
  const std::string o8 = segment("old", kNow - 8 * kDay);  // not configured: global 7
  const std::string o6 = segment("old", kNow - 6 * kDay);

  RetentionReport rep = make()->run_once();
  EXPECT_EQ(rep.recordings_expired, 3);
  EXPECT_EQ(rep.bytes_deleted, 3000u);
  EXPECT_FALSE(exists(g4));
  EXPECT_TRUE(exists(g2));
  EXPECT_FALSE(exists(p8));
  EXPECT_TRUE(exists(p6));
  EXPECT_FALSE(exists(o8));
  EXPECT_TRUE(exists(o6));
}

TEST_F(RetentionTest, AgeComesFromThePathNotTheMtime) {
  const std::string old = segment("garden", kNow - 10 * kDay);  // mtime: the real "now", after kNow
  const std::string recent = segment("garden", kNow - kDay);
  struct timeval tv[2] = {{long(kNow - 100 * kDay), 0}, {long(kNow - 100 * kDay), 0}};
  ASSERT_EQ(::utimes(recent.c_str(), tv), 0);
  RetentionReport rep = make()->run_once();
  EXPECT_FALSE(exists(old));
  EXPECT_TRUE(exists(recent));
  EXPECT_EQ(rep.recordings_expired, 1);
}

TEST_F(RetentionTest, UnparsableNamesFallBackToMtimeOtherFilesLeftAlone) {
  const std::string dir = fs::path(segment("garden", kNow - 10 * kDay, false)).parent_path().string();
  const std::string odd_old = dir + "/odd-old.mp4", odd_new = dir + "/odd-new.mp4";
  write(odd_old);
  write(odd_new);
  struct timeval tv[2] = {{long(kNow - 10 * kDay), 0}, {long(kNow - 10 * kDay), 0}};
  ASSERT_EQ(::utimes(odd_old.c_str(), tv), 0);
  tv[0].tv_sec = tv[1].tv_sec = long(kNow - kDay);
  ASSERT_EQ(::utimes(odd_new.c_str(), tv), 0);
  const std::string notes = dir + "/notes.txt";
  const std::string stray = media_ + "/recordings/stray.mp4";
  write(notes);
  write(stray);
  ::utimes(notes.c_str(), tv);

  make()->run_once();
  EXPECT_FALSE(exists(odd_old));
  EXPECT_TRUE(exists(odd_new));
  EXPECT_TRUE(exists(notes));
  EXPECT_TRUE(exists(stray));
}

TEST_F(RetentionTest, DotFilesAreNeverTouched) {
  const std::string seg = segment("garden", kNow - 10 * kDay);
  const std::string part = fs::path(seg).parent_path().string() + "/.07.00.mp4.part";
  const std::string hidden = media_ + "/recordings/.work/2020-01/01/00/garden/00.00.mp4";
  write(part);
  write(hidden);
  RetentionReport rep = make()->run_once();
  EXPECT_FALSE(exists(seg));
  EXPECT_TRUE(exists(part));
  EXPECT_TRUE(exists(hidden));
  EXPECT_TRUE(fs::is_directory(fs::path(part).parent_path()));  // not empty: kept
  EXPECT_EQ(rep.recordings_expired, 1);
}

TEST_F(RetentionTest, RemovesEmptyFoldersButNotTheCurrentHourOrRecordings) {
  const fs::path seg = segment("garden", kNow - 5 * kDay);
  const fs::path keep = segment("garden", kNow - kDay);
  const fs::path cam_dir = seg.parent_path(), hour_dir = cam_dir.parent_path(), day_dir = hour_dir.parent_path();
  // An empty camera folder of a past hour goes; the current hour's (the recorder is
  // about to write there) stays.
  const fs::path stale = fs::path(segment("porch", kNow - 2 * kDay, false)).parent_path();
  const fs::path current = fs::path(segment("porch", kNow, false)).parent_path();
  fs::create_directories(stale);
  fs::create_directories(current);

  RetentionReport rep = make()->run_once();
  EXPECT_FALSE(exists(seg.string()));
  EXPECT_FALSE(fs::exists(cam_dir));
  EXPECT_FALSE(fs::exists(hour_dir));
  EXPECT_FALSE(fs::exists(day_dir));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(current));
  EXPECT_TRUE(exists(keep.string()));
  EXPECT_TRUE(fs::is_directory(media_ + "/recordings"));
  EXPECT_GE(rep.dirs_removed, 5);  // cam, hour, day of the segment; camera and hour of `stale`
}

// ---- §9 free-space floor ----

TEST_F(RetentionTest, FloorDeletesOldestSegmentsFirstAcrossCameras) {
  std::vector<std::string> segs;  // oldest first, cameras interleaved
  for (int i = 0; i < 8; ++i) segs.push_back(segment(i % 2 ? "porch" : "garden", kNow - 3600 - (8 - i) * 60));
  // Each 1000-byte segment counts as 50 MB; start 3 segments below the 1000 MB floor.
  // The floor frees up to floor + max(10 %, 100 MB) = 1100 MB: 5 segments.
  auto r = make(fake_disk(850000000, 50000));
  RetentionReport rep = r->run_once();
  EXPECT_EQ(rep.recordings_expired, 0);
  EXPECT_EQ(rep.floor_recordings, 5);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(exists(segs[i]), i >= 5) << i;
  EXPECT_FALSE(rep.below_floor);
  EXPECT_TRUE(r->writes_allowed());
}

TEST_F(RetentionTest, FloorThenDeletesClipsThenSnapshotsOldestFirst) {
  const std::string seg = segment("garden", kNow - 600);
  add_event("older", "garden", "person", kNow - 3000);
  add_event("newer", "porch", "person", kNow - 2000);
  // 200 MB short of the 1100 MB target: segment, both clips, then the older snapshot.
  auto r = make(fake_disk(900000000, 50000));
  RetentionReport rep = r->enforce_floor();
  EXPECT_EQ(rep.floor_recordings, 1);
  EXPECT_EQ(rep.floor_clips, 2);
  EXPECT_EQ(rep.floor_snapshots, 1);
  EXPECT_FALSE(exists(seg));
  EXPECT_FALSE(event("older"));  // neither medium left → row removed
  auto newer = event("newer");
  ASSERT_TRUE(newer);
  EXPECT_FALSE(newer->has_clip);
  EXPECT_TRUE(newer->has_snapshot);
  EXPECT_TRUE(exists(snap("porch", "newer")));
  EXPECT_TRUE(exists(media_ + "/clips/frigate.db"));
}

TEST_F(RetentionTest, FloorNotTriggeredAboveItAndDisabledByZero) {
  const std::string seg = segment("garden", kNow - 600);
  EXPECT_EQ(make([](const std::string&) { return uint64_t(1000000000); })->run_once().floor_recordings, 0);
  EXPECT_TRUE(exists(seg));

  cfg_.storage_min_free_mb = 0;
  auto r = make([](const std::string&) { return uint64_t(0); });
  RetentionReport rep = r->run_once();
  EXPECT_EQ(rep.floor_recordings, 0);
  EXPECT_TRUE(exists(seg));
  EXPECT_TRUE(r->writes_allowed());
}

TEST_F(RetentionTest, BelowFloorWithNothingLeftBlocksWritesUntilSpaceReturns) {
  const std::string seg = segment("garden", kNow - 600);
  add_event("e", "garden", "person", kNow - 100);
  uint64_t free = 500000000;
  auto r = make([&free](const std::string&) { return free; });
  RetentionReport rep = r->enforce_floor();
  EXPECT_TRUE(rep.below_floor);
  EXPECT_FALSE(r->writes_allowed());
  EXPECT_FALSE(exists(seg));
  EXPECT_FALSE(event("e"));
  EXPECT_TRUE(exists(media_ + "/clips/frigate.db"));

  free = 2000000000;
  rep = r->enforce_floor();
  EXPECT_FALSE(rep.below_floor);
  EXPECT_TRUE(r->writes_allowed());
}

// What vigil has begun and must still write counts as taken (§9): the remux of a
// recording segment being written (its .part once more) and the clips owed to events in
// progress. Nothing old left: those clips are cut, and writes stop until a check finds
// the space back.
TEST_F(RetentionTest, FloorCountsWhatVigilMustStillWriteAndCutsOpenClipsLast) {
  const std::string old_seg = segment("garden", kNow - 5 * 3600);
  const std::string part = fs::path(segment("porch", kNow - 20, false)).parent_path().string() + "/.58.40.mp4.part";
  write(part, 300);
  uint64_t owed = 100000000;
  int cuts = 0;
  // 1050 MB free, floor 1000 MB: above it, were it not for the 100 MB of clips owed.
  auto r = make([](const std::string&) { return uint64_t(1050000000); });
  r->set_open_clips([&owed] { return owed; },
                    [&cuts](uint64_t budget) {
                      ++cuts;
                      EXPECT_EQ(budget, 50000000u) << "the free space above the floor";
                    });
  RetentionReport rep = r->enforce_floor();
  EXPECT_EQ(rep.reserved, owed + 300);
  EXPECT_EQ(rep.floor_recordings, 1) << "old media goes first";
  EXPECT_FALSE(exists(old_seg));
  EXPECT_TRUE(exists(part)) << "the segment being written is never deleted";
  EXPECT_EQ(cuts, 1) << "then the clips of the events in progress are cut";
  EXPECT_TRUE(rep.clips_cut);
  EXPECT_TRUE(rep.below_floor);
  EXPECT_FALSE(r->writes_allowed());
  EXPECT_TRUE(r->below_floor(media_ + "/clips"));
  EXPECT_TRUE(r->below_floor(media_ + "/recordings"));

  owed = 0;  // the events thread cut them: nothing owed any more
  rep = r->enforce_floor();
  EXPECT_FALSE(rep.below_floor);
  EXPECT_TRUE(r->writes_allowed());
  EXPECT_FALSE(r->below_floor(media_ + "/clips"));
  EXPECT_EQ(cuts, 1);
  EXPECT_EQ(rep.reserved, 300u);
}

// The floor acts one check early: a check whose usable space fell by more than it has
// left above the floor deletes now, not after the next drop took it below.
TEST_F(RetentionTest, FloorActsWhenTheNextDropWouldTakeItBelow) {
  const std::string seg = segment("garden", kNow - 5 * 3600);
  uint64_t free = 1100000000;
  auto r = make([&free](const std::string&) { return free; });
  EXPECT_FALSE(r->enforce_floor().below_floor);
  free = 1060000000;  // 40 MB gone, 60 MB left above the floor: fine
  EXPECT_EQ(r->enforce_floor().floor_recordings, 0);
  EXPECT_TRUE(exists(seg));
  free = 1030000000;  // 30 MB gone, 30 MB left: fine
  EXPECT_EQ(r->enforce_floor().floor_recordings, 0);
  free = 1010000000;  // 20 MB gone, 10 MB left: the next drop would cross it
  EXPECT_EQ(r->enforce_floor().floor_recordings, 1);
  EXPECT_FALSE(exists(seg));
}

// The blocked state is logged once when it begins (at most once a minute of the
// injected clock), and its end once after each logged start.
TEST_F(RetentionTest, BlockedStateIsLoggedOnceAndItsEndOnce) {
  test::LogCapture log("vigil.storage");
  auto count = [&log](const std::string& what) { return log.count(what); };
  uint64_t free = 500000000;
  auto r = make([&free](const std::string&) { return free; });
  const std::string blocked = "with nothing left to delete", resumed = "resume";
  for (int i = 0; i < 3; ++i, clock_.advance(10)) EXPECT_TRUE(r->enforce_floor().below_floor);
  EXPECT_EQ(count(blocked), 1);
  free = 2000000000;
  for (int i = 0; i < 2; ++i, clock_.advance(5)) EXPECT_FALSE(r->enforce_floor().below_floor);
  EXPECT_EQ(count(resumed), 1);
  free = 500000000;  // again within a minute of the first error: not logged again
  for (int i = 0; i < 2; ++i, clock_.advance(10)) EXPECT_TRUE(r->enforce_floor().below_floor);
  EXPECT_EQ(count(blocked), 1);
  free = 2000000000;
  r->enforce_floor();
  EXPECT_EQ(count(resumed), 1) << "the end of a state whose start was not logged is not logged either";
  clock_.advance(61);
  free = 500000000;
  r->enforce_floor();
  EXPECT_EQ(count(blocked), 2);
  free = 2000000000;
  r->enforce_floor();
  EXPECT_EQ(count(resumed), 2);
}

// ---- robustness ----

TEST_F(RetentionTest, MissingMediaFolderNeverThrows) {
  add_event("old", "garden", "person", kNow - 30 * kDay);
  fs::remove_all(media_ + "/recordings");
  fs::remove(clip("garden", "old"));
  fs::remove(snap("garden", "old"));
  cfg_.media_dir = media_ + "/missing";
  auto r = make([](const std::string&) { return uint64_t(0); });
  RetentionReport rep;
  EXPECT_NO_THROW(rep = r->run_once());
  EXPECT_FALSE(event("old"));  // flags cleared, row removed; the files were already gone
}

TEST_F(RetentionTest, UndeletableFileIsLoggedAndTheRestContinues) {
  add_event("stuck", "garden", "person", kNow - 30 * kDay);
  // A non-empty folder where the clip should be: unlink fails even for root.
  fs::remove(clip("garden", "stuck"));
  write(clip("garden", "stuck") + "/inner");
  const std::string seg = segment("garden", kNow - 10 * kDay);

  RetentionReport rep;
  EXPECT_NO_THROW(rep = make()->run_once());
  EXPECT_GE(rep.errors, 1);
  EXPECT_TRUE(fs::is_directory(clip("garden", "stuck")));
  EXPECT_FALSE(exists(snap("garden", "stuck")));
  EXPECT_FALSE(event("stuck"));  // database first (§7): an orphan file, never a dangling row
  EXPECT_FALSE(exists(seg));
}

TEST_F(RetentionTest, FailingFreeSpaceProbeNeverThrows) {
  const std::string seg = segment("garden", kNow - 10 * kDay);
  auto r = make([](const std::string&) -> uint64_t { throw std::runtime_error("statvfs exploded"); });
  RetentionReport rep;
  EXPECT_NO_THROW(rep = r->run_once());
  EXPECT_GE(rep.errors, 1);
  EXPECT_FALSE(exists(seg));  // expiry still ran
  EXPECT_NO_THROW(r->enforce_floor());
}

TEST(RetentionStatvfs, ReportsFreeBytesOrUnknown) {
  EXPECT_GT(statvfs_free_bytes("/tmp"), 0u);
  EXPECT_EQ(statvfs_free_bytes("/no/such/folder/anywhere"), UINT64_MAX);
}

// ---- background thread ----

// Counts the background thread's passes (its pass hook), so a test waits on them.
class Passes {
 public:
  Retention::PassHook hook() {
    return [this](const RetentionReport&, bool full) {
      std::lock_guard lock(mu_);
      ++(full ? full_ : floor_);
    };
  }
  int full() const {
    std::lock_guard lock(mu_);
    return full_;
  }
  int floor() const {
    std::lock_guard lock(mu_);
    return floor_;
  }

 private:
  mutable std::mutex mu_;
  int full_ = 0, floor_ = 0;  // guarded by mu_
};

// On the manual clock: a full pass at start, a floor check each time the clock reaches
// 10 s more, and the next full pass when it reaches 300 s, not before.
TEST_F(RetentionTest, ThreadPassesFollowTheClock) {
  const std::string seg = segment("garden", kNow - 10 * kDay);
  auto r = make();
  Passes passes;
  r->set_pass_hook(passes.hook());
  r->start(300, 10);
  ASSERT_TRUE(eventually([&] { return passes.full() == 1; }));
  EXPECT_FALSE(exists(seg));
  EXPECT_EQ(passes.floor(), 0);
  for (int i = 1; i < 30; ++i) {
    clock_.advance(4);  // short of the floor interval: the pass below is the only one
    clock_.advance(6);
    ASSERT_TRUE(eventually([&] { return passes.floor() >= i; })) << i;
    // The hook proves the loop ran the pass due now: no full pass was due yet.
    EXPECT_EQ(passes.floor(), i);
    EXPECT_EQ(passes.full(), 1) << "a full pass after " << i * 10 << " s";
  }
  const std::string seg2 = segment("garden", kNow - 10 * kDay + 60);
  // Known through the index (as a recorder's finished segment is), not by a walk per pass.
  ASSERT_TRUE(r->index().add_file(seg2, kNow - 10 * kDay + 60, kNow - 10 * kDay + 120));
  clock_.advance(10);
  ASSERT_TRUE(eventually([&] { return passes.full() == 2; }));
  EXPECT_FALSE(exists(seg2));
  EXPECT_EQ(passes.floor(), 29) << "the full pass includes the floor check";
  r->stop();
}

// The writers' gate only reads: it answers at once from the last check and has the
// retention thread check the floor (and delete, if it must) soon after, at most once a
// second of the clock, the requests in between making one check.
TEST_F(RetentionTest, TheWritersGateAsksTheThreadForACheckAndNeverDeletesItself) {
  const std::string seg = segment("garden", kNow - 600);
  std::atomic<uint64_t> free = 2000000000;  // above the floor
  std::atomic<std::thread::id> prober;
  // Whether the segment was still there when the retention thread's check below the
  // floor began: the gate itself must not have deleted it. (Checked there, not right
  // after may_write(): the thread may already have run the requested check by then.)
  std::atomic<bool> there_at_floor_check = false;
  auto r = make([&](const std::string&) {
    prober = std::this_thread::get_id();
    if (free < 2000000000) there_at_floor_check = there_at_floor_check || exists(seg);
    return free.load();
  });
  Passes passes;
  r->set_pass_hook(passes.hook());
  r->start(3600, 3600);
  ASSERT_TRUE(eventually([&] { return passes.full() == 1; }));
  clock_.advance(1);  // a second after that pass: a requested check may run at once
  free = 500000000;   // below the floor from now on
  EXPECT_TRUE(r->may_write()) << "answers from the last check";
  ASSERT_TRUE(eventually([&] { return passes.floor() == 1; }));
  EXPECT_TRUE(there_at_floor_check) << "the gate itself deletes nothing";
  EXPECT_NE(prober.load(), std::this_thread::get_id());
  EXPECT_FALSE(exists(seg)) << "the retention thread freed space";
  EXPECT_FALSE(r->may_write()) << "nothing left to delete: writes blocked";
  EXPECT_FALSE(r->may_write());
  // The requests made within that second are one check, once the clock reaches it.
  clock_.advance(1);
  ASSERT_TRUE(eventually([&] { return passes.floor() == 2; }));
  r->stop();
}

TEST_F(RetentionTest, StopWakesTheThreadWaitingForItsNextPass) {
  auto r = make();
  Passes passes;
  r->set_pass_hook(passes.hook());
  r->start(3600, 3600);
  ASSERT_TRUE(eventually([&] { return passes.full() == 1; }));
  r->stop();  // returns although the manual clock never reaches the next pass
  r->stop();  // idempotent
  EXPECT_EQ(passes.full(), 1);
  EXPECT_EQ(passes.floor(), 0);
}

}  // namespace
}  // namespace vigil
