// Private to storage/: the SQLite helpers the event database's files share (prepared
// statements, transactions, errors with SQLite's message) and EventDb's reader lease.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "storage/event_db.h"

namespace vigil::sqlite {

[[noreturn]] inline void fail(sqlite3* db, std::string_view what) {
  throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

inline void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw std::runtime_error(msg);
  }
}

// A prepared statement. bind() fills the parameters left to right.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) fail(db, "prepare");
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(double v) { return check(sqlite3_bind_double(stmt_, ++n_, v)); }
  Stmt& bind(long long v) { return check(sqlite3_bind_int64(stmt_, ++n_, v)); }
  Stmt& bind(bool v) { return bind(static_cast<long long>(v ? 1 : 0)); }
  Stmt& bind(const std::string& v) {
    return check(sqlite3_bind_text(stmt_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Stmt& bind(const std::optional<double>& v) { return v ? bind(*v) : check(sqlite3_bind_null(stmt_, ++n_)); }

  // True while there is a row to read.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
  }
  void run() {
    while (step()) {
    }
  }

  double real(int i) const { return sqlite3_column_double(stmt_, i); }
  long long integer(int i) const { return sqlite3_column_int64(stmt_, i); }
  bool is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::string text(int i) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string(p, sqlite3_column_bytes(stmt_, i)) : std::string();
  }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) fail(db_, "bind");
    return *this;
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int n_ = 0;
};

// BEGIN IMMEDIATE … COMMIT, rolled back if the scope is left by an exception.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

}  // namespace vigil::sqlite

namespace vigil {

// A reader connection taken from the pool for one call.
class EventDb::ReaderLease {
 public:
  explicit ReaderLease(EventDb& owner) : owner_(owner), db_(owner.acquire_reader()) {}
  ~ReaderLease() { owner_.release_reader(db_); }
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  sqlite3* get() const { return db_; }

 private:
  EventDb& owner_;
  sqlite3* db_;
};

}  // namespace vigil
