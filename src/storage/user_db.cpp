#include "storage/user_db.h"

#include <sqlite3.h>

#include "storage/sqlite_stmt.h"

namespace vigil {

bool valid_role(const std::string& role) { return role == "admin" || role == "viewer"; }

bool valid_username(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '@' || c == '-')) return false;
  return true;
}

UserDb::UserDb(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    sqlite::exec(db_,
                 "CREATE TABLE IF NOT EXISTS user (username VARCHAR(30) NOT NULL PRIMARY KEY, "
                 "role VARCHAR(20) NOT NULL DEFAULT 'admin', password_hash VARCHAR(120) NOT NULL, "
                 "notification_tokens JSON NOT NULL DEFAULT '[]')");
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot create the user table in " + path + ": " + e.what());
  }
}

UserDb::~UserDb() { sqlite3_close(db_); }

std::optional<UserRow> UserDb::find(const std::string& username) {
  std::lock_guard lock(mu_);
  sqlite::Stmt s(db_, "SELECT username, role, password_hash FROM user WHERE username = ?");
  s.bind(username);
  if (!s.step()) return std::nullopt;
  return UserRow{s.text(0), s.text(1), s.text(2)};
}

bool UserDb::add(const UserRow& row) {
  std::lock_guard lock(mu_);
  sqlite::Stmt s(db_, "INSERT OR IGNORE INTO user (username, role, password_hash) VALUES (?, ?, ?)");
  s.bind(row.username).bind(row.role).bind(row.password_hash).run();
  return sqlite3_changes(db_) == 1;
}

bool UserDb::set_password(const std::string& username, const std::string& password_hash) {
  std::lock_guard lock(mu_);
  sqlite::Stmt s(db_, "UPDATE user SET password_hash = ? WHERE username = ?");
  s.bind(password_hash).bind(username).run();
  return sqlite3_changes(db_) == 1;
}

bool UserDb::remove(const std::string& username) {
  std::lock_guard lock(mu_);
  sqlite::Stmt s(db_, "DELETE FROM user WHERE username = ?");
  s.bind(username).run();
  return sqlite3_changes(db_) == 1;
}

std::vector<UserRow> UserDb::all() {
  std::lock_guard lock(mu_);
  sqlite::Stmt s(db_, "SELECT username, role, password_hash FROM user ORDER BY username");
  std::vector<UserRow> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
  return out;
}

}  // namespace vigil
