// The events thread when the database refuses a write (disk full, I/O error): the
// finished event stays in memory, is still served as in progress, and is written by a
// retry once the database accepts writes again (storage.md §9), kPeriod later on the clock.
#include "events/event_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "config/config.h"
#include "event_hooks.h"
#include "storage/event_db.h"
#include "test_media.h"

using namespace vigil;
namespace fs = std::filesystem;

namespace {

void exec(const std::string& db, const std::string& sql) {
  sqlite3* c = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &c), SQLITE_OK);
  sqlite3_busy_timeout(c, 5000);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(c, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(c);
}

EventMessage message(EventMessage::Type type) {
  EventMessage m{type, "walk", {}, {}, 0};
  m.after.id = "ev1";
  m.after.label = "person";
  m.after.start_time = 1600000000;
  m.after.frame_time = 1600000010;
  m.after.top_score = 0.9;
  m.after.true_positive = true;
  if (type == EventMessage::kEnd) m.end_time = 1600000011;
  return m;
}

// Camera `walk` (detect only) under `media`, with its clips folder.
Config detect_only_config(const std::string& media) {
  fs::create_directories(media + "/clips");
  return parse_config("media_dir: " + media +
                          "\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: x.mp4\n"
                          "          roles: [detect]\n    width: 768\n    height: 576\n",
                      false);
}

}  // namespace

TEST(EventStore, AFailedDatabaseWriteIsKeptAndRetried) {
  const std::string media = test::temp_dir();
  Config cfg = detect_only_config(media);
  const std::string path = media + "/clips/frigate.db";
  EventDb db(path);
  ManualClock clock;
  EventStore store(cfg, db, clock);
  test::EventHooks hooks(store);
  store.start();
  store.post({message(EventMessage::kNew)});
  ASSERT_TRUE(hooks.handled("ev1", EventMessage::kNew));
  ASSERT_EQ(db.open_events().size(), 1u);
  // Finishing an event deletes its open row: make that fail as a full disk would.
  exec(path, "CREATE TRIGGER full BEFORE DELETE ON vigil_open_event BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  store.post({message(EventMessage::kEnd)});
  ASSERT_TRUE(hooks.finished("ev1", false)) << "the write was tried and refused";
  ASSERT_TRUE(hooks.pass()) << "that pass (and its first retry) is over";
  EXPECT_EQ(db.open_events().size(), 1u) << "the transaction was rolled back";
  EXPECT_TRUE(store.in_progress("ev1").has_value()) << "kept in memory, still served";
  EXPECT_EQ(store.health().rows_waiting, 1u) << "service.degraded.event_rows_waiting";

  // Space returns; the retry comes kPeriod after the last one, not before.
  exec(path, "DROP TRIGGER full");
  clock.advance(EventStore::kPeriod - 1);
  ASSERT_TRUE(hooks.pass());
  EXPECT_EQ(db.open_events().size(), 1u) << "retried before its time";
  EXPECT_TRUE(store.in_progress("ev1").has_value());
  clock.advance(1);
  ASSERT_TRUE(hooks.finished("ev1", true));
  EXPECT_TRUE(db.open_events().empty());
  EXPECT_FALSE(store.in_progress("ev1").has_value());
  EXPECT_EQ(store.health().rows_waiting, 0u);
  store.stop();
}

TEST(EventStore, StopHandlesEveryQueuedMessageFirst) {
  const std::string media = test::temp_dir();
  Config cfg = detect_only_config(media);
  EventDb db(media + "/clips/frigate.db");
  ManualClock clock;
  EventStore store(cfg, db, clock);
  store.start();
  store.post({message(EventMessage::kNew), message(EventMessage::kEnd)});
  store.stop();
  EXPECT_FALSE(store.in_progress("ev1").has_value()) << "finished";
  EXPECT_TRUE(db.open_events().empty());
}
