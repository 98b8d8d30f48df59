// The event JSON of the HTTP API (http-api.md §1.4, §4): compact, keys sorted, non-ASCII
// escaped, as Frigate 0.8's Flask answered.
#pragma once

#include <string>
#include <vector>

#include "storage/event_db.h"

namespace vigil {

// One event object, no newline.
std::string event_json(const EventRecord& e, bool include_thumbnail);
// A JSON array of event objects followed by "\n" (GET /api/events).
std::string events_json(const std::vector<EventRecord>& events, bool include_thumbnails);
// The body of GET /api/events/summary (http-api.md §4.2), "\n"-terminated.
std::string summary_json(const std::vector<EventSummaryGroup>& groups);

}  // namespace vigil
