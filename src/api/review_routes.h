// The review API of the 0.14 profile (ha-current.md §5.8, §7.4, 0.17 semantics):
// GET /api/review, GET /api/review/<id>, POST /api/reviews/viewed,
// DELETE /api/review/<id>/viewed. Registered on 0.14 listeners only (0.8 never had them).
#pragma once

#include <optional>
#include <string>

#include "util/clock.h"

namespace httplib {
class Server;
}

namespace vigil {

class ConnectionServer;

class EventDb;

// A segment's span, for `/api/review/<id>/preview` (the media routes): an open segment
// ends `now`.
struct ReviewSpan {
  std::string camera;
  double start = 0, end = 0;
};
std::optional<ReviewSpan> review_span(EventDb& db, const std::string& id, double now);

// `db` must outlive the server; `clock`'s wall time is "now" of the default window.
void add_review_routes(ConnectionServer& svr, EventDb& db, const Clock& clock);

}  // namespace vigil
