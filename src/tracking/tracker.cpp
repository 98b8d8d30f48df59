#include "tracking/tracker.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "regions/regions.h"
#include "tracking/appearance.h"
#include "tracking/hungarian.h"

namespace vigil {
namespace {

constexpr double kInfeasible = 1e9;
constexpr size_t kVelocitySteps = 5;
constexpr float kLookRate = 0.2f;  // weight of the newest detection in a track's appearance

std::pair<double, double> centroid(const Box& b) { return {int((b.x1 + b.x2) / 2), int((b.y1 + b.y2) / 2)}; }

}  // namespace

std::string frame_time_text(double t) {
  long long us_total = std::llround(t * 1e6);
  long long secs = us_total / 1000000, us = us_total % 1000000;
  std::string frac = std::to_string(us);
  frac.insert(0, 6 - frac.size(), '0');
  while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
  return std::to_string(secs) + "." + frac;
}

std::string random_track_id(double frame_time) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<int> pick(0, 35);
  std::string suffix;
  for (int i = 0; i < 6; ++i) suffix += kChars[pick(rng)];
  return frame_time_text(frame_time) + "-" + suffix;
}

Tracker::Tracker(int max_disappeared, std::function<std::string(double)> make_id)
    : max_disappeared_(max_disappeared), make_id_(std::move(make_id)) {}

namespace {

// The track's last detection box moved on by `frames` mean steps.
Box moved(const Track& t, int frames) {
  if (t.steps.empty() || frames == 0) return t.det.box;
  double dx = 0, dy = 0;
  for (auto [x, y] : t.steps) {
    dx += x;
    dy += y;
  }
  double n = double(t.steps.size());
  int mx = int(std::lround(dx / n * frames)), my = int(std::lround(dy / n * frames));
  const Box& b = t.det.box;
  return {b.x1 + mx, b.y1 + my, b.x2 + mx, b.y2 + my};
}

// `b` moved on by `n` of the track's mean steps.
Box steps_on(const Track& t, const Box& b, int n) {
  const Box step = moved(t, 1);
  const int dx = (step.x1 - t.det.box.x1) * n, dy = (step.y1 - t.det.box.y1) * n;
  return {b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy};
}

}  // namespace

// Frames since its last match, this one included. A coasting track found by its patch
// moves on from there.
Box Tracker::predict(const Track& t) {
  return t.found ? steps_on(t, *t.found, t.disappeared + 1) : moved(t, t.disappeared + t.coasted + 1);
}

Box Tracker::position(const Track& t) { return t.found ? *t.found : moved(t, t.coasted); }

void Tracker::place(const std::string& id, const Box& box) {
  for (Track& t : tracks_)
    if (t.id == id && t.coasting) t.found = box;
}

void Tracker::start_track(double frame_time, const Detection& d) {
  Track t;
  t.id = make_id_(frame_time);
  t.start_time = frame_time;
  t.det = d;
  t.frame_time = frame_time;
  t.matched = true;
  t.look = d.appearance;
  created_.push_back(t.id);
  tracks_.push_back(std::move(t));
}

void Tracker::age(Track& t, const std::set<std::string>& held, const std::set<std::string>& coast) {
  if (held.count(t.id)) return;                       // stationary and not checked this frame (§7.4)
  if (coast.count(t.id)) {                            // not looked at this frame: it moves on its prediction
    if (t.found) t.found = steps_on(t, *t.found, 1);  // until place() finds it again
    t.coasted++;
    t.coasting = true;
    return;
  }
  if (t.disappeared >= max_disappeared_) {
    removed_.push_back(t.id);
    t.id.clear();  // marked; erased at the end of the update
  } else {
    t.disappeared++;
  }
}

void Tracker::update(double frame_time, const std::vector<Detection>& dets, const std::set<std::string>& held,
                     const std::set<std::string>& coast) {
  removed_.clear();
  created_.clear();
  for (Track& t : tracks_) t.matched = t.coasting = false;

  // Detections grouped by label, labels in order of first appearance.
  std::vector<std::string> labels;
  std::map<std::string, std::vector<const Detection*>> by_label;
  for (const Detection& d : dets) {
    if (!by_label.count(d.label)) labels.push_back(d.label);
    by_label[d.label].push_back(&d);
  }

  std::vector<size_t> existing(tracks_.size());
  for (size_t i = 0; i < existing.size(); ++i) existing[i] = i;

  // Tracks of labels without any detection this frame age.
  for (size_t i : existing)
    if (!by_label.count(tracks_[i].det.label)) age(tracks_[i], held, coast);

  std::vector<Detection> new_tracks;
  for (const std::string& label : labels) {
    const auto& group = by_label[label];
    std::vector<size_t> idx;
    for (size_t i : existing)
      if (!tracks_[i].id.empty() && tracks_[i].det.label == label) idx.push_back(i);
    if (idx.empty()) {
      for (const Detection* d : group) new_tracks.push_back(*d);
      continue;
    }
    // Cost: 1 − IoU when the predicted box overlaps the detection, else 1 + distance /
    // gate, plus the appearance distance; a pair beyond either gate cannot match.
    std::vector<std::vector<double>> cost(idx.size(), std::vector<double>(group.size()));
    for (size_t a = 0; a < idx.size(); ++a) {
      const Track& t = tracks_[idx[a]];
      Box p = predict(t);
      auto [px, py] = centroid(p);
      double gate = std::max(t.det.box.width(), t.det.box.height()) * (1 + 0.5 * t.disappeared);
      const double look_gate = t.disappeared == 0 ? kLookGate : kLookGateLost;
      for (size_t b = 0; b < group.size(); ++b) {
        const Box& db = group[b]->box;
        double overlap = iou(p, db);
        auto [cx, cy] = centroid(db);
        double dist = std::hypot(cx - px, cy - py);
        const double look = appearance_distance(t.look, group[b]->appearance);
        if (look > look_gate)
          cost[a][b] = kInfeasible;
        else if (overlap > 0)
          cost[a][b] = 1 - overlap + look;
        else if (dist <= gate && gate > 0)
          cost[a][b] = 1 + dist / gate + look;
        else
          cost[a][b] = kInfeasible;
      }
    }
    std::vector<int> match = solve_assignment(cost);
    std::vector<bool> det_used(group.size(), false);
    for (size_t a = 0; a < idx.size(); ++a) {
      Track& t = tracks_[idx[a]];
      int b = match[a];
      if (b < 0 || cost[a][size_t(b)] >= kInfeasible) {
        age(t, held, coast);
        continue;
      }
      det_used[size_t(b)] = true;
      const Detection& d = *group[size_t(b)];
      // Velocity: displacement per frame since the previous match.
      auto [ox, oy] = centroid(t.det.box);
      auto [nx, ny] = centroid(d.box);
      int frames = t.disappeared + t.coasted + 1;
      t.steps.emplace_back((nx - ox) / frames, (ny - oy) / frames);
      if (t.steps.size() > kVelocitySteps) t.steps.pop_front();
      t.det = d;
      blend_appearance(t.look, d.appearance, kLookRate);
      t.frame_time = frame_time;
      t.disappeared = 0;
      t.coasted = 0;
      t.found.reset();
      t.matched = true;
    }
    for (size_t b = 0; b < group.size(); ++b)
      if (!det_used[b]) new_tracks.push_back(*group[b]);
  }

  std::erase_if(tracks_, [](const Track& t) { return t.id.empty(); });
  for (const Detection& d : new_tracks) start_track(frame_time, d);
}

}  // namespace vigil
