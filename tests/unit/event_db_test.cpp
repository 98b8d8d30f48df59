#include "storage/event_db.h"

#include "api/event_json.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

namespace vigil {
namespace {

namespace fs = std::filesystem;

// A raw sqlite3 connection for looking at what EventDb stored (and for building old
// databases), independent of EventDb's own SQL.
class Raw {
 public:
  explicit Raw(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
    sqlite3_busy_timeout(db_, 10000);
  }
  ~Raw() { sqlite3_close(db_); }

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(msg + " in " + sql);
    }
  }
  // Every row, every column as text ("NULL" for NULL).
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in " + sql);
    std::vector<std::vector<std::string>> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
        row.push_back(p ? p : "NULL");
      }
      out.push_back(row);
    }
    sqlite3_finalize(s);
    return out;
  }
  std::string value(const std::string& sql) {
    auto r = rows(sql);
    return r.empty() ? "<no row>" : r[0][0];
  }

 private:
  sqlite3* db_ = nullptr;
};

EventRecord make_event(const std::string& id, double start, const std::string& camera = "garden",
                       const std::string& label = "person", std::vector<std::string> zones = {}, bool clip = true,
                       bool snapshot = true) {
  EventRecord e;
  e.id = id;
  e.label = label;
  e.camera = camera;
  e.start_time = start;
  e.end_time = start + 10.25;
  e.top_score = 0.958984375;
  e.zones = std::move(zones);
  e.thumbnail = "/9j/4AAQ" + id;
  e.has_clip = clip;
  e.has_snapshot = snapshot;
  return e;
}

std::vector<std::string> ids(const std::vector<EventRecord>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.id);
  return out;
}

