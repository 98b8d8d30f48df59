#include "api/params.h"

#include <httplib.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace vigil {

bool parse_int(const std::string& s, long long* out) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (i == s.size() || s.size() > 19 + i) return false;
  for (size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return false;
  errno = 0;
  *out = std::strtoll(s.c_str(), nullptr, 10);
  return errno == 0;
}

bool parse_number(const std::string& s, double* out) {
  if (s.empty()) return false;
  for (char c : s)  // only decimal notation: digits, sign, point, exponent
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

std::optional<long long> int_param(const httplib::Request& req, const std::string& name) {
  if (!req.has_param(name.c_str())) return std::nullopt;
  std::string v = req.get_param_value(name.c_str());
  long long out;
  if (!parse_int(v, &out)) throw BadParam(name + ": expected an integer, got \"" + v + "\"");
  return out;
}

std::optional<long long> int_param(const httplib::Request& req, const std::string& name, long long lo, long long hi) {
  auto v = int_param(req, name);
  if (v && (*v < lo || *v > hi))
    throw BadParam(name + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return v;
}

std::optional<double> number_param(const httplib::Request& req, const std::string& name) {
  if (!req.has_param(name.c_str())) return std::nullopt;
  std::string v = req.get_param_value(name.c_str());
  double out;
  if (!parse_number(v, &out)) throw BadParam(name + ": expected a number, got \"" + v + "\"");
  return out;
}

bool flag_param(const httplib::Request& req, const std::string& name) {
  auto v = int_param(req, name);
  return v && *v != 0;
}

// A comma list; empty for absent or one that names "all".
std::vector<std::string> list_param(const httplib::Request& req, const std::string& name) {
  std::vector<std::string> out;
  if (!req.has_param(name)) return out;
  const std::string v = req.get_param_value(name);
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string::npos) comma = v.size();
    std::string item = v.substr(start, comma - start);
    if (item == "all") return {};
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

}  // namespace vigil
