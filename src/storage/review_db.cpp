// EventDb's review segments (ha-current.md §7.1, §5.8): the `reviewsegment` table as
// Frigate 0.14's migration made it, on the event database's file. The 0.8 `event` table
// is not touched.
#include <sqlite3.h>

#include "storage/event_db.h"
#include "storage/sqlite_stmt.h"

namespace vigil {
using namespace sqlite;
namespace {

constexpr const char* kReviewTable = R"(
CREATE TABLE IF NOT EXISTS "reviewsegment" (
  "id" VARCHAR(30) NOT NULL PRIMARY KEY,
  "camera" VARCHAR(20) NOT NULL,
  "start_time" DATETIME NOT NULL,
  "end_time" DATETIME,
  "has_been_reviewed" INTEGER NOT NULL,
  "severity" VARCHAR(30) NOT NULL,
  "thumb_path" VARCHAR(255) NOT NULL,
  "data" JSON NOT NULL);
CREATE INDEX IF NOT EXISTS "reviewsegment_camera" ON "reviewsegment" ("camera");
CREATE UNIQUE INDEX IF NOT EXISTS "reviewsegment_thumb_path" ON "reviewsegment" ("thumb_path");
CREATE INDEX IF NOT EXISTS "reviewsegment_start_time_end_time" ON "reviewsegment" ("start_time", "end_time");
)";

constexpr const char* kReviewColumns =
    "id, camera, start_time, end_time, has_been_reviewed, severity, thumb_path, data";

ReviewSegment read_review(const Stmt& s) {
  ReviewSegment r;
  r.id = s.text(0);
  r.camera = s.text(1);
  r.start_time = s.real(2);
  if (!s.is_null(3)) r.end_time = s.real(3);
  r.has_been_reviewed = s.integer(4) != 0;
  r.severity = s.text(5) == "alert" ? ReviewSeverity::kAlert : ReviewSeverity::kDetection;
  r.thumb_path = s.text(6);
  r.data = review_data_from_text(s.text(7));
  return r;
}

// "?, ?, …" for n values.
std::string placeholders(size_t n) {
  std::string p;
  for (size_t i = 0; i < n; ++i) p += i ? ", ?" : "?";
  return p;
}

}  // namespace

void EventDb::migrate_reviews() {
  Transaction tx(writer_);
  exec(writer_, kReviewTable);
  tx.commit();
}

void EventDb::upsert_review(const ReviewSegment& r) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_, std::string("INSERT INTO reviewsegment (") + kReviewColumns +
                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET end_time = excluded.end_time, "
                      "severity = excluded.severity, thumb_path = excluded.thumb_path, data = excluded.data");
  s.bind(r.id)
      .bind(r.camera)
      .bind(r.start_time)
      .bind(r.end_time)
      .bind(r.has_been_reviewed)
      .bind(std::string(severity_name(r.severity)))
      .bind(r.thumb_path)
      .bind(review_data_text(r.data))
      .run();
}

int EventDb::close_open_reviews(double now) {
  std::lock_guard lock(write_mu_);
  Stmt s(writer_, "UPDATE reviewsegment SET end_time = ? WHERE end_time IS NULL");
  s.bind(now).run();
  return sqlite3_changes(writer_);
}

int EventDb::set_reviewed(const std::vector<std::string>& ids, bool reviewed) {
  if (ids.empty()) return 0;
  std::lock_guard lock(write_mu_);
  Transaction tx(writer_);
  int found = 0;
  for (const std::string& id : ids) {
    Stmt s(writer_, "UPDATE reviewsegment SET has_been_reviewed = ? WHERE id = ?");
    s.bind(reviewed).bind(id).run();
    found += sqlite3_changes(writer_);
  }
  tx.commit();
  return found;
}

std::vector<std::string> EventDb::delete_reviews_before(const std::string& camera, double before) {
  std::lock_guard lock(write_mu_);
  Transaction tx(writer_);
  std::vector<std::string> thumbs;
  {
    Stmt s(writer_, "SELECT thumb_path FROM reviewsegment WHERE camera = ? AND end_time IS NOT NULL AND end_time < ?");
    s.bind(camera).bind(before);
    while (s.step()) thumbs.push_back(s.text(0));
  }
  Stmt d(writer_, "DELETE FROM reviewsegment WHERE camera = ? AND end_time IS NOT NULL AND end_time < ?");
  d.bind(camera).bind(before).run();
  tx.commit();
  return thumbs;
}

std::vector<ReviewSegment> EventDb::list_reviews(const ReviewQuery& q) {
  std::string sql = std::string("SELECT ") + kReviewColumns +
                    " FROM reviewsegment WHERE start_time < ? AND (end_time IS NULL OR end_time > ?)";
  if (!q.cameras.empty()) sql += " AND camera IN (" + placeholders(q.cameras.size()) + ")";
  if (!q.labels.empty())
    sql += " AND (EXISTS (SELECT 1 FROM json_each(data, '$.objects') WHERE value IN (" + placeholders(q.labels.size()) +
           ")) OR EXISTS (SELECT 1 FROM json_each(data, '$.audio') WHERE value IN (" + placeholders(q.labels.size()) +
           ")))";
  if (!q.zones.empty())
    sql +=
        " AND EXISTS (SELECT 1 FROM json_each(data, '$.zones') WHERE value IN (" + placeholders(q.zones.size()) + "))";
  if (q.reviewed) sql += " AND has_been_reviewed = ?";
  if (q.severity) sql += " AND severity = ?";
  sql += " ORDER BY start_time DESC";
  if (q.limit >= 0) sql += " LIMIT ?";
  ReaderLease db(*this);
  Stmt s(db.get(), sql);
  s.bind(q.before).bind(q.after);
  for (const std::string& c : q.cameras) s.bind(c);
  for (int twice = 0; twice < 2 && !q.labels.empty(); ++twice)
    for (const std::string& l : q.labels) s.bind(l);
  for (const std::string& z : q.zones) s.bind(z);
  if (q.reviewed) s.bind(*q.reviewed);
  if (q.severity) s.bind(std::string(severity_name(*q.severity)));
  if (q.limit >= 0) s.bind(q.limit);
  std::vector<ReviewSegment> out;
  while (s.step()) out.push_back(read_review(s));
  return out;
}

std::optional<ReviewSegment> EventDb::get_review(const std::string& id) {
  ReaderLease db(*this);
  Stmt s(db.get(), std::string("SELECT ") + kReviewColumns + " FROM reviewsegment WHERE id = ?");
  s.bind(id);
  if (!s.step()) return std::nullopt;
  return read_review(s);
}

}  // namespace vigil