std::string local_day(double t) {
  std::time_t secs = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Frigate 0.8's migration 001 as peewee generated it (before has_clip/has_snapshot).
constexpr const char* kOldEventTable =
    R"(CREATE TABLE IF NOT EXISTS "event" ("id" VARCHAR(30) NOT NULL PRIMARY KEY, "label" VARCHAR(20) NOT NULL, )"
    R"("camera" VARCHAR(20) NOT NULL, "start_time" DATETIME NOT NULL, "end_time" DATETIME NOT NULL, )"
    R"("top_score" REAL NOT NULL, "false_positive" INTEGER NOT NULL, "zones" JSON NOT NULL, "thumbnail" TEXT NOT NULL))";

constexpr const char* kOldRow =
    R"(INSERT INTO event VALUES ('1600000000.5-old001', 'person', 'garden', 1600000000.5, 1600000010.5, 0.8, 0, '["lawn"]', 'AAAA'))";

class EventDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    dir_ = fs::temp_directory_path() / ("vigil_event_db_" + std::to_string(getpid()) + "_" + std::to_string(n++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "frigate.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Opens a fresh database holding these finished events.
  std::unique_ptr<EventDb> db_with(const std::vector<EventRecord>& events) {
    auto db = std::make_unique<EventDb>(path_);
    for (const auto& e : events) db->finish_event(e, true);
    return db;
  }

  fs::path dir_;
  std::string path_;
};

// ---- schema ----

TEST_F(EventDbTest, NewDatabaseHasFrigateSchema) {
  EventDb db(path_);
  Raw raw(path_);
  EXPECT_EQ(raw.value("SELECT sql FROM sqlite_master WHERE name = 'event'"),
            R"(CREATE TABLE "event" (
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
))");
  EXPECT_EQ(raw.value("SELECT sql FROM sqlite_master WHERE name = 'event_label'"),
            R"(CREATE INDEX "event_label"  ON "event" ("label"))");
  EXPECT_EQ(raw.value("SELECT sql FROM sqlite_master WHERE name = 'event_camera'"),
            R"(CREATE INDEX "event_camera" ON "event" ("camera"))");
  EXPECT_EQ(raw.value("SELECT sql FROM sqlite_master WHERE name = 'migratehistory'"),
            R"(CREATE TABLE "migratehistory" (
  "id"          INTEGER NOT NULL PRIMARY KEY,
  "name"        VARCHAR(255) NOT NULL,
  "migrated_at" DATETIME NOT NULL
))");

  auto history = raw.rows("SELECT id, name, migrated_at FROM migratehistory ORDER BY id");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0][0], "1");
  EXPECT_EQ(history[0][1], "001_create_events_table");
  EXPECT_EQ(history[1][0], "2");
  EXPECT_EQ(history[1][1], "002_add_clip_snapshot");
  std::regex utc(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})");
  EXPECT_TRUE(std::regex_match(history[0][2], utc)) << history[0][2];
  EXPECT_TRUE(std::regex_match(history[1][2], utc)) << history[1][2];

  EXPECT_EQ(raw.value("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.value("SELECT value FROM vigil_meta WHERE key = 'schema_version'"), "1");
  EXPECT_EQ(raw.value("SELECT COUNT(*) FROM vigil_open_event"), "0");
}

TEST_F(EventDbTest, ReopeningKeepsSchemaAndData) {
  { db_with({make_event("1.5-aaaaaa", 1607123955.5)}); }
  EventDb db(path_);
  EXPECT_EQ(ids(db.list({})), std::vector<std::string>{"1.5-aaaaaa"});
  Raw raw(path_);
  EXPECT_EQ(raw.value("SELECT COUNT(*) FROM migratehistory"), "2");
  EXPECT_EQ(raw.value("SELECT COUNT(*) FROM vigil_meta"), "1");
}

TEST_F(EventDbTest, StoresValuesAsFrigateDid) {
  auto db = db_with({make_event("1607123955.475377-mxklsc", 1607123955.475377, "garden", "person", {"lawn", "drive"}),
                     make_event("1607123956.5-bbbbbb", 1607123956.5, "garden", "car", {}, false, true),
                     make_event("1607123957.5-cccccc", 1607123957.5, "garden", "dog", {"caf\xc3\xa9"})});
  Raw raw(path_);
  auto row = raw.rows(
      "SELECT typeof(id), id, typeof(start_time), start_time, typeof(end_time), typeof(top_score), top_score, "
      "typeof(false_positive), false_positive, typeof(zones), zones, typeof(thumbnail), thumbnail, "
      "typeof(has_clip), has_clip, typeof(has_snapshot), has_snapshot "
      "FROM event WHERE id = '1607123955.475377-mxklsc'");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0],
            (std::vector<std::string>{"text", "1607123955.475377-mxklsc", "real", "1607123955.47538", "real", "real",
                                      "0.958984375", "integer", "0", "text", R"(["lawn","drive"])", "text",
                                      "/9j/4AAQ1607123955.475377-mxklsc", "integer", "1", "integer", "1"}));
  EXPECT_EQ(raw.value("SELECT start_time = 1607123955.475377 FROM event WHERE id LIKE '1607123955.475377%'"), "1");
  EXPECT_EQ(raw.value("SELECT zones FROM event WHERE label = 'car'"), "[]");
  EXPECT_EQ(raw.value("SELECT has_clip FROM event WHERE label = 'car'"), "0");
  EXPECT_EQ(raw.value("SELECT zones FROM event WHERE label = 'dog'"), R"(["caf\u00e9"])");
  // What 0.8 stored through json() is the same text.
  EXPECT_EQ(raw.value("SELECT COUNT(*) FROM event WHERE zones = json(zones)"), "3");
  // And it reads back as written.
  EXPECT_EQ(db->get("1607123957.5-cccccc")->zones, std::vector<std::string>{"caf\xc3\xa9"});
}

// ---- 0.8's own queries on vigil's rows (storage.md §2.4) ----

