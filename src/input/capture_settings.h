// What one capture of a camera input is asked to do (pipeline.md §2).
#pragma once

#include <optional>
#include <string>

#include "config/config.h"

namespace vigil {

struct CaptureSettings {
  std::string camera;         // camera name (logs)
  InputConfig input;          // path, roles, parsed input options
  int width = 0, height = 0;  // output frame size
  std::optional<double> fps;  // detection frame-rate limit
  double stall_seconds = 20;  // reopen when no frame arrives for this long
  bool decode = true;         // false: packets only (record/clips inputs), no decoder
};

}  // namespace vigil
