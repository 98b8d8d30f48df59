// What live view draws for one processed frame: the camera's processing thread makes
// one per frame, rendering (live images, MJPEG) reads it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "input/frame.h"
#include "util/box.h"

namespace vigil {

// A tracked object as live view draws it.
struct ObjectView {
  std::string id, label;
  double score = 0;  // last detection's score
  Box box;
  int area = 0;
  bool matched = false;   // detected in this frame (else drawn thin and blue)
  bool coasting = false;  // not looked at by the detector this frame: box predicted or found by its patch
  bool true_positive = false;
  bool stationary = false;  // a true positive without motion on its box (§7.4)
  std::vector<std::string> current_zones;
};

// Everything live view needs about one processed frame. Immutable once published.
struct ProcessedFrame {
  FramePtr frame;                 // black frame of the camera's size before the first one
  std::vector<Box> motion_boxes;  // this frame's motion
  std::vector<Box> regions;       // detection regions of this frame
  std::vector<ObjectView> objects;
};
using ProcessedFramePtr = std::shared_ptr<const ProcessedFrame>;

}  // namespace vigil
