// The media the Home Assistant integration's proxy views and notifications fetch
// (ha-current.md §2.5, §4.4), on every listener:
//   GET /api/events/<id>/clip.mp4                       the event's clip; Range → 206
//   GET /api/<camera>/start/<s>/end/<e>/clip.mp4        recordings over [s, e]; Range → 206
//   GET /api/events/<id>/preview.gif                    ≤ 20 s from the event's start
//   GET /api/review/<id>/preview[?format=gif|mp4]       the review item ± 8 s
// Clips are stream copies (storage/range_clip.h); GIFs are made in process
// (storage/preview_gif.h). What is cut on demand runs on the request's thread, at most
// kMaxMakers at once in the process (then 503 JSON); never on a camera's thread.
#pragma once

namespace httplib {
class Server;
}

namespace vigil {

class ConnectionServer;

class Clock;
class MakerSlots;
struct ApiSources;

// At most this many clips and GIFs are made at once (the process, all listeners).
inline constexpr int kMaxMakers = 2;
// A GIF preview of an event covers at most this much from its start (Frigate 0.14).
inline constexpr double kEventPreviewSeconds = 20;

// The process's bound on clips and GIFs made on request (kMaxMakers): a route that makes
// one (e.g. /api/review/<id>/preview) takes a MakerSlots::Slot here, 503 when not held.
MakerSlots& media_makers();

// `src` must outlive the server; `clock` gives "now" for events in progress.
void add_media_proxy_routes(ConnectionServer& svr, const ApiSources& src, const Clock& clock);

}  // namespace vigil