TEST_F(EventDbTest, FrigateListQueryGivesTheSameAnswers) {
  auto db = db_with({make_event("100.5-aaaaaa", 100.5, "garden", "person", {"lawn", "drive"}),
                     make_event("200.5-bbbbbb", 200.5, "garden", "car", {"drive"}, true, false),
                     make_event("300.5-cccccc", 300.5, "porch", "person", {}, false, true)});
  Raw raw(path_);
  auto q = [&](const std::string& where) {
    std::string out;
    for (auto& r : raw.rows("SELECT id FROM event WHERE " + where + " ORDER BY start_time DESC LIMIT 100"))
      out += r[0] + " ";
    return out;
  };
  EXPECT_EQ(q(R"(CAST(zones AS TEXT) GLOB '*"drive"*')"), "200.5-bbbbbb 100.5-aaaaaa ");
  EXPECT_EQ(q(R"(CAST(zones AS TEXT) GLOB '*"lawn"*')"), "100.5-aaaaaa ");
  EXPECT_EQ(q("camera = 'garden' AND label = 'person'"), "100.5-aaaaaa ");
  EXPECT_EQ(q("start_time >= 150 AND start_time <= 300.5"), "300.5-cccccc 200.5-bbbbbb ");
  EXPECT_EQ(q("has_clip = 1"), "200.5-bbbbbb 100.5-aaaaaa ");
  EXPECT_EQ(q("has_snapshot = 0"), "200.5-bbbbbb ");
  EXPECT_EQ(raw.value("SELECT label FROM event WHERE id = '300.5-cccccc'"), "person");
  // 0.8.2's duplicate detection groups on the rounded start time: needs numeric values.
  EXPECT_EQ(raw.value("SELECT COUNT(DISTINCT round(start_time/5, 0)*5) FROM event"), "3");
}

TEST_F(EventDbTest, FrigateSummaryQueryGivesTheSameAnswers) {
  const double day1 = 1607083200.25, day2 = day1 + 86400;  // noon UTC, a day apart
  auto db = db_with({make_event("1-a", day1, "garden", "person", {"lawn"}),
                     make_event("2-b", day1 + 60, "garden", "person", {"lawn"}),
                     make_event("3-c", day2, "garden", "person", {"lawn"}),
                     make_event("4-d", day1 + 120, "garden", "person", {})});
  Raw raw(path_);
  auto rows = raw.rows(
      "SELECT camera, label, strftime('%Y-%m-%d', datetime(start_time, 'unixepoch', 'localtime')) AS day, zones, "
      "COUNT(id) FROM event GROUP BY camera, label, strftime('%Y-%m-%d', datetime(start_time, 'unixepoch', "
      "'localtime')), zones ORDER BY day, zones");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"garden", "person", local_day(day1), R"(["lawn"])", "2"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"garden", "person", local_day(day1), "[]", "1"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"garden", "person", local_day(day2), R"(["lawn"])", "1"}));
}

TEST_F(EventDbTest, RetentionQueriesAndHelpers) {
  auto db = db_with(
      {make_event("1-a", 1.5), make_event("2-b", 2.5), make_event("3-c", 3.5, "garden", "person", {}, false, true)});
  EXPECT_TRUE(db->clear_clip("1-a"));
  EXPECT_TRUE(db->clear_snapshot("1-a"));
  EXPECT_FALSE(db->clear_clip("missing"));
  EXPECT_TRUE(db->clear_snapshot("3-c"));
  EXPECT_EQ(db->delete_rows_without_media(), 2);
  EXPECT_EQ(ids(db->list({})), std::vector<std::string>{"2-b"});
  // 0.8's retention statements run on the same rows.
  Raw raw(path_);
  raw.exec("UPDATE event SET has_clip = 0 WHERE camera = 'garden' AND start_time < 10 AND has_clip = 1");
  raw.exec("UPDATE event SET has_snapshot = 0 WHERE camera = 'garden' AND start_time < 10 AND has_snapshot = 1");
  raw.exec("DELETE FROM event WHERE has_clip = 0 AND has_snapshot = 0");
  EXPECT_TRUE(db->list({}).empty());
}

// ---- /api/events filters (http-api.md §4.1) ----

