// EventDb's activity buckets (activity_record.h): the vigil-only `vigil_activity` table on
// the event database's file, one row per camera and 10 s bucket with motion or objects.
#include <sqlite3.h>

#include "storage/event_db.h"
#include "storage/sqlite_stmt.h"

namespace vigil {
using namespace sqlite;
namespace {

constexpr const char* kActivityTable = R"(
CREATE TABLE IF NOT EXISTS "vigil_activity" (
  "camera" VARCHAR(20) NOT NULL,
  "start_time" REAL NOT NULL,
  "motion" REAL NOT NULL,
  "objects" INTEGER NOT NULL,
  "frames" INTEGER NOT NULL,
  PRIMARY KEY ("camera", "start_time")) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "vigil_activity_start_time" ON "vigil_activity" ("start_time");
)";

}  // namespace

void EventDb::migrate_activity() {
  Transaction tx(writer_);
  exec(writer_, kActivityTable);
  tx.commit();
}

void EventDb::add_activity(const std::vector<ActivityBucket>& buckets) {
  if (buckets.empty()) return;
  std::lock_guard lock(write_mu_);
  Transaction tx(writer_);
  for (const ActivityBucket& b : buckets) {
    // A bucket seen again (a restart within its 10 s) adds to what was stored.
    Stmt s(writer_,
           "INSERT INTO vigil_activity (camera, start_time, motion, objects, frames) VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT(camera, start_time) DO UPDATE SET motion = motion + excluded.motion, "
           "objects = objects + excluded.objects, frames = frames + excluded.frames");
    s.bind(b.camera).bind(b.start).bind(b.motion).bind(b.objects).bind(b.frames).run();
  }
  tx.commit();
}

int EventDb::delete_activity_before(const std::string& camera, double before) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_, "DELETE FROM vigil_activity WHERE camera = ? AND start_time < ?");
  s.bind(camera).bind(before).run();
  return sqlite3_changes(writer_);
}

std::vector<ActivityBucket> EventDb::list_activity(const std::vector<std::string>& cameras, double from, double to) {
  std::string sql =
      "SELECT camera, start_time, motion, objects, frames FROM vigil_activity WHERE start_time >= ? AND start_time < ?";
  if (!cameras.empty()) {
    sql += " AND camera IN (";
    for (size_t i = 0; i < cameras.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  sql += " ORDER BY start_time, camera";
  ReaderLease db(*this);
  Stmt s(db.get(), sql);
  s.bind(from).bind(to);
  for (const std::string& c : cameras) s.bind(c);
  std::vector<ActivityBucket> out;
  while (s.step()) out.push_back({s.text(0), s.real(1), s.real(2), s.integer(3), s.integer(4)});
  return out;
}

}  // namespace vigil
