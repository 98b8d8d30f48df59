// The HTTP API on one listener (api.listeners; http-api.md, or ha-current.md for the
// "0.14" profile): health, version, config, stats and
// live images. A connection with a request gets its own thread (bounded, 503 beyond),
// idle ones wait in one poller (api/connections.h), so MJPEG streams and idle
// keep-alive connections never hold up JSON requests; requests are bounded in size and
// time (api/connection_stream.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/http_counters.h"
#include "config/config.h"
#include "config/switches.h"
#include "util/clock.h"

namespace vigil {

class AuthService;
class Camera;
class ClipCache;
class EventDb;
class EventStore;
class ExportMaker;
class TlsContext;

struct ApiSources {
  // The API this listener answers: "0.8" (http-api.md) or "0.14" (ha-current.md; the
  // routes of api/profile14_routes.h come first, the 0.8 ones serve the rest).
  std::string profile = "0.8";
  const Config* config = nullptr;
  std::map<std::string, Camera*> cameras;
  std::function<std::string()> config_json;              // /api/config document
  std::function<std::string()> stats_json;               // /api/stats document
  std::function<std::string()> metrics_text;             // /api/metrics document (null: 404)
  std::function<std::string()> recordings_storage_json;  // /api/recordings/storage (null: 404)
  EventDb* events_db = nullptr;                          // finished events (null: no events API)
  EventStore* events = nullptr;                          // events in progress
  ExportMaker* exports = nullptr;                        // exports (null: no export API)
  SwitchesMap switches;                                  // runtime switches per camera (0.14 /api/config shows them)
  // Each camera's clip cache (cameras with a `clips` input): the clip and preview of an
  // event in progress are cut from it (api/media_proxy_routes.h). Fixed at start.
  std::map<std::string, std::shared_ptr<ClipCache>> clip_caches;
  std::string web_dir;  // built web UI served at / (empty: none)
  // Counts X-Ingress-Path values ignored as unsafe (shown in /api/stats `service`).
  std::atomic<uint64_t>* rejected_ingress_headers = nullptr;
  // Connections and requests refused, open connections (/api/stats `service.http`);
  // null: the server keeps its own.
  HttpCounters* http_counters = nullptr;
  // The authenticated listener's users and tokens (api/auth_routes.h): every request
  // passes its gate first. Null: no authentication (the api.listeners).
  AuthService* auth = nullptr;
  // TLS on every connection of this listener (auth.tls; api/tls_context.h). Null: plain.
  std::shared_ptr<const TlsContext> tls;
};

class HttpServer {
 public:
  // MJPEG streams are paced on `clock`.
  explicit HttpServer(ApiSources sources, const Clock& clock = SystemClock::instance());
  ~HttpServer();

  // Binds host:port; false (with the reason logged) when the port cannot be bound.
  bool bind(const std::string& host, int port);
  // Serves on a background thread until stop().
  void start();
  // Closes the listener and the open connections, wakes every MJPEG stream and joins
  // every thread. Idempotent.
  void stop();

  // Every (method, route pattern) the router has, in order (the auth test walks them).
  const std::vector<std::pair<std::string, std::string>>& route_patterns() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil
