#include "api/metrics_routes.h"

#include <httplib.h>

#include <mutex>
#include <set>

#include "api/connections.h"
#include "util/metric_families.h"

namespace vigil {
namespace {

constexpr size_t kMaxRoutes = 200;  // distinct route labels; more are counted as "other"

bool has_prefix(const std::string& path, const std::string& prefix) {
  return path.compare(0, prefix.size(), prefix) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// The pattern as matched: every captured part replaced by `*`.
std::string pattern_of(const httplib::Request& req) {
  const std::string& path = req.path;
  std::string out;
  size_t pos = 0;
  for (size_t i = 1; i < req.matches.size(); ++i) {
    if (!req.matches[i].matched) continue;
    const size_t at = size_t(req.matches.position(i));
    if (at < pos) continue;  // nested group: its parent was replaced already
    out += path.substr(pos, at - pos) + "*";
    pos = at + size_t(req.matches.length(i));
  }
  return out + path.substr(std::min(pos, path.size()));
}

}  // namespace

void add_metrics_routes(ConnectionServer& svr, std::function<std::string()> document) {
  svr.Get("/api/metrics", [document = std::move(document)](const httplib::Request&, httplib::Response& res) {
    if (!document) {
      res.status = 404;
      res.set_content("Not Found", "text/plain; charset=utf-8");
      return;
    }
    res.set_content(document(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

std::string http_route_label(const httplib::Request& req, int status) {
  if (req.matches.empty()) return "unmatched";  // answered before routing (a limit, a bad header)
  if (req.method == "OPTIONS") return "*";
  const std::string& path = req.path;
  if (!has_prefix(path, "/api")) {
    for (const char* media : {"/clips", "/recordings", "/cache", "/vod", "/exports"})
      if (has_prefix(path, media)) return std::string(media) + "/*";
    return "/*";  // the web UI
  }
  const bool captured = req.matches.size() > 1;
  if (!captured && (status == 404 || status == 405)) return "unmatched";  // the catch-all routes
  std::string label = pattern_of(req);
  // A safety net: whatever a route's pattern lets through, the labels stay bounded.
  static std::mutex mu;
  static std::set<std::string> seen;  // guarded by mu: labels given so far
  std::lock_guard lock(mu);
  if (seen.count(label)) return label;
  if (seen.size() >= kMaxRoutes) return "other";
  seen.insert(label);
  return label;
}

void count_http_request(const httplib::Request& req, const httplib::Response& res) {
  static MetricFamily<Counter>& requests = http_requests_metric();
  static const std::set<std::string> kMethods = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
  const std::string method = kMethods.count(req.method) ? req.method : "other";
  requests.with({method, http_route_label(req, res.status), std::to_string(res.status)}).inc();
}

}  // namespace vigil
