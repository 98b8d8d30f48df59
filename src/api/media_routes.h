// /clips/… and /recordings/… (http-api.md §5): files from the media folder with
// ranges and conditional requests, a JSON listing for recordings folders (nginx
// autoindex layout) and a simple HTML listing for clips.
#pragma once

#include <string>

namespace httplib {
class Server;
}

namespace vigil {

// media_dir: absolute path of the media folder (holds clips/ and recordings/).
void add_media_routes(httplib::Server& svr, const std::string& media_dir);

}  // namespace vigil
