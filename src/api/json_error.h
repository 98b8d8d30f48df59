// The JSON error body of vigil's own HTTP errors (http-api.md §1.3):
// {"success": false, "message": "…"} with `status`, non-ASCII escaped.
#pragma once

#include <string>

namespace httplib {
struct Response;
}

namespace vigil {

void json_error(httplib::Response& res, int status, const std::string& message);

}  // namespace vigil
