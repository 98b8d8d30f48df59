// Authentication on the authenticated listener (docs/auth.md): users from UserDb,
// Argon2id passwords, JWT HS256 tokens (cookie `frigate_token` or `Authorization:
// Bearer`), login rate limiting per client address, and the roles' rights (a viewer
// only reads). Frigate 0.14's shape.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "storage/user_db.h"
#include "util/clock.h"

namespace vigil {

struct AuthIdentity {
  std::string user;
  std::string role;  // "admin" | "viewer"
};

struct AuthOptions {
  double token_seconds = 24 * 3600;  // a token's lifetime (its `exp`)
  int max_failures = 5;              // failed logins per client address within the window...
  double failure_window = 60;        // ...seconds, before 429
  bool secure_cookie = false;        // the cookie's Secure attribute (the listener has TLS)
};

// FRIGATE_JWT_SECRET when set, else the secret in `.jwt_secret` beside the database,
// made once (64 random bytes, hex, mode 0600). Throws with errno's text.
std::string load_jwt_secret(const std::string& database_path);

class AuthService {
 public:
  AuthService(UserDb& users, std::string secret, const Clock& clock, AuthOptions options = {});

  struct Login {
    int status = 401;       // 200, 400, 401 or 429
    std::string token;      // 200: the JWT
    int retry_after = 0;    // 429: seconds
    AuthIdentity identity;  // 200
  };
  // Checks a login from `client` (its address); failures count towards its limit.
  Login login(const std::string& client, const std::string& user, const std::string& password);

  // A signed token for `id`, expiring token_seconds after the clock's wall time.
  std::string issue(const AuthIdentity& id) const;
  // The identity of a valid, unexpired token signed with our secret.
  std::optional<AuthIdentity> verify(const std::string& token) const;
  // The `frigate_token` Set-Cookie value for `token` ("" clears it).
  std::string cookie(const std::string& token) const;

  const AuthOptions& options() const { return options_; }

 private:
  UserDb& users_;
  const std::string secret_;  // HMAC key; never logged
  const Clock& clock_;
  const AuthOptions options_;
  const std::string dummy_hash_;  // verified against for unknown users (same time as a real check)
  std::mutex mu_;                 // guards failures_
  std::map<std::string, std::deque<double>> failures_;  // client address → mono() of its recent failed logins
};

}  // namespace vigil
