#include "regions/regions.h"

#include <algorithm>
#include <cstdlib>
#include <opencv2/objdetect.hpp>
#include <string>

namespace vigil {

Box calculate_region(int W, int H, const Box& b, double multiplier) {
  int side = std::max(b.x2 - b.x1, b.y2 - b.y1);
  int size = int((side / 4) * 4 * multiplier);  // side // 4 * 4 (non-negative here)
  size = std::max(size, 300);
  auto place = [size](int lo, int hi, int limit) {
    int v = int((hi - lo) / 2.0 + lo - size / 2.0);
    if (v < 0)
      v = 0;
    else if (v > limit - size)
      v = std::max(0, limit - size);
    return v;
  };
  int x = place(b.x1, b.x2, W), y = place(b.y1, b.y2, H);
  return {x, y, x + size, y + size};
}

std::vector<Box> group_boxes(const std::vector<Box>& boxes) {
  if (boxes.empty()) return {};
  std::vector<cv::Rect> rects;
  for (int pass = 0; pass < 2; ++pass)                                      // every box twice (0.8)
    for (const Box& b : boxes) rects.emplace_back(b.x1, b.y1, b.x2, b.y2);  // corners as x, y, w, h (0.8 quirk)
  cv::groupRectangles(rects, 1, 0.2);
  std::vector<Box> out;
  for (const cv::Rect& r : rects) out.push_back({r.x, r.y, r.width, r.height});
  return out;
}

std::vector<Box> baseline_regions(int W, int H, const std::vector<Box>& motion, const std::vector<Box>& tracked) {
  std::vector<Box> all = motion;
  all.insert(all.end(), tracked.begin(), tracked.end());
  std::vector<Box> r1;
  for (const Box& c : group_boxes(all)) r1.push_back(calculate_region(W, H, c, 1.2));
  std::vector<Box> out;
  for (const Box& r : group_boxes(r1)) out.push_back(calculate_region(W, H, r, 1.0));
  return out;
}

std::vector<Box> drop_contained(std::vector<Box> regions) {
  std::vector<Box> out;
  for (size_t i = 0; i < regions.size(); ++i) {
    bool inside = false;
    for (size_t j = 0; j < regions.size() && !inside; ++j) {
      if (i == j) continue;
      const Box &a = regions[i], &b = regions[j];
      bool contained = a.x1 >= b.x1 && a.y1 >= b.y1 && a.x2 <= b.x2 && a.y2 <= b.y2;
      // Equal regions: keep the first of them.
      inside = contained && (a != b || j < i);
    }
    if (!inside) out.push_back(regions[i]);
  }
  return out;
}

bool clipped(int W, int H, const Box& b, const Box& r) {
  return (r.x1 > 5 && b.x1 - r.x1 <= 5) || (r.y1 > 5 && b.y1 - r.y1 <= 5) || (W - r.x2 > 5 && r.x2 - b.x2 <= 5) ||
         (H - r.y2 > 5 && r.y2 - b.y2 <= 5);
}

bool intersects(const Box& a, const Box& b) { return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2; }

double iou(const Box& a, const Box& b) {
  if (!intersects(a, b)) return 0.0;
  double iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  double ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  double inter = iw * ih;
  double uni = double(a.width()) * a.height() + double(b.width()) * b.height() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace vigil

namespace vigil {

RegionMode region_mode_from_env() {
  const char* v = std::getenv("VIGIL_REGIONS");
  return v && std::string(v) == "baseline" ? RegionMode::baseline : RegionMode::vigil;
}

std::vector<Box> cover_frame(int W, int H, int side) {
  std::vector<Box> tiles;
  int nx = std::max(1, (W + side - 1) / side), ny = std::max(1, (H + side - 1) / side);
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      int x = nx == 1 ? 0 : int(int64_t(std::max(0, W - side)) * i / (nx - 1));
      int y = ny == 1 ? 0 : int(int64_t(std::max(0, H - side)) * j / (ny - 1));
      tiles.push_back({x, y, x + side, y + side});
    }
  return tiles;
}

std::vector<Box> select_regions(RegionMode mode, int W, int H, const std::vector<Box>& motion,
                                const std::vector<Box>& tracked, int model_size, bool allow_full_frame,
                                bool everything_moves) {
  // The whole frame in as few squares as the detector tolerates.
  const int side = allow_full_frame ? std::max(W, H) : model_size;
  if (everything_moves && mode == RegionMode::vigil) return cover_frame(W, H, side);
  std::vector<Box> regions = baseline_regions(W, H, motion, tracked);
  if (mode == RegionMode::baseline) return regions;
  regions = drop_contained(std::move(regions));
  if (allow_full_frame && regions.size() >= 2 && std::max(W, H) <= 2 * model_size) {
    std::vector<Box> tiles = cover_frame(W, H, side);
    if (tiles.size() < regions.size()) return tiles;
  }
  return regions;
}

}  // namespace vigil
