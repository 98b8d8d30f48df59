#include "storage/event_db.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string_view>

#include "storage/sqlite_stmt.h"
#include "util/time_text.h"

namespace vigil {
using namespace sqlite;  // Stmt, Transaction, exec, fail (sqlite_stmt.h)
namespace {

using json = nlohmann::json;

// storage.md §2.2, byte for byte (sqlite_master keeps the statement text as written).
constexpr const char* kEventTable = R"(CREATE TABLE "event" (
  "id"             VARCHAR(30) NOT NULL PRIMARY KEY,
  "label"          VARCHAR(20) NOT NULL,
  "camera"         VARCHAR(20) NOT NULL,
  "start_time"     DATETIME NOT NULL,
  "end_time"       DATETIME NOT NULL,
  "top_score"      REAL NOT NULL,
  "false_positive" INTEGER NOT NULL,
  "zones"          JSON NOT NULL,
  "thumbnail"      TEXT NOT NULL,
  "has_clip"       INTEGER NOT NULL,
  "has_snapshot"   INTEGER NOT NULL
))";
constexpr const char* kEventLabelIndex = R"(CREATE INDEX "event_label"  ON "event" ("label"))";
constexpr const char* kEventCameraIndex = R"(CREATE INDEX "event_camera" ON "event" ("camera"))";

constexpr const char* kMigrateHistoryTable = R"(CREATE TABLE "migratehistory" (
  "id"          INTEGER NOT NULL PRIMARY KEY,
  "name"        VARCHAR(255) NOT NULL,
  "migrated_at" DATETIME NOT NULL
))";

// storage.md §2.5.
constexpr const char* kVigilTables = R"(
CREATE TABLE IF NOT EXISTS "vigil_meta" ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
INSERT OR IGNORE INTO "vigil_meta" ("key", "value") VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS "vigil_open_event" (
  "id"            VARCHAR(30) NOT NULL PRIMARY KEY,
  "label"         VARCHAR(20) NOT NULL,
  "camera"        VARCHAR(20) NOT NULL,
  "start_time"    DATETIME NOT NULL,
  "last_seen"     DATETIME NOT NULL,
  "end_time"      DATETIME,
  "top_score"     REAL NOT NULL,
  "zones"         JSON NOT NULL,
  "thumbnail"     TEXT NOT NULL,
  "state"         TEXT NOT NULL,
  "end_announced" INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS "vigil_retained_event" ("id" VARCHAR(30) NOT NULL PRIMARY KEY);
)";

// The columns 0.8's migration 001 created; an `event` table without them is not 0.8's.
const std::vector<std::string> kBaseColumns = {"id",        "label",          "camera", "start_time", "end_time",
                                               "top_score", "false_positive", "zones",  "thumbnail"};
const std::vector<std::string> kMigrations = {"001_create_events_table", "002_add_clip_snapshot"};

constexpr const char* kEventColumns =
    "id, label, camera, start_time, end_time, top_score, zones, thumbnail, has_clip, has_snapshot";

}  // namespace

long long sqlite_memory_bytes() { return sqlite3_memory_used(); }

