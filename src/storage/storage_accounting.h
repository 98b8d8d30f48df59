// Storage accounting (docs/storage.md "Accounting"): per configured camera, what its
// recordings take on disk, the rate it writes at and how many days of recordings its
// budget, or the free space, allows at that rate. Pure arithmetic over the retention
// index; no I/O besides what the caller passes in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace vigil {

class Retention;

struct CameraAccount {
  std::string camera;
  uint64_t bytes = 0;                    // allocated bytes of its finished segments
  double bytes_per_hour = 0;             // over the segments that ended in the last hour; 0 = unknown
  uint64_t budget = 0;                   // record.max_mb in bytes; 0 = none
  std::optional<double> oldest_start;    // start of its oldest segment
  std::optional<double> projected_days;  // see project_days; nullopt while the rate is unknown
  uint64_t budget_held = 0;              // held-over-budget episodes (Retention::budget_held)
};

// Days of recordings each camera will keep at its current rate: a camera with a budget,
// min(budget, its bytes + the free space above the floor) / its rate per day; one without,
// its bytes plus its share (by rate, among cameras without a budget) of the free space
// above the floor that the budgeted cameras will not take to fill their budgets; never
// more than its retain_days (retention deletes older ones anyway). Fills projected_days.
void project_days(std::vector<CameraAccount>& cams, const Config& cfg, uint64_t free_above_floor);

// The accounts of every configured camera, in config order, at wall time `now`.
std::vector<CameraAccount> account_cameras(const Retention& retention, const Config& cfg, uint64_t free_bytes,
                                           double now);

}  // namespace vigil
