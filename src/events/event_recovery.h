// Start-up recovery of the events a crash left open (storage.md §3.1), before cameras
// start: removes half-written temporaries in clips/, reconciles files and rows, finishes
// every open row (promoting its pending snapshot, cutting its clip from the surviving
// cache), then deletes cache segments of cameras no longer configured.
#pragma once

#include <vector>

#include "config/config.h"
#include "events/clip_cutter.h"
#include "events/event_lifecycle.h"
#include "storage/event_db.h"
#include "storage/media_layout.h"

namespace vigil {

// Returns the `end` messages of recovered events whose `end` MQTT never sent (mqtt.md
// §1.1 step 5; empty without MQTT).
std::vector<EventMessage> recover_open_events(const Config& cfg, EventDb& db, const MediaLayout& layout,
                                              const ClipCutter& clips);

}  // namespace vigil
