// Retention's storage tiers (docs/storage.md "Tiers"): moves to the next tier, the
// health of each archive tier, and start-up repair of interrupted moves.
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "storage/retention.h"
#include "storage/tier_move.h"
#include "util/log.h"

namespace vigil {

namespace fs = std::filesystem;

namespace {

std::shared_ptr<spdlog::logger> log() { return logger("vigil.storage"); }

// Segments copied per camera and tier before the next look at the clock and the holds.
constexpr size_t kMoveBatch = 32;
// A pass stops moving after this long (s of the clock); the next pass goes on.
constexpr double kMovePassSeconds = 30;

}  // namespace

std::vector<Retention::TierStatus> Retention::tier_status() const {
  std::vector<TierStatus> out;
  {
    std::lock_guard lock(tiers_mu_);
    out = tiers_;
  }
  for (size_t i = 0; i < out.size(); ++i) out[i].segments = index_.count_on_tier(i);
  return out;
}

bool Retention::check_tier(size_t tier) {
  const RecordingRoots& roots = index_.roots();
  const std::string& base = cfg_.storage_tiers[tier - 1].path;
  const std::string& rec = roots[tier];
  std::string why;
  std::error_code ec;
  if (!fs::is_directory(base, ec)) {
    why = ec ? base + ": " + ec.message() : base + " is not a folder";
  } else if (!fs::is_directory(rec, ec)) {
    // A tier that holds segments but lost its recordings/ folder is not mounted: creating
    // one would fill the disk below the mount point.
    if (index_.count_on_tier(tier) > 0)
      why = rec + " is missing (not mounted?)";
    else if (!fs::create_directories(rec, ec) && ec)
      why = "cannot create " + rec + ": " + ec.message();
  }
  if (why.empty() && ::access(rec.c_str(), R_OK | W_OK | X_OK) != 0)
    why = rec + ": " + std::strerror(errno);  // read-only file system, permissions
  std::lock_guard lock(tiers_mu_);
  TierStatus& t = tiers_[tier];
  if (!why.empty() && t.ok) {
    ++t.unavailable;
    log()->warn("storage tier {} ({}) cannot be used: {}; moves to and from it are paused, recording on {} goes on",
                tier, base, why, cfg_.media_dir);
  } else if (why.empty() && !t.ok) {
    log()->info("storage tier {} ({}) is usable again: moves resume", tier, base);
  }
  t.ok = why.empty();
  t.error = why;
  return t.ok;
}

void Retention::reconcile_moves() {
  if (index_.roots().size() < 2) return;
  auto report = [](const TierFinding& f, const Status& st) {
    const char* what = f.kind == TierFinding::kTemporary   ? "deleted the temporary of an interrupted move"
                       : f.kind == TierFinding::kDuplicate ? "finished an interrupted move: deleted the source"
                                                           : "rolled back a move whose copy differs: deleted";
    if (st)
      log()->info("storage tiers: {} {}", what, f.path);
    else
      log()->warn("storage tiers: could not repair {}: {}", f.path, st.why());
  };
  reconcile_tiers(index_.roots(), true, report);
}

void Retention::move_segments(RetentionReport& r) {
  const RecordingRoots& roots = index_.roots();
  if (roots.size() < 2) return;
  std::vector<bool> usable(roots.size(), true);
  for (size_t t = 1; t < roots.size(); ++t) usable[t] = check_tier(t);
  const std::map<std::string, double> holds = holds_ ? holds_() : std::map<std::string, double>{};
  const double now = clock_.wall(), give_up = clock_.mono() + kMovePassSeconds;
  const int pause_ms = move_step_pause_ms();
  std::function<void()> between;
  if (pause_ms > 0) between = [this, pause_ms] { (void)worker_.sleep_for(pause_ms / 1000.0); };
  for (size_t from = 0; from + 1 < roots.size(); ++from) {
    const size_t to = from + 1;
    if (!usable[from] || !usable[to]) continue;
    const double cutoff = now - cfg_.storage_tiers[from].move_after_hours * 3600;
    bool tier_failed = false;
    for (const std::string& camera : index_.cameras()) {
      for (bool more = true; more && !tier_failed;) {
        const std::vector<IndexedSegment> batch = index_.on_tier_ended_before(camera, from, cutoff, kMoveBatch);
        more = batch.size() == kMoveBatch;
        for (const IndexedSegment& s : batch) {
          if (worker_.stopping() || clock_.mono() > give_up) return;
          if (held(holds, camera, s)) {  // later segments end later: held too
            more = false;
            break;
          }
          Status st = copy_segment(roots[from], roots[to], s.rel, between);
          if (!st) {
            ++r.move_errors;
            ++r.errors;
            {
              std::lock_guard lock(tiers_mu_);
              ++tiers_[to].move_errors;
            }
            // The source stays; the next pass tries again (a full or failing tier: once per pass).
            log()->warn("storage tiers: cannot move {} to tier {}: {}", s.rel, to, st.why());
            tier_failed = true;
            break;
          }
          index_.set_tier(camera, s, to);
          if (Status rm = remove_source(roots[from], s.rel); !rm)
            log()->warn("storage tiers: moved {} but {} (start-up or `vigil check --fix` finishes it)", s.rel,
                        rm.why());
          emptied_dirs_.insert(fs::path(roots[from] + "/" + s.rel).parent_path().string());
          ++r.segments_moved;
          std::lock_guard lock(tiers_mu_);
          ++tiers_[to].moved_in;
        }
      }
    }
  }
}

}  // namespace vigil
