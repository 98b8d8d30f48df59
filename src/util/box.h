// Axis-aligned boxes in frame pixels, (x1, y1, x2, y2) as 0.8 used them.
#pragma once

namespace vigil {

struct Box {
  int x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  int width() const { return x2 - x1; }
  int height() const { return y2 - y1; }
  bool operator==(const Box&) const = default;
};

}  // namespace vigil
