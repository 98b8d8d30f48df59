// What a tracked object looks like, so that the tracker can tell two people apart where
// their boxes alone cannot (one leaves as another enters at the same place; two cross).
// The cue is cheap colour: hue–saturation histograms of the upper and the lower half of
// the box's central part (for a person: top and trousers), with grey pixels binned by
// brightness. Measured on vtest (bench_detection): the same person frame to frame is
// mostly below 0.25, two different people mostly above 0.35.
#pragma once

#include <vector>

#include "util/box.h"

namespace cv {
class Mat;
}

namespace vigil {

// Two normalised histograms (upper half, lower half) of kAppearanceBins each; empty =
// unknown (no image, or a box too small to say).
using Appearance = std::vector<float>;
constexpr int kAppearanceBins = 20;  // 8 hues × 2 saturations + 4 grey levels

// The appearance of `box` in `bgr` (8-bit BGR, the frame the box is in).
Appearance describe_appearance(const cv::Mat& bgr, const Box& box);

// 0 (same colours) … 1 (no colour in common): 1 − the Bhattacharyya coefficient, the
// mean of the two halves. 0 when either is unknown (no evidence either way).
double appearance_distance(const Appearance& a, const Appearance& b);

// `model` moved towards `seen` by `rate` (0–1), for a track's running appearance.
void blend_appearance(Appearance& model, const Appearance& seen, float rate);

}  // namespace vigil
