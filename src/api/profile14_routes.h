// The routes of the "0.14" API profile (ha-current.md §2, §5): registered before the 0.8
// routes on a 0.14 listener, so they answer these paths there and 0.8 answers the rest
// (latest.jpg, event images, media files, MJPEG, web UI).
#pragma once

#include "api/http_server.h"
#include "api/thread_cpu.h"

namespace httplib {
class Server;
}

namespace vigil {

class ConnectionServer;

// What one 0.14 listener keeps between requests.
struct Profile14State {
  ThreadCpuSampler cpu;  // previous CPU sample per thread (its own lock)
};

// `src` and `state` must outlive the server.
void add_profile14_routes(ConnectionServer& svr, const ApiSources& src, Profile14State& state);

// GET /api/<camera>/recordings and /api/<camera>/recordings/summary in 0.14's shapes
// (ha-current.md §4.3). Registered on every listener: 0.14 has them, and on 0.8 they are
// a vigil-only addition for the web UI's timeline (0.8 had no such path; its clients
// never ask). `src` must outlive the server.
void add_recordings_routes(ConnectionServer& svr, const ApiSources& src);

}  // namespace vigil