TEST_F(EventDbTest, ListFiltersByTime) {
  auto db = db_with({make_event("100.5-a", 100.5), make_event("200.5-b", 200.5), make_event("300.5-c", 300.5)});
  EventQuery q;
  q.after = 200.5;
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"300.5-c", "200.5-b"}));
  q.before = 200.5;
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"200.5-b"}));
  q.after = 100;
  q.before = 250;
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"200.5-b", "100.5-a"}));
  q.after = 0;  // 0 = unset, as in 0.8
  q.before = 0;
  EXPECT_EQ(db->list(q).size(), 3u);
}

TEST_F(EventDbTest, ListFiltersByCameraAndLabel) {
  auto db = db_with({make_event("1-a", 1.5, "garden", "person"), make_event("2-b", 2.5, "garden", "car"),
                     make_event("3-c", 3.5, "porch", "person"), make_event("4-d", 4.5, "garden-2", "person")});
  EventQuery q;
  q.camera = "garden";
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"2-b", "1-a"}));
  q.label = "person";
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"1-a"}));
  q.camera = "";
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"4-d", "3-c", "1-a"}));
  q.label = "Person";
  EXPECT_TRUE(db->list(q).empty());
}

TEST_F(EventDbTest, ListZoneIsExactMembership) {
  auto db =
      db_with({make_event("1-a", 1.5, "garden", "person", {"lawn", "drive"}),
               make_event("2-b", 2.5, "garden", "person", {"drive*"}),
               make_event("3-c", 3.5, "garden", "person", {"driveway"}), make_event("4-d", 4.5, "garden", "person", {}),
               make_event("5-e", 5.5, "garden", "person", {"caf\xc3\xa9", "a\"b"})});
  auto zone = [&](const std::string& z) {
    EventQuery q;
    q.zone = z;
    return ids(db->list(q));
  };
  EXPECT_EQ(zone("drive"), std::vector<std::string>{"1-a"});
  EXPECT_EQ(zone("drive*"), std::vector<std::string>{"2-b"});  // not a wildcard
  EXPECT_EQ(zone("lawn"), std::vector<std::string>{"1-a"});
  EXPECT_EQ(zone("*"), std::vector<std::string>{});
  EXPECT_EQ(zone("caf\xc3\xa9"), std::vector<std::string>{"5-e"});
  EXPECT_EQ(zone("a\"b"), std::vector<std::string>{"5-e"});
  EXPECT_EQ(zone("law"), std::vector<std::string>{});
}

TEST_F(EventDbTest, ListFiltersByClipAndSnapshot) {
  auto db =
      db_with({make_event("1-a", 1.5, "g", "p", {}, true, true), make_event("2-b", 2.5, "g", "p", {}, true, false),
               make_event("3-c", 3.5, "g", "p", {}, false, true)});
  EventQuery q;
  q.has_clip = 1;
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"2-b", "1-a"}));
  q.has_clip = 0;
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"3-c"}));
  q.has_clip = 2;
  EXPECT_TRUE(db->list(q).empty());
  q.has_clip.reset();
  q.has_snapshot = 0;
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"2-b"}));
  q.has_snapshot = 2;
  EXPECT_TRUE(db->list(q).empty());
  q.has_snapshot = 1;
  q.has_clip = 1;
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"1-a"}));
}

TEST_F(EventDbTest, ListLimit) {
  std::vector<EventRecord> events;
  for (int i = 0; i < 105; ++i) events.push_back(make_event(std::to_string(1000 + i) + ".5-x", 1000 + i + 0.5));
  auto db = db_with(events);
  EventQuery q;
  auto all = db->list(q);
  ASSERT_EQ(all.size(), 100u);  // default
  EXPECT_EQ(all.front().id, "1104.5-x");
  q.limit = -1;
  EXPECT_EQ(db->list(q).size(), 105u);
  q.limit = -7;
  EXPECT_EQ(db->list(q).size(), 105u);
  q.limit = 0;
  EXPECT_TRUE(db->list(q).empty());
  q.limit = 3;
  EXPECT_EQ(ids(db->list(q)), (std::vector<std::string>{"1104.5-x", "1103.5-x", "1102.5-x"}));
}

