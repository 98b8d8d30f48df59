#include "tracking/objects.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "regions/regions.h"

namespace vigil {
namespace {

constexpr double kStationaryCheckInterval = 5.0;  // seconds of frame time (§7.4)

bool on_edge(const Box& b, int W, int H) { return b.x1 <= 0 || b.y1 <= 0 || b.x2 >= W - 1 || b.y2 >= H - 1; }

bool in_polygon(const Polygon& poly, int x, int y) {
  std::vector<cv::Point> contour;
  for (auto [px, py] : poly.points) contour.emplace_back(px, py);
  return cv::pointPolygonTest(contour, cv::Point2f(float(x), float(y)), false) >= 0;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

double ObjectStates::computed_score(const std::deque<double>& history) {
  std::vector<double> v(history.begin(), history.end());
  while (v.size() < 3) v.push_back(0.0);
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool ObjectStates::better(const Thumbnail& cur, const Thumbnail& cand, int W, int H) {
  if (on_edge(cand.box, W, H) && !on_edge(cur.box, W, H)) return false;
  if (cand.score > cur.score + 0.05) return true;
  if (cand.area > cur.area * 1.1) return true;
  return false;
}

double ObjectStates::threshold(const std::string& label) const {
  auto it = cfg_.filters.find(label);
  return it == cfg_.filters.end() ? 0.7 : it->second.threshold;
}

std::set<std::string> ObjectStates::held_ids(double frame_time, const std::vector<Box>& motion) {
  std::set<std::string> held;
  for (auto& [id, o] : objects_) {
    bool moving = std::any_of(motion.begin(), motion.end(), [&](const Box& m) { return intersects(m, o.box); });
    if (!o.true_positive || moving) {
      o.stationary = false;
      continue;
    }
    // Check frames: the first stationary frame, then once every 5 s of frame time.
    if (!o.stationary || frame_time - o.last_check >= kStationaryCheckInterval) {
      o.stationary = true;
      o.last_check = frame_time;
    } else {
      held.insert(id);
    }
  }
  return held;
}

void ObjectStates::update_zones(TrackedObject& o) {
  int px = (o.box.x1 + o.box.x2) / 2, py = o.box.y2;  // bottom centre
  std::vector<std::string> now;
  for (const ZoneConfig& z : cfg_.zones) {
    if (!in_polygon(z.coordinates, px, py)) continue;
    bool passes = true;  // zone filters are checked when entering, not while staying
    if (auto f = z.filters.find(o.label); f != z.filters.end())
      passes = o.area >= f->second.min_area && o.area <= f->second.max_area && o.computed_score >= f->second.threshold;
    if (contains(o.current_zones, z.name) || passes) {
      now.push_back(z.name);
      if (!contains(o.entered_zones, z.name)) o.entered_zones.push_back(z.name);
    }
  }
  o.current_zones = std::move(now);
}

std::vector<TrackedObject> ObjectStates::update(const Tracker& tracker, const FramePtr& frame,
                                                const std::set<std::string>& held) {
  const int W = cfg_.width, H = cfg_.height;
  std::vector<TrackedObject> ended;
  for (const std::string& id : tracker.removed()) {
    if (auto it = objects_.find(id); it != objects_.end()) {
      ended.push_back(std::move(it->second));
      objects_.erase(it);
    }
  }
  for (const Track& t : tracker.tracks()) {
    auto [it, created] = objects_.try_emplace(t.id);
    TrackedObject& o = it->second;
    o.matched = t.matched;
    o.coasting = t.coasting;
    o.best_changed = false;
    if (t.matched) {
      o.frame_time = t.frame_time;
      o.score = t.det.score;
      o.box = t.det.box;
      o.area = t.det.area;
      o.region = t.det.region;
    } else if (t.coasting) {
      o.box = Tracker::position(t);  // scores and best image wait for its next detection
    }
    if (created) {  // the creation frame computes nothing (§7.3)
      o.id = t.id;
      o.label = t.det.label;
      o.start_time = t.start_time;
      o.history = {t.det.score};
      continue;
    }
    bool is_held = held.count(t.id) && !t.matched;
    if (t.coasting) {
      update_zones(o);  // it moves on; its score history waits for a detection
    } else if (!is_held) {
      o.history.push_back(t.matched ? t.det.score : 0.0);
      if (o.history.size() > 10) o.history.pop_front();
      o.computed_score = computed_score(o.history);
      o.top_score = std::max(o.top_score, o.computed_score);
      if (o.computed_score >= threshold(o.label)) o.true_positive = true;
      update_zones(o);
    }
    if (o.true_positive && t.matched) {
      Thumbnail cand{frame, o.frame_time, o.box, o.area, o.region, o.score};
      if (!o.best || better(*o.best, cand, W, H)) {
        o.best = cand;
        o.best_changed = true;
      }
    }
  }
  // Best object per label (§8.2).
  for (auto& [id, o] : objects_) {
    if (!o.best_changed) continue;
    auto cur = best_.find(o.label);
    bool replace = cur == best_.end() || better(*cur->second.best, *o.best, W, H) ||
                   frame->time - cur->second.best->frame_time > cfg_.best_image_timeout;
    if (replace) best_[o.label] = o;
  }
  return ended;
}

}  // namespace vigil