namespace {

sqlite3* open_connection(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw std::runtime_error("cannot open event database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  return db;
}

// Zones as 0.8 stored them: compact JSON, non-ASCII escaped as \uXXXX.
std::string zones_to_json(const std::vector<std::string>& zones) {
  return json(zones).dump(-1, ' ', true, json::error_handler_t::replace);
}

std::vector<std::string> zones_from_json(const std::string& text) {
  std::vector<std::string> zones;
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return zones;
  for (const auto& z : j)
    if (z.is_string()) zones.push_back(z.get<std::string>());
  return zones;
}

// peewee_migrate's migrated_at: UTC 'YYYY-MM-DD HH:MM:SS.ffffff'.
std::string utc_now_text() {
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06d", static_cast<int>(us % 1000000));
  return format_utc_time(double(us / 1000000), "%Y-%m-%d %H:%M:%S") + frac;
}

bool table_exists(sqlite3* db, const std::string& name) {
  Stmt s(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  s.bind(name);
  return s.step();
}

// Refuses a database whose extra rows would fail vigil's INSERTs (storage.md §2.6), then
// adds has_clip/has_snapshot if missing, as 0.8's migration 002 did (existing rows get 1).
void upgrade_event_table(sqlite3* db) {
  std::set<std::string> columns;
  Stmt info(db, "PRAGMA table_info(\"event\")");
  while (info.step()) {
    std::string name = info.text(1);
    columns.insert(name);
    bool known = std::find(kBaseColumns.begin(), kBaseColumns.end(), name) != kBaseColumns.end() ||
                 name == "has_clip" || name == "has_snapshot";
    bool not_null = info.integer(3) != 0, has_default = !info.is_null(4), primary = info.integer(5) != 0;
    if (!known && not_null && !has_default && !primary)
      throw std::runtime_error("table event has column \"" + name +
                               "\" that is NOT NULL without a default (database of a newer Frigate?)");
  }
  for (const auto& c : kBaseColumns)
    if (!columns.count(c)) throw std::runtime_error("table event lacks column \"" + c + "\"");
  for (const char* c : {"has_clip", "has_snapshot"})
    if (!columns.count(c))
      exec(db, ("ALTER TABLE \"event\" ADD COLUMN \"" + std::string(c) + "\" INTEGER NOT NULL DEFAULT 1").c_str());
}

// Records both 0.8 migrations (once the `event` table has all columns, both have
// effectively run) so that Frigate 0.8 would not re-run them.
void record_migrations(sqlite3* db) {
  if (!table_exists(db, "migratehistory")) exec(db, kMigrateHistoryTable);
  for (const auto& name : kMigrations) {
    Stmt s(db,
           "INSERT INTO \"migratehistory\" (\"name\", \"migrated_at\") SELECT ?, ? "
           "WHERE NOT EXISTS (SELECT 1 FROM \"migratehistory\" WHERE \"name\" = ?)");
    s.bind(name).bind(utc_now_text()).bind(name).run();
  }
}

void migrate(sqlite3* db) {
  Transaction tx(db);
  if (table_exists(db, "event")) {
    upgrade_event_table(db);
  } else {
    exec(db, kEventTable);
    exec(db, kEventLabelIndex);
    exec(db, kEventCameraIndex);
  }
  record_migrations(db);
  exec(db, kVigilTables);
  tx.commit();
}

void check_integrity(sqlite3* db) {
  Stmt s(db, "PRAGMA integrity_check");
  std::string problems;
  while (s.step()) {
    std::string line = s.text(0);
    if (line == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += line;
  }
  if (!problems.empty()) throw std::runtime_error("integrity check failed: " + problems);
}

void set_engine_settings(sqlite3* db) {
  Stmt wal(db, "PRAGMA journal_mode = WAL");
  if (!wal.step() || wal.text(0) != "wal") throw std::runtime_error("cannot switch to WAL journal mode");
  exec(db, "PRAGMA synchronous = FULL");
}

// Reads the columns of kEventColumns (thumbnail at index 7).
EventRecord read_event(const Stmt& s) {
  EventRecord e;
  e.id = s.text(0);
  e.label = s.text(1);
  e.camera = s.text(2);
  e.start_time = s.real(3);
  e.end_time = s.real(4);
  e.top_score = s.real(5);
  e.zones = zones_from_json(s.text(6));
  e.thumbnail = s.text(7);
  e.has_clip = s.integer(8) != 0;
  e.has_snapshot = s.integer(9) != 0;
  return e;
}

}  // namespace

EventDb::EventDb(const std::string& path) : path_(path) {
  try {
    writer_ = open_connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    check_integrity(writer_);  // never "repair": refuse and let the user decide
    set_engine_settings(writer_);
    migrate(writer_);
    migrate_reviews();
    migrate_exports();
    migrate_activity();
  } catch (const std::exception& e) {
    sqlite3_close(writer_);
    throw std::runtime_error("event database " + path + ": " + e.what());
  }
}

EventDb::~EventDb() {
  for (sqlite3* db : idle_readers_) sqlite3_close(db);
  sqlite3_close(writer_);
}

sqlite3* EventDb::acquire_reader() {
  reader_slots_.acquire();
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      sqlite3* db = idle_readers_.back();
      idle_readers_.pop_back();
      return db;
    }
  }
  sqlite3* db = nullptr;
  try {
    db = open_connection(path_, SQLITE_OPEN_READONLY);
    // The readers stay open for the process's life: each caches 512 KiB of pages, not
    // SQLite's 2 MB, so together they stay small however large the database grows (the
    // kernel's page cache holds the file anyway).
    exec(db, "PRAGMA cache_size = -512");
  } catch (...) {
    sqlite3_close(db);
    reader_slots_.release();
    throw;
  }
  return db;
}

void EventDb::release_reader(sqlite3* db) {
  {
    std::lock_guard lock(readers_mu_);
    idle_readers_.push_back(db);
  }
  reader_slots_.release();
}

// ---- writer side ----

void EventDb::open_event(const OpenEvent& e) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_,
         "INSERT INTO vigil_open_event (id, label, camera, start_time, last_seen, end_time, top_score, "
         "zones, thumbnail, state, end_announced) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(e.id).bind(e.label).bind(e.camera).bind(e.start_time).bind(e.last_seen).bind(e.end_time);
  s.bind(e.top_score).bind(zones_to_json(e.zones)).bind(e.thumbnail).bind(e.state).bind(e.end_announced);
  s.run();
}