TEST_F(EventDbTest, ListNewestFirstTiesById) {
  auto db = db_with({make_event("5-b", 5.5), make_event("5-c", 5.5), make_event("5-a", 5.5), make_event("9-a", 9.5),
                     make_event("1-z", 1.5)});
  EXPECT_EQ(ids(db->list({})), (std::vector<std::string>{"9-a", "5-c", "5-b", "5-a", "1-z"}));
}

TEST_F(EventDbTest, ListWithoutThumbnails) {
  auto db = db_with({make_event("1-a", 1.5, "garden", "person", {"lawn"})});
  EventQuery q;
  q.include_thumbnails = false;
  auto events = db->list(q);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events_json(events, false),
            R"([{"camera":"garden","end_time":11.75,"false_positive":false,"has_clip":true,"has_snapshot":true,)"
            R"("id":"1-a","label":"person","start_time":1.5,"top_score":0.958984375,"zones":["lawn"]}])"
            "\n");
  EXPECT_EQ(db->list({})[0].thumbnail, "/9j/4AAQ1-a");
}

TEST_F(EventDbTest, GetFinishedEventsOnly) {
  auto db = db_with({make_event("1-a", 1.5, "garden", "person", {"lawn"})});
  OpenEvent open;
  open.id = "2-b";
  open.label = "person";
  open.camera = "garden";
  db->open_event(open);
  auto e = db->get("1-a");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->camera, "garden");
  EXPECT_EQ(e->label, "person");
  EXPECT_DOUBLE_EQ(e->start_time, 1.5);
  EXPECT_DOUBLE_EQ(e->end_time, 11.75);
  EXPECT_EQ(e->top_score, 0.958984375);
  EXPECT_EQ(e->zones, std::vector<std::string>{"lawn"});
  EXPECT_EQ(e->thumbnail, "/9j/4AAQ1-a");
  EXPECT_TRUE(e->has_clip && e->has_snapshot);
  EXPECT_FALSE(db->get("2-b"));
  EXPECT_FALSE(db->get("nope"));
  EXPECT_TRUE(db->list({}).size() == 1);
}

// ---- JSON ----

TEST_F(EventDbTest, EventJsonMatchesFrigate) {
  EventRecord e = make_event("1607123955.475377-mxklsc", 1607123955.475377, "garden", "person", {"lawn"});
  e.end_time = 1607123966.512;
  e.thumbnail = "/9j/4AAQSkZJRgABAQAAAQABAAD";
  EXPECT_EQ(event_json(e, true),
            R"({"camera":"garden","end_time":1607123966.512,"false_positive":false,"has_clip":true,)"
            R"("has_snapshot":true,"id":"1607123955.475377-mxklsc","label":"person","start_time":1607123955.475377,)"
            R"("thumbnail":"/9j/4AAQSkZJRgABAQAAAQABAAD","top_score":0.958984375,"zones":["lawn"]})");
  e.start_time = 5;
  e.end_time = 6;
  e.top_score = 1;
  e.zones = {"caf\xc3\xa9"};
  e.has_clip = false;
  EXPECT_EQ(
      event_json(e, false),
      R"({"camera":"garden","end_time":6.0,"false_positive":false,"has_clip":false,"has_snapshot":true,)"
      R"("id":"1607123955.475377-mxklsc","label":"person","start_time":5.0,"top_score":1.0,"zones":["caf\u00e9"]})");
  EXPECT_EQ(events_json({}, true), "[]\n");
}

