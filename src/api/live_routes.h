// Live video for the browser (issue 13; README "API"), on every listener:
//   GET /live/<camera>.mp4   fragmented MP4 by stream copy, as one long chunked response
// The body is the init segment (ftyp + moov) then one fragment per frame from a
// keyframe on, for Media Source Extensions. Headers: Content-Type
// `video/mp4; codecs="avc1.PPCCLL"` (the page asks MediaSource.isTypeSupported with it),
// X-Vigil-Stream-Epoch (wall time of media time 0, seconds: the page's delay behind the
// camera is now − epoch − currentTime). Unknown camera → 404 JSON; no keyframe within
// LiveFeed::kHeadWait → 503 JSON. A viewer that falls behind is disconnected
// (restream/live_feed.h). The connection's thread serves the stream until it ends.
#pragma once

namespace vigil {

class Clock;
class ConnectionServer;
class Worker;
struct ApiSources;

// `src` and `server` (the listen worker: its stop ends the streams) outlive the routes.
void add_live_routes(ConnectionServer& svr, const ApiSources& src, const Worker& server);

}  // namespace vigil
