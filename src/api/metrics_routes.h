// GET /api/metrics (docs/metrics.md), on every listener, and the HTTP request counter
// (`vigil_http_requests_total{method,route,status}`) it shows.
#pragma once

#include <functional>
#include <string>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace vigil {

class ConnectionServer;

// Serves `document` (null: the route answers 404) as text/plain; version=0.0.4.
void add_metrics_routes(ConnectionServer& svr, std::function<std::string()> document);

// The `route` label of a request: its route's pattern with each captured part shown as
// `*` (/api/*/latest.jpg), media and web UI paths by their prefix (/clips/*, /*),
// "unmatched" when no route answered it, so the label's values stay few whatever
// clients ask.
std::string http_route_label(const httplib::Request& req, int status);

// Counts one answered request (from the server's post-routing handler).
void count_http_request(const httplib::Request& req, const httplib::Response& res);

}  // namespace vigil