TEST_F(EventDbTest, SummaryGroupsAndOrders) {
  const double day1 = 1607083200.25, day2 = day1 + 86400;  // noon UTC, a day apart
  auto db = db_with({make_event("1-a", day2, "garden", "person", {"lawn"}),
                     make_event("2-b", day1, "garden", "person", {"lawn"}),
                     make_event("3-c", day1 + 5, "garden", "person", {"lawn"}),
                     make_event("4-d", day1 + 6, "garden", "person", {"drive", "lawn"}),
                     make_event("5-e", day1 + 7, "garden", "person", {"lawn", "drive"}, false, true),
                     make_event("6-f", day1 + 8, "garden", "car", {}),
                     make_event("7-g", day1 + 9, "alley", "person", {}, true, false)});
  std::string d1 = local_day(day1), d2 = local_day(day2);
  // Zones order by their JSON text: '["lawn","drive"]' < '["lawn"]' because ',' < ']'.
  EXPECT_EQ(summary_json(db->summary(std::nullopt, std::nullopt)),
            R"([{"camera":"alley","count":1,"day":")" + d1 + R"(","label":"person","zones":[]},)" +
                R"({"camera":"garden","count":1,"day":")" + d1 + R"(","label":"car","zones":[]},)" +
                R"({"camera":"garden","count":1,"day":")" + d1 + R"(","label":"person","zones":["drive","lawn"]},)" +
                R"({"camera":"garden","count":1,"day":")" + d1 + R"(","label":"person","zones":["lawn","drive"]},)" +
                R"({"camera":"garden","count":2,"day":")" + d1 + R"(","label":"person","zones":["lawn"]},)" +
                R"({"camera":"garden","count":1,"day":")" + d2 + R"(","label":"person","zones":["lawn"]}])" + "\n");
  EXPECT_EQ(summary_json(db->summary(0LL, std::nullopt)), R"([{"camera":"garden","count":1,"day":")" + d1 +
                                                     R"(","label":"person","zones":["lawn","drive"]}])" + "\n");
  EXPECT_EQ(summary_json(db->summary(std::nullopt, 0LL)),
            R"([{"camera":"alley","count":1,"day":")" + d1 + R"(","label":"person","zones":[]}])" + "\n");
  EXPECT_EQ(summary_json(db->summary(2LL, std::nullopt)), "[]\n");
}

// ---- events in progress (storage.md §3) ----

OpenEvent make_open(const std::string& id) {
  OpenEvent o;
  o.id = id;
  o.label = "person";
  o.camera = "garden";
  o.start_time = 1000.25;
  o.last_seen = 1000.25;
  o.top_score = 0.7;
  o.zones = {};
  o.thumbnail = "AAAA";
  return o;
}

TEST_F(EventDbTest, OpenEventInsertUpdateFinish) {
  EventDb db(path_);
  OpenEvent o = make_open("1000.25-abcdef");
  db.open_event(o);
  auto open = db.open_events();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].state, "open");
  EXPECT_FALSE(open[0].end_time);
  EXPECT_FALSE(open[0].end_announced);
  EXPECT_TRUE(db.list({}).empty());  // not finished: not listed

  o.last_seen = 1004.5;
  o.top_score = 0.9;
  o.zones = {"lawn", "drive"};
  o.thumbnail = "BBBB";
  db.update_open_event(o);
  Raw raw(path_);
  EXPECT_EQ(raw.rows("SELECT last_seen, typeof(last_seen), top_score, zones, thumbnail, state, end_time, "
                     "end_announced FROM vigil_open_event")[0],
            (std::vector<std::string>{"1004.5", "real", "0.9", R"(["lawn","drive"])", "BBBB", "open", "NULL", "0"}));

  o.state = "ending";
  o.end_time = 1006.75;
  db.update_open_event(o);
  o.end_announced = true;
  db.update_open_event(o);
  open = db.open_events();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, o.id);
  EXPECT_EQ(open[0].label, "person");
  EXPECT_EQ(open[0].camera, "garden");
  EXPECT_EQ(open[0].start_time, 1000.25);
  EXPECT_EQ(open[0].last_seen, 1004.5);
  EXPECT_EQ(open[0].end_time, 1006.75);
  EXPECT_EQ(open[0].top_score, 0.9);
  EXPECT_EQ(open[0].zones, (std::vector<std::string>{"lawn", "drive"}));
  EXPECT_EQ(open[0].thumbnail, "BBBB");
  EXPECT_EQ(open[0].state, "ending");
  EXPECT_TRUE(open[0].end_announced);

  EventRecord e = make_event(o.id, o.start_time, "garden", "person", o.zones);
  db.finish_event(e, true);
  EXPECT_TRUE(db.open_events().empty());
  EXPECT_EQ(ids(db.list({})), std::vector<std::string>{o.id});
  EXPECT_EQ(raw.value("SELECT COUNT(*) FROM vigil_open_event"), "0");
}

