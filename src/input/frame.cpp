#include "input/frame.h"

#include <vector>

namespace vigil {

FramePtr make_black_frame(int width, int height) {
  auto buf = std::make_shared<std::vector<uint8_t>>();
  size_t ysize = size_t(width) * height, csize = ysize / 4;
  buf->assign(ysize, 0);
  buf->resize(ysize + 2 * csize, 128);
  auto f = std::make_shared<Frame>();
  f->width = width;
  f->height = height;
  f->plane[0] = buf->data();
  f->plane[1] = buf->data() + ysize;
  f->plane[2] = buf->data() + ysize + csize;
  f->stride[0] = width;
  f->stride[1] = f->stride[2] = width / 2;
  f->owner = buf;
  return f;
}

}  // namespace vigil
