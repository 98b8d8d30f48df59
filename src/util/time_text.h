// Epoch seconds as text with a strftime format, in local time or UTC: the one place that
// calls localtime_r/gmtime_r (thread-safe, unlike localtime).
#pragma once

#include <string>

namespace vigil {

std::string format_local_time(double epoch, const char* strftime_format);
std::string format_utc_time(double epoch, const char* strftime_format);

}  // namespace vigil
