// /vod/… (ha-current.md §6): HLS of the 24/7 recordings and event clips, built in
// process by stream copy (no nginx-vod). Three URL families give a source range:
//   /vod/<camera>/start/<s>/end/<e>/            recordings overlapping [s, e]
//   /vod/<YYYY-MM>/<DD>/<HH>/<camera>/<tz>/     an hour of recordings (tz: utc)
//   /vod/event/<id>/                            the event's clip file, else its time range
// and in each folder: index.m3u8 (media playlist), master.m3u8 (→ index.m3u8) and the
// segments the playlist names (seg-….ts, MPEG-TS, vod_plan.h).
#pragma once

namespace httplib {
class Server;
}

namespace vigil {

class ConnectionServer;

class Clock;
struct Config;
class EventDb;
class EventStore;

// `db`/`store` may be null (no event family then); `clock` gives "now" for events in progress.
void add_vod_routes(ConnectionServer& svr, const Config& cfg, EventDb* db, EventStore* store, const Clock& clock);

}  // namespace vigil
