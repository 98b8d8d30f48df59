#include "util/time_text.h"

#include <cmath>
#include <ctime>

namespace vigil {
namespace {

std::string format(const std::tm& tm, const char* fmt) {
  char buf[128];
  const size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

}  // namespace

std::string format_local_time(double epoch, const char* strftime_format) {
  const std::time_t t = std::time_t(std::floor(epoch));
  std::tm tm{};
  localtime_r(&t, &tm);
  return format(tm, strftime_format);
}

std::string format_utc_time(double epoch, const char* strftime_format) {
  const std::time_t t = std::time_t(std::floor(epoch));
  std::tm tm{};
  gmtime_r(&t, &tm);
  return format(tm, strftime_format);
}

}  // namespace vigil
