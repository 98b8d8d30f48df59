// libav's text for an AVERROR code (av_strerror), for log lines and Status reasons.
#pragma once

#include <string>

namespace vigil {

std::string av_error_text(int averror);

}  // namespace vigil
