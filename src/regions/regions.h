// Detection regions (pipeline.md §4): square parts of the frame, at least 300 px, that
// cover the motion boxes and the boxes of tracked objects. Only regions go to the
// detector, so no motion and no tracked object means no inference.
#pragma once

#include <vector>

#include "util/box.h"

namespace vigil {

// 0.8's calculate_region: a square of side max(w, h)·multiplier (≥ 300) centred on the
// box, shifted to stay inside a W×H frame where it fits.
Box calculate_region(int W, int H, const Box& box, double multiplier);

// 0.8's box reduction with cv::groupRectangles, quirks included (§4.2).
std::vector<Box> group_boxes(const std::vector<Box>& boxes);

// The baseline (0.8) regions of a frame from its motion boxes and tracked boxes (§4.3).
std::vector<Box> baseline_regions(int W, int H, const std::vector<Box>& motion, const std::vector<Box>& tracked);

// vigil's cheaper covering: the baseline regions with every region that lies entirely
// inside another removed (its detections would be duplicates, §4.3).
std::vector<Box> drop_contained(std::vector<Box> regions);

// True when a detection box touches an edge of its region that is not a frame edge, so
// the object was probably cut (§5.6 `clipped`).
bool clipped(int W, int H, const Box& box, const Box& region);

double iou(const Box& a, const Box& b);
bool intersects(const Box& a, const Box& b);

}  // namespace vigil

namespace vigil {

// How a frame's regions are chosen. `baseline` is 0.8's algorithm (kept so the recall
// comparison can be re-run); `vigil` covers the same boxes with fewer inferences.
enum class RegionMode { baseline, vigil };

// VIGIL_REGIONS=baseline selects the baseline; anything else vigil's mode.
RegionMode region_mode_from_env();

// The regions of a frame. vigil's mode: the baseline regions without those inside
// another; when that still leaves several regions and the whole frame is at most twice
// the model's input size and the detector copes with small objects
// (`allow_full_frame`), one square full-frame region instead (one letterboxed pass
// costs one inference however many objects move). `everything_moves` (motion warm-up)
// covers the whole frame: one full-frame region, or model-sized tiles when the detector
// needs native scale.
std::vector<Box> select_regions(RegionMode mode, int W, int H, const std::vector<Box>& motion,
                                const std::vector<Box>& tracked, int model_size, bool allow_full_frame = true,
                                bool everything_moves = false);

// Overlapping squares of `side` px covering a W×H frame (one when side ≥ both sizes).
std::vector<Box> cover_frame(int W, int H, int side);

}  // namespace vigil
