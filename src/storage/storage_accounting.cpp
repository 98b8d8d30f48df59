#include "storage/storage_accounting.h"

#include <algorithm>

#include "storage/retention.h"

namespace vigil {

void project_days(std::vector<CameraAccount>& cams, const Config& cfg, uint64_t free_above_floor) {
  // What the budgeted cameras still take until they reach their budgets.
  uint64_t to_fill = 0;
  double unbudgeted_rate = 0;
  for (const CameraAccount& c : cams) {
    if (c.budget > 0)
      to_fill += c.budget > c.bytes ? c.budget - c.bytes : 0;
    else
      unbudgeted_rate += c.bytes_per_hour;
  }
  const double shared = free_above_floor > to_fill ? double(free_above_floor - to_fill) : 0;
  for (CameraAccount& c : cams) {
    c.projected_days.reset();
    if (c.bytes_per_hour <= 0) continue;
    double room;
    if (c.budget > 0)
      room = std::min(double(c.budget), double(c.bytes) + double(free_above_floor));
    else
      room = double(c.bytes) + shared * (c.bytes_per_hour / unbudgeted_rate);
    double days = room / (c.bytes_per_hour * 24);
    const CameraConfig* cam = cfg.camera(c.camera);
    const int retain = cam ? cam->record_retain_days : cfg.record_retain_days;
    days = std::min(days, double(retain));
    c.projected_days = days;
  }
}

std::vector<CameraAccount> account_cameras(const Retention& retention, const Config& cfg, uint64_t free_bytes,
                                           double now) {
  std::vector<CameraAccount> out;
  for (const CameraConfig& cc : cfg.cameras) {
    const CameraUsage u = retention.index().usage(cc.name, now);
    CameraAccount a;
    a.camera = cc.name;
    a.bytes = u.bytes;
    a.bytes_per_hour = u.recent_seconds >= 1 ? double(u.recent_bytes) / u.recent_seconds * 3600 : 0;
    a.budget = retention.budget_bytes(cc.name);
    a.oldest_start = u.oldest_start;
    a.budget_held = retention.budget_held(cc.name);
    out.push_back(std::move(a));
  }
  const uint64_t floor = uint64_t(std::max(cfg.storage_min_free_mb, 0)) * 1000000ULL;
  project_days(out, cfg, free_bytes > floor ? free_bytes - floor : 0);
  return out;
}

}  // namespace vigil
