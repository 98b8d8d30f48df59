#include "input/av_error.h"

extern "C" {
#include <libavutil/error.h>
}

namespace vigil {

std::string av_error_text(int averror) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(averror, buf, sizeof buf);
  return buf;
}

}  // namespace vigil
