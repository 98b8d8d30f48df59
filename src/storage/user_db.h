// The users who may log in to the authenticated listener (docs/auth.md): the `user`
// table of the SQLite catalog, as Frigate 0.14 has it (username, role, password_hash,
// notification_tokens). Its own connection; every call is one short statement.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace vigil {

struct UserRow {
  std::string username;
  std::string role;           // "admin" | "viewer"
  std::string password_hash;  // Argon2id string (util/auth_crypto.h)
};

bool valid_role(const std::string& role);
// 1–64 characters of [A-Za-z0-9_.@-] (Frigate 0.14's rule).
bool valid_username(const std::string& name);

class UserDb {
 public:
  // Opens (creating the file and table if needed); throws with SQLite's message.
  explicit UserDb(const std::string& path);
  ~UserDb();
  UserDb(const UserDb&) = delete;
  UserDb& operator=(const UserDb&) = delete;

  std::optional<UserRow> find(const std::string& username);
  // false when the user exists already.
  bool add(const UserRow& row);
  // false when there is no such user.
  bool set_password(const std::string& username, const std::string& password_hash);
  bool remove(const std::string& username);
  std::vector<UserRow> all();

 private:
  std::mutex mu_;          // guards db_ (one statement at a time)
  sqlite3* db_ = nullptr;  // open for the object's life
};

}  // namespace vigil
