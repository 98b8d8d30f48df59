// The authenticated listener's gate and its own routes (docs/auth.md): one check in
// front of the router refuses every request without a valid token except the
// allow-list (login, logout, the login page); a viewer may only read.
#pragma once

#include <httplib.h>

#include <string>

namespace vigil {

class AuthService;
class ConnectionServer;

// Paths an anonymous client may reach: POST /api/login, /api/logout, the login page.
bool auth_allows_anonymous(const std::string& method, const std::string& path);

// True when the request is refused (`res` then holds 401, 403 or a redirect to /login).
bool auth_refuses(AuthService& auth, const httplib::Request& req, httplib::Response& res);

// POST /api/login {user, password}, POST|GET /api/logout, GET /api/profile.
void add_auth_routes(ConnectionServer& svr, AuthService& auth);

}  // namespace vigil
