#include "tracking/coasting.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

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

constexpr int kMaxPatchSide = 160;
// The search reaches this fraction of the box's size (at least 8 px) past the prediction.
constexpr double kSearchMargin = 0.3;
// Normalised cross-correlation a match needs: below it the prediction is kept.
constexpr double kMinCorrelation = 0.6;

Box clamp_to(const Box& b, int W, int H) {
  return {std::clamp(b.x1, 0, W), std::clamp(b.y1, 0, H), std::clamp(b.x2, 0, W), std::clamp(b.y2, 0, H)};
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

std::vector<uint8_t> luma_patch(const uint8_t* y, int stride, int W, int H, const Box& box) {
  const Box b = clamp_to(box, W, H);
  if (b != box || b.width() < 4 || b.height() < 4 || b.width() > kMaxPatchSide || b.height() > kMaxPatchSide) return {};
  std::vector<uint8_t> out;
  out.reserve(size_t(b.width()) * b.height());
  for (int r = b.y1; r < b.y2; ++r) out.insert(out.end(), y + size_t(r) * stride + b.x1, y + size_t(r) * stride + b.x2);
  return out;
}

std::optional<Box> find_patch(const uint8_t* y, int stride, int W, int H, const Detection& last, const Box& predicted) {
  const int w = last.box.width(), h = last.box.height();
  if (last.patch.size() != size_t(w) * h || w <= 0 || h <= 0) return std::nullopt;
  const int mx = std::max(8, int(w * kSearchMargin)), my = std::max(8, int(h * kSearchMargin));
  const Box area = clamp_to({predicted.x1 - mx, predicted.y1 - my, predicted.x1 + w + mx, predicted.y1 + h + my}, W, H);
  if (area.width() <= w || area.height() <= h) return std::nullopt;  // at the frame's edge: keep the prediction
  const cv::Mat frame(H, W, CV_8UC1, const_cast<uint8_t*>(y), size_t(stride));
  const cv::Mat patch(h, w, CV_8UC1, const_cast<uint8_t*>(last.patch.data()));
  cv::Mat score;
  cv::matchTemplate(frame(cv::Rect(area.x1, area.y1, area.width(), area.height())), patch, score, cv::TM_CCOEFF_NORMED);
  double best = 0;
  cv::Point at;
  cv::minMaxLoc(score, nullptr, &best, nullptr, &at);
  if (best < kMinCorrelation) return std::nullopt;
  return Box{area.x1 + at.x, area.y1 + at.y, area.x1 + at.x + w, area.y1 + at.y + h};
}

void drop_covered(CoastPlan& plan, const Tracker& tracker, const std::vector<Box>& regions) {
  for (const Track& t : tracker.tracks()) {
    if (!plan.coast.count(t.id)) continue;
    Box p = Tracker::predict(t);
    if (std::any_of(regions.begin(), regions.end(), [&](const Box& r) { return inside(p, r); })) plan.coast.erase(t.id);
  }
}

}  // namespace vigil
