// The per-camera storage document (docs/storage.md "Accounting"): /api/recordings/storage
// and /api/stats `service.storage.<recordings folder>.cameras`.
#pragma once

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "storage/free_space.h"

namespace vigil {

class Retention;

// {<camera>: {usage, bandwidth, usage_percent, budget_mb, oldest_start_time,
// projected_days, budget_held}} for every configured camera. MB = 10^6 bytes; usage is
// the allocated size of its finished recording segments, bandwidth MB per hour over the
// last hour's segments, usage_percent of the recordings file system's size (the test
// hook's capacity when set); null where unknown.
nlohmann::json recordings_storage_json(const Config& cfg, const Retention& retention, const FreeSpaceFn& free_bytes,
                                       double now);

// The archive tiers (storage.tiers) by their recordings/ folder: {index, move_after_hours,
// state: "ok"|"error", error, segments, moved_in, move_errors, unavailable}; shown as
// `tier` in that folder's `service.storage` entry. Empty without tiers.
nlohmann::json storage_tiers_json(const Config& cfg, const Retention& retention);

}  // namespace vigil