void EventDb::update_open_event(const OpenEvent& e) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_,
         "UPDATE vigil_open_event SET last_seen = ?, end_time = ?, top_score = ?, zones = ?, "
         "thumbnail = ?, state = ?, end_announced = ? WHERE id = ?");
  s.bind(e.last_seen).bind(e.end_time).bind(e.top_score).bind(zones_to_json(e.zones));
  s.bind(e.thumbnail).bind(e.state).bind(e.end_announced).bind(e.id);
  s.run();
}

void EventDb::finish_event(const EventRecord& e, bool insert_row) {
  std::lock_guard lock(write_mu_);
  Transaction tx(writer_);
  if (insert_row) {
    // OR REPLACE keeps finishing idempotent should it ever be repeated for an id.
    Stmt s(writer_, std::string("INSERT OR REPLACE INTO event (") + kEventColumns +
                        ", false_positive) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)");
    s.bind(e.id).bind(e.label).bind(e.camera).bind(e.start_time).bind(e.end_time).bind(e.top_score);
    s.bind(zones_to_json(e.zones)).bind(e.thumbnail).bind(e.has_clip).bind(e.has_snapshot);
    s.run();
  }
  Stmt del(writer_, "DELETE FROM vigil_open_event WHERE id = ?");
  del.bind(e.id).run();
  tx.commit();
}

