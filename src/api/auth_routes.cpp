#include "api/auth_routes.h"

#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/auth_service.h"
#include "api/connections.h"
#include "api/html_escape.h"
#include "api/media_routes.h"

namespace vigil {
namespace {

void json_reply(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
}

void refuse(httplib::Response& res, int status, const std::string& message) {
  json_reply(res, status, {{"success", false}, {"message", message}});
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// The token of a request: its `frigate_token` cookie, else `Authorization: Bearer`.
std::string token_of(const httplib::Request& req) {
  for (size_t i = 0, n = req.get_header_value_count("Cookie"); i < n; ++i) {
    const std::string c = req.get_header_value("Cookie", i);
    size_t pos = 0;
    while (pos < c.size()) {
      size_t end = c.find(';', pos);
      if (end == std::string::npos) end = c.size();
      std::string part = c.substr(pos, end - pos);
      while (!part.empty() && part.front() == ' ') part.erase(0, 1);
      if (starts_with(part, "frigate_token=")) return part.substr(14);
      pos = end + 1;
    }
  }
  const std::string a = req.get_header_value("Authorization");
  if (a.size() > 7 && (starts_with(a, "Bearer ") || starts_with(a, "bearer "))) return a.substr(7);
  return "";
}

// API and media paths get a 401, never a redirect to the login page.
bool is_api_or_media(const std::string& path) {
  for (const char* p : {"/api", "/clips", "/recordings", "/vod", "/live", "/exports", "/cache"}) {
    const size_t n = std::strlen(p);
    if (path.compare(0, n, p) == 0 && (path.size() == n || path[n] == '/')) return true;
  }
  return is_media_path(path);
}

}  // namespace

bool auth_allows_anonymous(const std::string& method, const std::string& path) {
  if (path == "/api/login") return method == "POST";
  if (path == "/api/logout") return method == "POST" || method == "GET";
  // The login page: the web UI's shell and its bundled assets (code, no data).
  if (method != "GET" && method != "HEAD") return false;
  return path == "/login" || (starts_with(path, "/assets/") && path.find("..") == std::string::npos);
}

namespace {}  // namespace

bool auth_refuses(AuthService& auth, const httplib::Request& req, httplib::Response& res) {
  if (auth_allows_anonymous(req.method, req.path)) return false;
  const std::string token = token_of(req);
  const std::optional<AuthIdentity> id = token.empty() ? std::nullopt : auth.verify(token);
  if (!id) {
    const bool page = (req.method == "GET" || req.method == "HEAD") && !is_api_or_media(req.path);
    if (page) {
      // The login page goes back to this page afterwards (web/src/login.jsx).
      res.set_redirect("/login?next=" + url_encode_path(req.path), 302);
      res.set_header("Cache-Control", "no-store");
    } else {
      refuse(res, 401, token.empty() ? "authentication required" : "invalid or expired token");
    }
    return true;
  }
  if (id->role != "admin" && req.method != "GET" && req.method != "HEAD" && req.path != "/api/logout") {
    refuse(res, 403, "the viewer role may only read");
    return true;
  }
  return false;
}

void add_auth_routes(ConnectionServer& svr, AuthService& auth) {
  svr.Post("/api/login", [&auth](const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("user") || !body["user"].is_string() || !body.contains("password") ||
        !body["password"].is_string()) {
      refuse(res, 400, "expected a JSON object with user and password");
      return;
    }
    const AuthService::Login r = auth.login(req.remote_addr, body["user"], body["password"]);
    if (r.status == 429) {
      res.set_header("Retry-After", std::to_string(r.retry_after));
      refuse(res, 429, "too many failed logins; retry later");
    } else if (r.status != 200) {
      refuse(res, 401, "login failed");
    } else {
      res.set_header("Set-Cookie", auth.cookie(r.token));
      json_reply(res, 200, {{"success", true}, {"username", r.identity.user}, {"role", r.identity.role}});
    }
  });
  auto logout = [&auth](const httplib::Request&, httplib::Response& res) {
    res.set_header("Set-Cookie", auth.cookie(""));
    json_reply(res, 200, {{"success", true}, {"message", "logged out"}});
  };
  svr.Post("/api/logout", logout);
  svr.Get("/api/logout", logout);
  svr.Get("/api/profile", [&auth](const httplib::Request& req, httplib::Response& res) {
    const std::optional<AuthIdentity> id = auth.verify(token_of(req));
    if (!id) return refuse(res, 401, "authentication required");  // the gate lets none through
    json_reply(res, 200, {{"username", id->user}, {"role", id->role}});
  });
}

}  // namespace vigil
