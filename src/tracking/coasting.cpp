#include "tracking/coasting.h"

#include <algorithm>

#include "regions/regions.h"

namespace vigil {
namespace {

// A track's path grows by this fraction of its size on each side before it is asked to
// explain motion: limbs, shadows and the motion detector's dilation reach past the box.
constexpr double kGrow = 0.25;
// Looks after which an object that is not (yet) a true positive may coast: a real
// object is confirmed by then (three scores), a steady low-score one is not worth an
// inference every frame.
constexpr size_t kLooksBeforeCoasting = 3;

// Where a coasting track's motion may be: from its box at its last look to its predicted
// box (0.8's motion detector compares with a running average, so motion trails behind a
// walker), grown.
Box swept(const Track& t) {
  const Box p = Tracker::predict(t), &d = t.det.box;
  Box hull{std::min(p.x1, d.x1), std::min(p.y1, d.y1), std::max(p.x2, d.x2), std::max(p.y2, d.y2)};
  int gx = int(d.width() * kGrow), gy = int(d.height() * kGrow);
  return {hull.x1 - gx, hull.y1 - gy, hull.x2 + gx, hull.y2 + gy};
}

bool inside(const Box& b, const Box& r) { return b.x1 >= r.x1 && b.y1 >= r.y1 && b.x2 <= r.x2 && b.y2 <= r.y2; }

}  // namespace

CoastPlan plan_coasting(const Tracker& tracker, const ObjectStates& objects, const std::set<std::string>& held,
                        const std::vector<Box>& motion, int coast_frames) {
  CoastPlan plan;
  plan.motion = motion;
  if (coast_frames <= 0) return plan;
  std::vector<std::string> ids;
  std::vector<Box> paths;
  for (const Track& t : tracker.tracks()) {
    auto o = objects.objects().find(t.id);
    if (o == objects.objects().end() || held.count(t.id)) continue;
    if (t.disappeared > 0) {
      plan.lost.insert(t.id);
      continue;
    }
    if (!o->second.true_positive && o->second.history.size() < kLooksBeforeCoasting) continue;
    if (t.steps.empty() || t.coasted >= coast_frames) continue;
    ids.push_back(t.id);
    paths.push_back(swept(t));
  }
  if (ids.empty()) return plan;
  // Motion that touches no coasting track's path keeps its region.
  plan.motion.clear();
  for (const Box& m : motion)
    if (std::none_of(paths.begin(), paths.end(), [&](const Box& p) { return intersects(m, p); }))
      plan.motion.push_back(m);
  plan.coast.insert(ids.begin(), ids.end());
  return plan;
}

void drop_covered(CoastPlan& plan, const Tracker& tracker, const std::vector<Box>& regions) {
  for (const Track& t : tracker.tracks()) {
    if (!plan.coast.count(t.id)) continue;
    Box p = Tracker::predict(t);
    if (std::any_of(regions.begin(), regions.end(), [&](const Box& r) { return inside(p, r); })) plan.coast.erase(t.id);
  }
}

}  // namespace vigil