namespace {

std::vector<OpenEvent> read_open_events(Stmt& s) {
  std::vector<OpenEvent> out;
  while (s.step()) {
    OpenEvent e;
    e.id = s.text(0);
    e.label = s.text(1);
    e.camera = s.text(2);
    e.start_time = s.real(3);
    e.last_seen = s.real(4);
    if (!s.is_null(5)) e.end_time = s.real(5);
    e.top_score = s.real(6);
    e.zones = zones_from_json(s.text(7));
    e.thumbnail = s.text(8);
    e.state = s.text(9);
    e.end_announced = s.integer(10) != 0;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::vector<OpenEvent> EventDb::open_events() {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_,
         "SELECT id, label, camera, start_time, last_seen, end_time, top_score, zones, thumbnail, "
         "state, end_announced FROM vigil_open_event ORDER BY start_time, id");
  return read_open_events(s);
}

bool EventDb::clear_clip(const std::string& id) {
  std::lock_guard lock(write_mu_);
  Stmt(writer_, "UPDATE event SET has_clip = 0 WHERE id = ?").bind(id).run();
  return sqlite3_changes(writer_) > 0;
}

bool EventDb::clear_snapshot(const std::string& id) {
  std::lock_guard lock(write_mu_);
  Stmt(writer_, "UPDATE event SET has_snapshot = 0 WHERE id = ?").bind(id).run();
  return sqlite3_changes(writer_) > 0;
}

int EventDb::delete_rows_without_media() {
  std::lock_guard lock(write_mu_);
  Stmt(writer_, "DELETE FROM event WHERE has_clip = 0 AND has_snapshot = 0").run();
  return sqlite3_changes(writer_);
}

// ---- reader side ----

std::vector<EventRecord> EventDb::list(const EventQuery& q) {
  // 0.8 treated before=0/after=0 as "not given".
  const double before = q.before.value_or(0), after = q.after.value_or(0);

  std::string sql = "SELECT id, label, camera, start_time, end_time, top_score, zones, ";
  sql += q.include_thumbnails ? "thumbnail" : "''";
  sql += ", has_clip, has_snapshot FROM event WHERE 1";
  if (before != 0) sql += " AND start_time <= ?";
  if (after != 0) sql += " AND start_time >= ?";
  if (!q.camera.empty()) sql += " AND camera = ?";
  if (!q.label.empty()) sql += " AND label = ?";
  // Exact membership (not 0.8's GLOB); CASE guards json_each against a malformed value.
  if (!q.zone.empty())
    sql +=
        " AND CASE WHEN json_valid(zones) THEN EXISTS (SELECT 1 FROM json_each(event.zones) AS z "
        "WHERE z.type = 'text' AND z.value = ?) ELSE 0 END";
  if (q.has_clip) sql += " AND has_clip = ?";
  if (q.has_snapshot) sql += " AND has_snapshot = ?";
  sql += " ORDER BY start_time DESC, id DESC LIMIT ?";

  ReaderLease db(*this);
  Stmt s(db.get(), sql);
  if (before != 0) s.bind(before);
  if (after != 0) s.bind(after);
  if (!q.camera.empty()) s.bind(q.camera);
  if (!q.label.empty()) s.bind(q.label);
  if (!q.zone.empty()) s.bind(q.zone);
  if (q.has_clip) s.bind(*q.has_clip);
  if (q.has_snapshot) s.bind(*q.has_snapshot);
  s.bind(q.limit < 0 ? -1LL : q.limit);

  std::vector<EventRecord> out;
  while (s.step()) out.push_back(read_event(s));
  return out;
}

bool EventDb::set_retained(const std::string& id, bool retained) {
  std::lock_guard lock(write_mu_);
  Stmt known(writer_,
             "SELECT 1 FROM event WHERE id = ?1 UNION ALL SELECT 1 FROM vigil_open_event WHERE id = ?1 LIMIT 1");
  known.bind(id);
  if (!known.step()) return false;
  Stmt(writer_, retained ? "INSERT OR IGNORE INTO vigil_retained_event (id) VALUES (?)"
                         : "DELETE FROM vigil_retained_event WHERE id = ?")
      .bind(id)
      .run();
  return true;
}

std::set<std::string> EventDb::retained_ids() {
  ReaderLease db(*this);
  Stmt s(db.get(), "SELECT id FROM vigil_retained_event");
  std::set<std::string> out;
  while (s.step()) out.insert(s.text(0));
  return out;
}

std::optional<EventRecord> EventDb::get(const std::string& id) {
  ReaderLease db(*this);
  Stmt s(db.get(), std::string("SELECT ") + kEventColumns + " FROM event WHERE id = ?");
  s.bind(id);
  if (!s.step()) return std::nullopt;
  return read_event(s);
}

std::vector<OpenEvent> EventDb::list_open(bool thumbnails) {
  ReaderLease db(*this);
  Stmt s(db.get(), std::string("SELECT id, label, camera, start_time, last_seen, end_time, top_score, zones, ") +
                       (thumbnails ? "thumbnail" : "''") +
                       ", state, end_announced FROM vigil_open_event ORDER BY start_time DESC, id DESC");
  return read_open_events(s);
}

std::vector<EventSummaryGroup> EventDb::summary(std::optional<long long> has_clip,
                                                std::optional<long long> has_snapshot) {
  // 0.8's grouping (storage.md §2.4), ordered as http-api.md §4.2 asks.
  std::string sql =
      "SELECT camera, label, strftime('%Y-%m-%d', datetime(start_time, 'unixepoch', 'localtime')) AS day, "
      "CAST(zones AS TEXT), COUNT(id) FROM event WHERE 1";
  if (has_clip) sql += " AND has_clip = ?";
  if (has_snapshot) sql += " AND has_snapshot = ?";
  sql += " GROUP BY camera, label, day, zones ORDER BY camera, label, day, CAST(zones AS TEXT)";

  ReaderLease db(*this);
  Stmt s(db.get(), sql);
  if (has_clip) s.bind(*has_clip);
  if (has_snapshot) s.bind(*has_snapshot);

  std::vector<EventSummaryGroup> groups;
  while (s.step()) groups.push_back({s.text(0), s.text(1), s.text(2), zones_from_json(s.text(3)), s.integer(4)});
  return groups;
}

}  // namespace vigil
