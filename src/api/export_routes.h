// Exports (issue 13) in Frigate 0.14's shape, on every listener (on 0.8 a vigil-only
// addition for the web UI's timeline): GET /api/exports, GET /api/exports/<id>,
// POST /api/export/<camera>/start/<s>/end/<e> ({"playback": "realtime", "name": …}),
// PATCH /api/export/<id>/<new name>, DELETE /api/export/<id>. vigil adds start_time,
// end_time, error, progress (0..1 while in progress) and size_bytes to each row. The
// files: /exports/<id>.mp4 (media_routes).
#pragma once

namespace httplib {
class Server;
}

namespace vigil {

class ConnectionServer;

struct Config;
class EventDb;
class ExportMaker;

void add_export_routes(ConnectionServer& svr, const Config& cfg, EventDb& db, ExportMaker& exports);

}  // namespace vigil
