// Internal to src/config: ffmpeg-style argument lists → InputOptions (config.md §6.1–6.4).
#pragma once

#include "config/config_reader.h"

namespace vigil::cfg {

struct ArgsTarget {
  InputOptions& options;
  bool global_args;  // global_args: only the options vigil knows have an effect
  bool camera_has_fps;
};

// Applies one list (global_args, hwaccel_args or input_args) to `t.options`;
// problems are reported at `a.path`.
void apply_args(const Args& a, ArgsTarget& t, Diagnostics& d);

}  // namespace vigil::cfg
