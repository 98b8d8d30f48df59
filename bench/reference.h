// The exhaustive reference of the detection benchmarks (bench_detection,
// bench_capacity): the detector run on overlapping tiles of the model's input size (no
// scaling) covering the whole frame: every person is whole in at least one tile; boxes
// cut by an inner tile edge are left to the neighbouring tile. And the recall of a
// frame's tracked objects against it.
#pragma once

#include <algorithm>
#include <opencv2/core.hpp>
#include <vector>

#include "detect/detector.h"
#include "input/frame_image.h"
#include "regions/regions.h"
#include "render/processed_frame.h"

namespace vigil::bench {

inline std::vector<Box> reference_people(Detector& det, const Frame& f) {
  cv::Mat bgr = frame_to_bgr(f);
  const int W = f.width, H = f.height, S = det.input_width();
  std::vector<Box> all;
  std::vector<float> scores;
  for (const Box& t : cover_frame(W, H, S)) {
    cv::Rect tile = cv::Rect(t.x1, t.y1, S, S) & cv::Rect(0, 0, W, H);
    for (const auto& d : detect_full_image(det, bgr(tile).clone())) {
      if (d.label != "person" || d.score <= 0.5) continue;
      Box b{d.box.x1 + tile.x, d.box.y1 + tile.y, d.box.x2 + tile.x, d.box.y2 + tile.y};
      // Cut by an edge of the tile that is not a frame edge: the neighbour sees it whole.
      if (clipped(W, H, b, {tile.x, tile.y, tile.x + tile.width, tile.y + tile.height})) continue;
      all.push_back(b);
      scores.push_back(d.score);
    }
  }
  // Tiles overlap: keep one box per person (highest score, IoU > 0.4 suppressed).
  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<Box> kept;
  for (size_t i : order) {
    bool dup = false;
    for (const Box& k : kept)
      dup |= iou(k, all[i]) > 0.4 || (all[i].x1 >= k.x1 && all[i].x2 <= k.x2 && all[i].y1 >= k.y1 && all[i].y2 <= k.y2);
    if (!dup) kept.push_back(all[i]);
  }
  return kept;
}

// How many reference boxes a tracked person (detected this frame, coasting on its
// prediction, or stationary) covers at IoU ≥ 0.5, each object used once.
inline long matched_people(const std::vector<Box>& reference, const std::vector<ObjectView>& objects) {
  std::vector<bool> used(objects.size(), false);
  long matched = 0;
  for (const Box& r : reference) {
    for (size_t i = 0; i < objects.size(); ++i) {
      const ObjectView& o = objects[i];
      if (used[i] || o.label != "person" || !(o.matched || o.coasting || o.stationary)) continue;
      if (iou(o.box, r) >= 0.5) {
        used[i] = true;
        matched++;
        break;
      }
    }
  }
  return matched;
}

}  // namespace vigil::bench
