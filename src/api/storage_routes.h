// /api/recordings/storage (Frigate 0.14's shape, on every listener): per camera the MB its
// recordings take on disk, its write rate and share of the disk, plus vigil's budget keys
// (docs/storage.md "Accounting"). The document comes from app (ApiSources).
#pragma once

#include <functional>
#include <string>

namespace httplib {
class Server;
}

namespace vigil {

class ConnectionServer;

// `document` builds the JSON object (null: the route answers 404 like an unknown path).
void add_storage_routes(ConnectionServer& svr, std::function<std::string()> document);

}  // namespace vigil
