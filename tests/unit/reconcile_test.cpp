// Start-up reconciliation (storage.md §7.1) on a real SQLite database and folder.
#include "storage/reconcile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/event_db.h"
#include "test_media.h"

using namespace vigil;
namespace fs = std::filesystem;

namespace {

void add(EventDb& db, const std::string& id, bool clip, bool snapshot) {
  EventRecord e;
  e.id = id;
  e.label = "person";
  e.camera = "yard";
  e.start_time = 1600000000;
  e.end_time = 1600000010;
  e.has_clip = clip;
  e.has_snapshot = snapshot;
  db.finish_event(e, true);
}

void touch(const std::string& path) { std::ofstream(path) << "x"; }

}  // namespace

TEST(Reconcile, RowsNeverClaimMissingFilesAndUnclaimedFilesOfRowsGo) {
  const std::string clips = test::temp_dir();
  EventDb db(clips + "/frigate.db");
  add(db, "a", true, true);   // clip missing, snapshot present
  add(db, "b", true, false);  // clip missing, no snapshot: the row goes
  add(db, "c", false, true);  // a clip file left by an interrupted retention
  add(db, "d", true, true);   // all fine
  touch(clips + "/yard-a.jpg");
  touch(clips + "/yard-c.mp4");
  touch(clips + "/yard-c.jpg");
  touch(clips + "/yard-d.mp4");
  touch(clips + "/yard-d.jpg");
  touch(clips + "/old-user-file.jpg");  // no row: kept
  touch(clips + "/yard-open1.jpg");     // an event in progress: recovery's business

  ReconcileReport r = reconcile_media(db, clips, {"open1"});
  EXPECT_EQ(r.clips_missing, 2);
  EXPECT_EQ(r.snapshots_missing, 0);
  EXPECT_EQ(r.rows_deleted, 1);
  EXPECT_EQ(r.files_deleted, 1);
  EXPECT_EQ(r.unknown_files, 1);

  ASSERT_TRUE(db.get("a"));
  EXPECT_FALSE(db.get("a")->has_clip);
  EXPECT_TRUE(db.get("a")->has_snapshot);
  EXPECT_FALSE(db.get("b"));
  EXPECT_FALSE(fs::exists(clips + "/yard-c.mp4"));
  EXPECT_TRUE(fs::exists(clips + "/yard-c.jpg"));
  EXPECT_TRUE(db.get("d")->has_clip);
  EXPECT_TRUE(fs::exists(clips + "/yard-d.mp4"));
  EXPECT_TRUE(fs::exists(clips + "/old-user-file.jpg"));
  EXPECT_TRUE(fs::exists(clips + "/yard-open1.jpg"));
  // A second run finds nothing to do.
  ReconcileReport again = reconcile_media(db, clips, {"open1"});
  EXPECT_EQ(again.clips_missing + again.rows_deleted + again.files_deleted, 0);
}
