#include "api/media_range.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace vigil {
namespace {

bool all_digits(const std::string& s) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

ByteRangeAnswer answer_range(const std::string& header, uint64_t size) {
  ByteRangeAnswer whole;
  if (header.rfind("bytes=", 0) != 0) return whole;
  const std::string spec = header.substr(6);
  const size_t dash = spec.find('-');
  if (dash == std::string::npos || spec.find(',') != std::string::npos) return whole;
  const std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
  ByteRangeAnswer r;
  r.kind = ByteRangeAnswer::kPartial;
  if (a.empty()) {  // suffix: the last n bytes
    if (!all_digits(b)) return whole;
    const uint64_t n = std::strtoull(b.c_str(), nullptr, 10);
    if (n == 0 || size == 0) return {ByteRangeAnswer::kUnsatisfiable};
    r.first = size - std::min(n, size);
    r.last = size - 1;
    return r;
  }
  if (!all_digits(a) || (!b.empty() && !all_digits(b))) return whole;
  r.first = std::strtoull(a.c_str(), nullptr, 10);
  r.last = b.empty() ? UINT64_MAX : std::strtoull(b.c_str(), nullptr, 10);
  if (r.last < r.first) return whole;  // syntactically invalid: ignored
  if (r.first >= size) return {ByteRangeAnswer::kUnsatisfiable};
  r.last = std::min(r.last, size - 1);
  return r;
}

std::string content_range(const ByteRangeAnswer& r, uint64_t size) {
  if (r.kind == ByteRangeAnswer::kUnsatisfiable) return "bytes */" + std::to_string(size);
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" + std::to_string(size);
}

std::optional<double> parse_unix_time(const std::string& s) {
  const size_t dot = s.find('.');
  const std::string whole = s.substr(0, dot);
  if (!all_digits(whole)) return std::nullopt;
  if (dot != std::string::npos) {
    const std::string frac = s.substr(dot + 1);
    if (!frac.empty() && !all_digits(frac)) return std::nullopt;
  }
  const double t = std::strtod(s.c_str(), nullptr);
  if (!std::isfinite(t)) return std::nullopt;
  return t;
}

std::string clip_range_error(double start, double end, double max_seconds) {
  if (!(end > start)) return "end must be after start";
  if (end - start > max_seconds)
    return "range longer than " + std::to_string(int(max_seconds)) + " s (" + std::to_string(int(end - start)) + " s)";
  return "";
}

}  // namespace vigil
