#include "api/auth_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/auth_crypto.h"
#include "util/log.h"

namespace vigil {
namespace {

constexpr size_t kMaxTrackedClients = 10000;  // beyond: clients without recent failures are dropped

std::string hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string read_secret(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  std::string s(256, '\0');
  const ssize_t n = ::read(fd, s.data(), s.size());
  const int err = errno;
  ::close(fd);
  if (n < 0) throw std::runtime_error("cannot read " + path + ": " + std::strerror(err));
  s.resize(size_t(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() < 32) throw std::runtime_error(path + ": secret shorter than 32 characters");
  return s;
}

}  // namespace

std::string load_jwt_secret(const std::string& database_path) {
  if (const char* env = std::getenv("FRIGATE_JWT_SECRET"); env && *env) return env;
  const std::string path = (std::filesystem::path(database_path).parent_path() / ".jwt_secret").string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_secret(path);
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  }
  const std::string secret = hex(random_bytes(64)) + "\n";
  const bool ok = ::write(fd, secret.data(), secret.size()) == ssize_t(secret.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(err));
  }
  return read_secret(path);
}

AuthService::AuthService(UserDb& users, std::string secret, const Clock& clock, AuthOptions options)
    : users_(users),
      secret_(std::move(secret)),
      clock_(clock),
      options_(options),
      dummy_hash_(hash_password(hex(random_bytes(16)))) {}

AuthService::Login AuthService::login(const std::string& client, const std::string& user, const std::string& password) {
  Login out;
  const double now = clock_.mono();
  {
    std::lock_guard lock(mu_);
    auto it = failures_.find(client);
    if (it != failures_.end()) {
      auto& q = it->second;
      while (!q.empty() && q.front() <= now - options_.failure_window) q.pop_front();
      if (int(q.size()) >= options_.max_failures) {
        out.status = 429;
        out.retry_after = std::max(1, int(std::ceil(q.front() + options_.failure_window - now)));
        return out;
      }
    }
  }
  // Unknown users cost a verification too, so the time does not tell which names exist.
  const std::optional<UserRow> row = users_.find(user);
  const bool ok = verify_password(password, row ? row->password_hash : dummy_hash_) && row.has_value();
  if (ok) {
    out.status = 200;
    out.identity = {row->username, row->role};
    out.token = issue(out.identity);
    return out;
  }
  std::lock_guard lock(mu_);
  if (failures_.size() >= kMaxTrackedClients) {
    for (auto i = failures_.begin(); i != failures_.end();)
      i = (i->second.empty() || i->second.back() <= now - options_.failure_window) ? failures_.erase(i) : std::next(i);
  }
  failures_[client].push_back(now);
  logger("vigil.auth")
      ->warn("failed login for user {} from {}",
             nlohmann::json(user).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace), client);
  return out;
}

std::string AuthService::issue(const AuthIdentity& id) const {
  static const std::string header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  const nlohmann::json claims = {
      {"sub", id.user}, {"role", id.role}, {"exp", (long long)(std::floor(clock_.wall() + options_.token_seconds))}};
  const std::string signing_input = header + "." + base64url_encode(claims.dump());
  return signing_input + "." + base64url_encode(hmac_sha256(secret_, signing_input));
}

std::optional<AuthIdentity> AuthService::verify(const std::string& token) const {
  const size_t a = token.find('.');
  const size_t b = a == std::string::npos ? a : token.find('.', a + 1);
  if (b == std::string::npos || token.find('.', b + 1) != std::string::npos) return std::nullopt;
  const std::optional<std::string> sig = base64url_decode(token.substr(b + 1));
  if (!sig || !constant_time_equal(*sig, hmac_sha256(secret_, token.substr(0, b)))) return std::nullopt;
  const std::optional<std::string> head = base64url_decode(token.substr(0, a));
  const std::optional<std::string> body = base64url_decode(token.substr(a + 1, b - a - 1));
  if (!head || !body) return std::nullopt;
  const nlohmann::json h = nlohmann::json::parse(*head, nullptr, false);
  const nlohmann::json c = nlohmann::json::parse(*body, nullptr, false);
  if (!h.is_object() || h.value("alg", "") != "HS256" || !c.is_object()) return std::nullopt;
  if (!c.contains("exp") || !c["exp"].is_number() || !c.contains("sub") || !c["sub"].is_string() ||
      !c.contains("role") || !c["role"].is_string())
    return std::nullopt;
  if (c["exp"].get<double>() <= clock_.wall()) return std::nullopt;
  AuthIdentity id{c["sub"].get<std::string>(), c["role"].get<std::string>()};
  // The user must still exist; the role is the current one (a removed user's or a
  // demoted admin's token stops working at once).
  const std::optional<UserRow> row = users_.find(id.user);
  if (!row || !valid_role(row->role)) return std::nullopt;
  id.role = row->role;
  return id;
}

std::string AuthService::cookie(const std::string& token) const {
  std::string c = "frigate_token=" + token + "; Path=/; HttpOnly; SameSite=Lax";
  c += token.empty() ? "; Max-Age=0" : "; Max-Age=" + std::to_string((long long)options_.token_seconds);
  if (options_.secure_cookie) c += "; Secure";
  return c;
}

}  // namespace vigil
