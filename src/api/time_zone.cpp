#include "api/time_zone.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace vigil {
namespace {

int64_t be(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | uint8_t(s[at + i]);
  if (bytes == 4) return int32_t(uint32_t(v));
  return int64_t(v);
}

std::optional<int> fixed_offset(const std::string& s) {
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  std::string digits;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == ':' && i == 3) continue;
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    digits += s[i];
  }
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  int h = std::stoi(digits.substr(0, 2)), m = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
  if (h > 14 || m > 59) return std::nullopt;
  return (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
}

bool safe_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '/' || name.find("..") != std::string::npos) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+')) return false;
  return true;
}

}  // namespace

std::optional<int> tzif_offset(const std::string& d, int64_t at) {
  // RFC 8536: a version-1 block with 32-bit times, then (version 2+) the same with 64-bit.
  auto parse_block = [&](size_t h, int tbytes, size_t* end) -> std::optional<int> {
    if (d.size() < h + 44 || d.compare(h, 4, "TZif") != 0) return std::nullopt;
    const int64_t isut = be(d, h + 20, 4), isstd = be(d, h + 24, 4), leap = be(d, h + 28, 4),
                  timecnt = be(d, h + 32, 4), typecnt = be(d, h + 36, 4), charcnt = be(d, h + 40, 4);
    if (isut < 0 || isstd < 0 || leap < 0 || timecnt < 0 || typecnt <= 0 || charcnt < 0) return std::nullopt;
    const size_t times = h + 44, idx = times + size_t(timecnt) * tbytes, types = idx + size_t(timecnt);
    *end = types + size_t(typecnt) * 6 + size_t(charcnt) + size_t(leap) * (tbytes + 4) + size_t(isstd) + size_t(isut);
    if (d.size() < *end) return std::nullopt;
    int type = 0;  // before the first transition: the first type (RFC 8536 §3.2)
    for (int64_t i = 0; i < timecnt && be(d, times + size_t(i) * tbytes, tbytes) <= at; ++i)
      type = uint8_t(d[idx + size_t(i)]);
    if (type >= typecnt) return std::nullopt;
    return int(be(d, types + size_t(type) * 6, 4));
  };
  size_t end = 0;
  std::optional<int> v1 = parse_block(0, 4, &end);
  if (!v1) return std::nullopt;
  if (d[4] >= '2') {
    size_t end2 = 0;
    if (auto v2 = parse_block(end, 8, &end2)) return v2;
  }
  return v1;
}

std::optional<int> utc_offset(const std::string& name, int64_t at) {
  if (name == "utc" || name == "UTC" || name == "Etc/UTC" || name == "GMT" || name == "Z") return 0;
  if (auto f = fixed_offset(name)) return f;
  if (!safe_name(name)) return std::nullopt;
  const char* dir = std::getenv("TZDIR");
  std::ifstream in(std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return tzif_offset(ss.str(), at);
}

}  // namespace vigil
