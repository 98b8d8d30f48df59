#include "app/storage_json.h"

#include <sys/statvfs.h>

#include <cmath>

#include "storage/retention.h"
#include "storage/storage_accounting.h"

namespace vigil {
namespace {

double round2(double v) { return std::round(v * 100) / 100; }

// Size of the file system holding `path` in bytes (the test hook's capacity when set); 0 if unknown.
uint64_t total_bytes(const std::string& path) {
  if (std::optional<uint64_t> cap = test_fs_capacity()) return *cap;
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) return 0;
  return uint64_t(st.f_blocks) * st.f_frsize;
}

nlohmann::json optional_number(const std::optional<double>& v, int decimals) {
  if (!v) return nullptr;
  const double k = std::pow(10.0, decimals);
  return std::round(*v * k) / k;
}

}  // namespace

nlohmann::json recordings_storage_json(const Config& cfg, const Retention& retention, const FreeSpaceFn& free_bytes,
                                       double now) {
  const std::string dir = retention.index().recordings_dir();
  const uint64_t free = free_bytes ? free_bytes(dir) : 0;
  const double total_mb = double(total_bytes(dir)) / 1e6;
  nlohmann::json doc = nlohmann::json::object();
  for (const CameraAccount& a : account_cameras(retention, cfg, free, now)) {
    const double usage = double(a.bytes) / 1e6;
    doc[a.camera] = {{"usage", round2(usage)},
                     {"bandwidth", round2(a.bytes_per_hour / 1e6)},
                     {"usage_percent", total_mb > 0 ? usage / total_mb * 100 : 0.0},  // unrounded, as Frigate's
                     {"budget_mb", round2(double(a.budget) / 1e6)},
                     {"oldest_start_time", optional_number(a.oldest_start, 3)},
                     {"projected_days", optional_number(a.projected_days, 6)},  // small budgets: minutes
                     {"budget_held", a.budget_held}};
    // MB per storage tier, vigil-only. A JSON object's keys come out sorted, so the tier
    // order (media_dir first, then storage.tiers) is given by `tier_paths`.
    nlohmann::json tiers = nlohmann::json::object(), paths = nlohmann::json::array();
    const std::vector<uint64_t> by_tier = retention.index().tier_bytes(a.camera);
    for (size_t i = 0; i < by_tier.size(); ++i) {
      const std::string& path = i == 0 ? cfg.media_dir : cfg.storage_tiers[i - 1].path;
      tiers[path] = round2(double(by_tier[i]) / 1e6);
      paths.push_back(path);
    }
    doc[a.camera]["tiers"] = tiers;
    doc[a.camera]["tier_paths"] = paths;
  }
  return doc;
}

nlohmann::json storage_tiers_json(const Config& cfg, const Retention& retention) {
  nlohmann::json doc = nlohmann::json::object();
  const std::vector<Retention::TierStatus> tiers = retention.tier_status();
  for (size_t i = 1; i < tiers.size(); ++i) {
    const Retention::TierStatus& t = tiers[i];
    doc[cfg.storage_tiers[i - 1].path + "/recordings"] = {
        {"index", i},
        {"move_after_hours", cfg.storage_tiers[i - 1].move_after_hours},
        {"state", t.ok ? "ok" : "error"},
        {"error", t.ok ? nlohmann::json(nullptr) : nlohmann::json(t.error)},
        {"segments", t.segments},
        {"moved_in", t.moved_in},
        {"move_errors", t.move_errors},
        {"unavailable", t.unavailable}};
  }
  return doc;
}

}  // namespace vigil
