// A detection: what the detection stage hands the tracker (pipeline.md §5.4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/box.h"

namespace vigil {

// One filtered detection of a frame, in frame pixels.
struct Detection {
  std::string label;
  double score = 0;
  Box box;                        // clamped to the frame
  int area = 0;                   // (x2 − x1)·(y2 − y1)
  Box region;                     // the region the detector saw it in
  std::vector<float> appearance;  // its colours (tracking/appearance.h); empty = unknown
  std::vector<uint8_t> patch;     // its luma, box-sized, row by row (tracking/coasting.h); empty = none
};

}  // namespace vigil
