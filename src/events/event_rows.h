// The database rows of an event (storage.md §3), mapped from the events thread's
// messages in one place: the open row while it lasts, the `event` row once finished, and
// what recovery rebuilds from an open row a crash left.
#pragma once

#include "config/config.h"
#include "events/event_lifecycle.h"
#include "storage/event_db.h"

namespace vigil {

// The open row of an event in progress or ending (`m` is its new/update/end message).
// With MQTT, an `end` was queued for announcement before it reached the events thread.
OpenEvent open_row(const EventMessage& m, const CameraConfig& cam, bool mqtt_enabled);
// The `event` row of an ended event (`m` is its `end`); has_clip/has_snapshot unset.
EventRecord finished_row(const EventMessage& m, const CameraConfig& cam);
// The `event` row of an event a crash left open: it ends at its recorded end, or when
// it was last seen; has_clip/has_snapshot unset.
EventRecord recovered_row(const OpenEvent& o);
// The final object state the open row knows (no box or region after a crash), for the
// `end` message MQTT still owes.
TrackedObject recovered_object(const OpenEvent& o);

}  // namespace vigil
