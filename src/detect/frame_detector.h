// Detection on one frame (pipeline.md §5): cut each region out of the frame (black
// outside it), run the detector pool on it, map the boxes back to frame pixels, apply
// the label filters and object masks, then per-label NMS and the refine loop that
// re-detects objects cut by a region edge in a region twice their size.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "detect/detection.h"
#include "input/frame.h"

namespace vigil {

class DetectorPool;

struct FrameDetections {
  std::vector<Detection> detections;  // after filters, NMS and refining
  std::vector<Box> regions;           // every region that went to the detector
  int calls = 0;                      // detector calls made
};

class FrameDetector {
 public:
  FrameDetector(const CameraConfig& cfg, DetectorPool& pool);
  // `followup`: boxes (motion) that must not go unexamined. After the first regions ran,
  // each of them that no detection touches gets a native-scale region of its own, so a
  // shrunken full-frame pass cannot silently miss small objects.
  FrameDetections detect(const Frame& frame, const std::vector<Box>& regions, const std::vector<Box>& followup = {});

  // The filters of §5.5 (track list, area, score, object mask at the bottom centre).
  bool passes_filters(const Detection& d) const;

 private:
  const CameraConfig& cfg_;
  DetectorPool& pool_;
  // Per tracked label: W×H bytes, 0 where the label's object mask covers the pixel;
  // absent when the label has no mask.
  std::map<std::string, std::vector<uint8_t>> masks_;
};

}  // namespace vigil