TEST_F(EventDbTest, FinishWithoutRowOnlyDropsOpenEvent) {
  EventDb db(path_);
  db.open_event(make_open("1-a"));
  db.open_event(make_open("2-b"));
  db.finish_event(make_event("1-a", 1000.25, "garden", "person", {}, false, false), false);
  EXPECT_TRUE(db.list({}).empty());
  EXPECT_FALSE(db.get("1-a"));
  auto open = db.open_events();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, "2-b");
}

TEST_F(EventDbTest, FailedFinishLeavesOpenRow) {
  EventDb db(path_);
  db.open_event(make_open("1-a"));
  {
    Raw raw(path_);  // a failing INSERT must roll the DELETE back too
    raw.exec("CREATE TRIGGER boom BEFORE INSERT ON event BEGIN SELECT RAISE(ABORT, 'boom'); END");
  }
  EXPECT_THROW(db.finish_event(make_event("1-a", 1000.25), true), std::runtime_error);
  EXPECT_EQ(db.open_events().size(), 1u);
}

TEST_F(EventDbTest, DuplicateOpenEventThrows) {
  EventDb db(path_);
  db.open_event(make_open("1-a"));
  EXPECT_THROW(db.open_event(make_open("1-a")), std::runtime_error);
}

// ---- opening existing databases (storage.md §2.6) ----

TEST_F(EventDbTest, UpgradesDatabaseWithoutClipColumns) {
  {
    Raw raw(path_);
    raw.exec(kOldEventTable);
    raw.exec(R"(CREATE INDEX IF NOT EXISTS "event_label" ON "event" ("label"))");
    raw.exec(R"(CREATE TABLE IF NOT EXISTS "migratehistory" ("id" INTEGER NOT NULL PRIMARY KEY, )"
             R"("name" VARCHAR(255) NOT NULL, "migrated_at" DATETIME NOT NULL))");
    raw.exec("INSERT INTO migratehistory VALUES (1, '001_create_events_table', '2021-01-01 10:00:00.000000')");
    raw.exec(kOldRow);
  }
  EventDb db(path_);
  auto e = db.get("1600000000.5-old001");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->has_clip);
  EXPECT_TRUE(e->has_snapshot);
  EXPECT_EQ(e->zones, std::vector<std::string>{"lawn"});
  Raw raw(path_);
  EXPECT_EQ(raw.value("SELECT has_clip || ',' || has_snapshot FROM event"), "1,1");
  auto history = raw.rows("SELECT id, name, migrated_at FROM migratehistory ORDER BY id");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0][2], "2021-01-01 10:00:00.000000");  // untouched
  EXPECT_EQ(history[1][1], "002_add_clip_snapshot");
  // New rows are written with explicit values.
  db.finish_event(make_event("1600000100.5-new001", 1600000100.5, "garden", "person", {}, false, true), true);
  EXPECT_EQ(raw.value("SELECT has_clip FROM event WHERE id = '1600000100.5-new001'"), "0");
}

TEST_F(EventDbTest, CreatesMissingMigrateHistory) {
  {
    Raw raw(path_);
    raw.exec(kOldEventTable);
    raw.exec(kOldRow);
  }
  EventDb db(path_);
  Raw raw(path_);
  auto history = raw.rows("SELECT id, name FROM migratehistory ORDER BY id");
  EXPECT_EQ(history,
            (std::vector<std::vector<std::string>>{{"1", "001_create_events_table"}, {"2", "002_add_clip_snapshot"}}));
  EXPECT_EQ(db.list({}).size(), 1u);
}

