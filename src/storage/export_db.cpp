// EventDb's exports: the `export` table (Frigate 0.14's columns: id, camera, name, date,
// video_path, thumb_path, in_progress; vigil adds the range and the failure), on the
// event database's file. Writer: the export thread and the API's rename/delete.
#include <sqlite3.h>

#include "storage/event_db.h"
#include "storage/sqlite_stmt.h"

namespace vigil {
using namespace sqlite;
namespace {

constexpr const char* kExportTable = R"(
CREATE TABLE IF NOT EXISTS "export" (
  "id" VARCHAR(30) NOT NULL PRIMARY KEY,
  "camera" VARCHAR(20) NOT NULL,
  "name" VARCHAR(100) NOT NULL,
  "date" DATETIME NOT NULL,
  "video_path" VARCHAR(255) NOT NULL,
  "thumb_path" VARCHAR(255) NOT NULL,
  "in_progress" INTEGER NOT NULL,
  "vigil_start_time" REAL NOT NULL DEFAULT 0,
  "vigil_end_time" REAL NOT NULL DEFAULT 0,
  "vigil_error" TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS "export_camera" ON "export" ("camera");
)";

constexpr const char* kExportColumns =
    "id, camera, name, date, video_path, thumb_path, in_progress, vigil_start_time, vigil_end_time, vigil_error";

ExportRecord read_export(const Stmt& s) {
  ExportRecord r;
  r.id = s.text(0);
  r.camera = s.text(1);
  r.name = s.text(2);
  r.date = s.real(3);
  r.video_path = s.text(4);
  r.thumb_path = s.text(5);
  r.in_progress = s.integer(6) != 0;
  r.start_time = s.real(7);
  r.end_time = s.real(8);
  r.error = s.text(9);
  return r;
}

}  // namespace

void EventDb::migrate_exports() {
  Transaction tx(writer_);
  exec(writer_, kExportTable);
  tx.commit();
}

void EventDb::insert_export(const ExportRecord& e) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_, std::string("INSERT INTO export (") + kExportColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(e.id)
      .bind(e.camera)
      .bind(e.name)
      .bind(e.date)
      .bind(e.video_path)
      .bind(e.thumb_path)
      .bind(e.in_progress)
      .bind(e.start_time)
      .bind(e.end_time)
      .bind(e.error)
      .run();
}

void EventDb::finish_export(const std::string& id, const std::string& error) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_, "UPDATE export SET in_progress = 0, vigil_error = ? WHERE id = ?");
  s.bind(error).bind(id).run();
}

int EventDb::fail_unfinished_exports(const std::string& error) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_, "UPDATE export SET in_progress = 0, vigil_error = ? WHERE in_progress != 0");
  s.bind(error).run();
  return sqlite3_changes(writer_);
}

bool EventDb::rename_export(const std::string& id, const std::string& name) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_, "UPDATE export SET name = ? WHERE id = ?");
  s.bind(name).bind(id).run();
  return sqlite3_changes(writer_) > 0;
}

bool EventDb::delete_export(const std::string& id) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_, "DELETE FROM export WHERE id = ?");
  s.bind(id).run();
  return sqlite3_changes(writer_) > 0;
}

std::vector<ExportRecord> EventDb::list_exports() {
  ReaderLease db(*this);
  Stmt s(db.get(), std::string("SELECT ") + kExportColumns + " FROM export ORDER BY date DESC, id");
  std::vector<ExportRecord> out;
  while (s.step()) out.push_back(read_export(s));
  return out;
}

std::optional<ExportRecord> EventDb::get_export(const std::string& id) {
  ReaderLease db(*this);
  Stmt s(db.get(), std::string("SELECT ") + kExportColumns + " FROM export WHERE id = ?");
  s.bind(id);
  if (!s.step()) return std::nullopt;
  return read_export(s);
}

}  // namespace vigil
