// /clips/… and /recordings/… (http-api.md §5): files from the media folder with
// ranges and conditional requests, a JSON listing for recordings folders (nginx
// autoindex layout) and a simple HTML listing for clips. Only the files vigil writes
// there are served or listed (media_files.h).
#pragma once

#include <string>
#include <vector>

namespace httplib {
class Server;
}

namespace vigil {

class ConnectionServer;

// media_dir: absolute path of the media folder (holds clips/ and recordings/);
// database_path: the event database, never served under any name (media_files.h).
// archive_recordings: the recordings/ folders of the later storage tiers, in order; a
// /recordings/ file is served from the first tier holding it, a folder lists them all.
void add_media_routes(ConnectionServer& svr, const std::string& media_dir, const std::string& database_path,
                      const std::vector<std::string>& archive_recordings = {});

// "/clips", "/clips/…", "/recordings", "/recordings/…" (not "/clipsx").
bool is_media_path(const std::string& path);

}  // namespace vigil
