// One retention pass over 100 000 indexed recording segments (issue 20): the index is
// filled as ~7 days of 60 s segments of 10 cameras would fill it (10 000 each, 1 MB),
// then one full pass (run_once: expiry by retain_days, budgets, folders, floor) and one
// budget-and-floor check run; prints their time and the index's memory (the resident
// size before and after filling it). The files do not exist: a deletion is an unlink
// that finds nothing and drops the entry, so this measures the pass's own work, not the
// disk's. Usage: bench_retention [segments]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/event_db.h"
#include "storage/retention.h"
#include "util/clock.h"

using namespace vigil;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

long rss_kb() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::string rel_path(const std::string& camera, double t) {
  std::time_t tt = std::time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m/%d/%H/", &tm);
  char name[16];
  std::strftime(name, sizeof name, "%M.%S.mp4", &tm);
  return std::string(buf) + camera + "/" + name;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t total = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  const int cameras = 10;
  char tmpl[] = "/tmp/vigil-bench-retention-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string media = tmpl;
  std::filesystem::create_directories(media + "/clips");
  std::filesystem::create_directories(media + "/recordings");
  std::string yaml = "record: {enabled: true, retain_days: 6}\nstorage: {min_free_mb: 0}\ncameras:\n";
  for (int c = 0; c < cameras; ++c)
    yaml += "  cam" + std::to_string(c) +
            ":\n    ffmpeg:\n      inputs:\n        - path: rtsp://x/y\n          roles: [detect, record]\n"
            "    width: 640\n    height: 360\n    record: {max_mb: 9000}\n";
  Config cfg = parse_config(yaml, false);
  cfg.media_dir = media;
  EventDb db(media + "/clips/frigate.db");
  ManualClock clock;
  const double t_now = 1700000000;
  clock.wall_time = t_now;
  Retention r(cfg, db, clock, [](const std::string&) { return uint64_t(1) << 50; });
  r.run_once();  // the start-up walk of the (empty) folder

  const long before = rss_kb();
  const size_t per_camera = total / cameras;
  const double t0 = now();
  for (int c = 0; c < cameras; ++c) {
    const std::string camera = "cam" + std::to_string(c);
    for (size_t i = 0; i < per_camera; ++i) {
      const double start = t_now - double(per_camera - i) * 60;
      r.index().insert(camera, IndexedSegment{start, start + 60, 1000000, rel_path(camera, start)});
    }
  }
  const double filled = now() - t0;
  const long after = rss_kb();
  // A camera's 10 000 minutes (~6.9 days) = 10 GB, against retain_days 6 and a 9 GB
  // budget: the pass deletes what is older than 6 days, then what is over the budget.
  const double p0 = now();
  RetentionReport rep = r.run_once();
  const double pass = now() - p0;
  const double c0 = now();
  RetentionReport check = r.enforce_floor();
  const double quick = now() - c0;
  std::printf("indexed %zu segments in %.3f s; index memory: %.1f MB (%.0f bytes a segment)\n", per_camera * cameras,
              filled, double(after - before) / 1024, double(after - before) * 1024 / double(per_camera * cameras));
  std::printf("full pass: %.3f s (%zu entries dropped by expiry and budgets, %zu left; %d errors)\n", pass,
              per_camera * cameras - r.index().size(), r.index().size(), rep.errors);
  const double s0 = now();
  r.run_once();
  std::printf("full pass with nothing to delete: %.6f s\n", now() - s0);
  std::printf("budget and floor check with nothing to delete: %.6f s (%d deleted)\n", quick, check.budget_recordings);
  std::filesystem::remove_all(media);
  return 0;
}
