// The web UI (http-api.md §6): files of the built single-page app (web/dist) at `/`,
// hashed assets cached for a year, index.html for every other non-API path so deep
// links work, and the X-Ingress-Path prefix applied to index.html.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace httplib {
class Server;
}

namespace vigil {

class ConnectionServer;

// $VIGIL_WEB_DIR, else <prefix>/share/vigil/web beside an installed binary (<prefix>/bin),
// else the folder compiled in (the source tree's web/dist).
std::string default_web_dir();

// Registers a GET catch-all: call after every other GET route. `web_dir` holds
// index.html and assets/; when it is missing, pages answer 404 with a hint to build it.
// An unsafe X-Ingress-Path is ignored and counted in `rejected_ingress` (may be null).
void add_static_routes(ConnectionServer& svr, const std::string& web_dir,
                       std::atomic<uint64_t>* rejected_ingress = nullptr);

// index.html with the ingress prefix `prefix` ("/x/y", no trailing slash) applied to
// its root-relative links (HTML-attribute-escaped) and exposed to the app as
// window.baseUrl (a JavaScript string). Exposed for tests.
std::string apply_ingress_prefix(const std::string& html, const std::string& prefix);

}  // namespace vigil