TEST_F(EventDbTest, ToleratesNullableOrDefaultedExtraColumns) {
  { EventDb db(path_); }
  {
    Raw raw(path_);
    raw.exec(R"(ALTER TABLE "event" ADD COLUMN "retain_indefinitely" INTEGER NOT NULL DEFAULT 0)");
    raw.exec(R"(ALTER TABLE "event" ADD COLUMN "sub_label" VARCHAR(20))");
  }
  EventDb db(path_);
  db.finish_event(make_event("1-a", 1.5), true);
  EXPECT_EQ(ids(db.list({})), std::vector<std::string>{"1-a"});
}

TEST_F(EventDbTest, RefusesNotNullExtraColumnNamingIt) {
  {
    Raw raw(path_);
    raw.exec(R"(CREATE TABLE "event" ("id" VARCHAR(30) NOT NULL PRIMARY KEY, "label" VARCHAR(20) NOT NULL, )"
             R"("camera" VARCHAR(20) NOT NULL, "start_time" DATETIME NOT NULL, "end_time" DATETIME NOT NULL, )"
             R"("top_score" REAL NOT NULL, "false_positive" INTEGER NOT NULL, "zones" JSON NOT NULL, )"
             R"("thumbnail" TEXT NOT NULL, "has_clip" INTEGER NOT NULL, "has_snapshot" INTEGER NOT NULL, )"
             R"("area" INTEGER NOT NULL))");
  }
  try {
    EventDb db(path_);
    FAIL() << "opened";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path_), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"area\""), std::string::npos) << msg;
  }
}

TEST_F(EventDbTest, RefusesCorruptFileNamingIt) {
  { EventDb db(path_); }
  {
    Raw raw(path_);
    raw.exec("BEGIN");
    for (int i = 0; i < 400; ++i)
      raw.exec("INSERT INTO event VALUES ('" + std::to_string(i) + "-x', 'person', 'garden', " + std::to_string(i) +
               ".5, 1.5, 0.5, 0, '[]', hex(randomblob(1000)), 1, 1)");
    raw.exec("COMMIT");
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  auto size = fs::file_size(path_);
  ASSERT_GT(size, 40u * 4096);
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2 / 4096 * 4096));
    std::string garbage(4096, '\xA5');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  try {
    EventDb db(path_);
    FAIL() << "opened a corrupt database";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path_), std::string::npos) << msg;
  }
  EXPECT_EQ(fs::file_size(path_), size);  // never "repaired"
}

TEST_F(EventDbTest, RefusesFileThatIsNotADatabase) {
  {
    std::ofstream f(path_, std::ios::binary);
    f << std::string(8192, 'x');
  }
  try {
    EventDb db(path_);
    FAIL() << "opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

// ---- concurrency ----

TEST_F(EventDbTest, ReadsWhileWritingDoNotFail) {
  EventDb db(path_);
  constexpr int kEvents = 60;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, reads{0};
  auto reader = [&] {
    size_t seen = 0;
    while (!done) {
      try {
        EventQuery q;
        q.limit = -1;
        auto events = db.list(q);
        if (events.size() < seen) ++failures;  // committed rows never disappear
        seen = events.size();
        db.summary(1LL, std::nullopt);
        db.get("0-w");
        ++reads;
      } catch (const std::exception&) {
        ++failures;
      }
    }
  };
  std::thread r1(reader), r2(reader);
  for (int i = 0; i < kEvents; ++i) {
    OpenEvent o = make_open(std::to_string(i) + "-w");
    db.open_event(o);
    o.last_seen += 1;
    db.update_open_event(o);
    db.finish_event(make_event(o.id, 1000 + i + 0.5), true);
  }
  done = true;
  r1.join();
  r2.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GT(reads, 0);
  EventQuery q;
  q.limit = -1;
  EXPECT_EQ(db.list(q).size(), static_cast<size_t>(kEvents));
  EXPECT_TRUE(db.open_events().empty());
}

}  // namespace
}  // namespace vigil
