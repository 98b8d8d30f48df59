// Typed reading of config values (config.md §3 types).
#include "config/config_reader.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <sstream>

namespace vigil::cfg {

bool contains(const StrList& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string join(const StrList& list, const std::string& sep) {
  std::string r;
  for (const auto& s : list) r += (r.empty() ? "" : sep) + s;
  return r;
}

StrList split_whitespace(const std::string& s) {
  StrList out;
  std::istringstream in(s);
  for (std::string tok; in >> tok;) out.push_back(tok);
  return out;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string number_text(double v) {
  std::ostringstream o;
  o.precision(15);
  o << v;
  return o.str();
}

// ---------------------------------------------------------------------------
// Converters

bool scalar_text(const Node& n, std::string& out) {
  if (n.kind == Node::Kind::String ||
      (n.plain && (n.kind == Node::Kind::Int || n.kind == Node::Kind::Float || n.kind == Node::Kind::Bool))) {
    out = n.text;
    return true;
  }
  return false;
}

bool read_value(Diagnostics& d, const Node& n, const std::string& path, long long& out) {
  if (n.kind == Node::Kind::Int && !n.number_problem.empty()) {
    d.error(path, n.number_problem);
    return false;
  }
  if (n.kind != Node::Kind::Int) {
    d.error(path, "expected int, got " + describe(n));
    return false;
  }
  out = n.i;
  return true;
}

bool read_value(Diagnostics& d, const Node& n, const std::string& path, int& out) {
  long long v = 0;
  if (!read_value(d, n, path, v)) return false;
  if (v < INT_MIN || v > INT_MAX) {
    d.error(path, "must be between " + std::to_string(INT_MIN) + " and " + std::to_string(INT_MAX));
    return false;
  }
  out = static_cast<int>(v);
  return true;
}

// `float` accepts integers too (vigil, §3).
bool read_value(Diagnostics& d, const Node& n, const std::string& path, double& out) {
  const bool number = n.kind == Node::Kind::Int || n.kind == Node::Kind::Float;
  if (number && !n.number_problem.empty()) {
    d.error(path, n.number_problem);
    return false;
  }
  if (!number) {
    d.error(path, "expected float, got " + describe(n));
    return false;
  }
  out = n.kind == Node::Kind::Int ? static_cast<double>(n.i) : n.f;
  if (!std::isfinite(out)) {
    d.error(path, "must be a finite number, got " + n.text);
    return false;
  }
  return true;
}

bool read_value(Diagnostics& d, const Node& n, const std::string& path, bool& out) {
  if (n.kind != Node::Kind::Bool) {
    d.error(path, "expected bool, got " + describe(n));
    return false;
  }
  out = n.b;
  return true;
}

bool read_value(Diagnostics& d, const Node& n, const std::string& path, std::string& out) {
  if (!scalar_text(n, out)) {
    d.error(path, "expected str, got " + describe(n));
    return false;
  }
  return true;
}

// `[str]`: a single string is an error, as in 0.8.
bool read_value(Diagnostics& d, const Node& n, const std::string& path, StrList& out) {
  if (n.kind != Node::Kind::List) {
    d.error(path, "expected a list of strings, got " + describe(n));
    return false;
  }
  bool ok = true;
  out.clear();
  for (size_t i = 0; i < n.list.size(); ++i) {
    std::string s;
    if (read_value(d, n.list[i], index_path(path, i), s))
      out.push_back(s);
    else
      ok = false;
  }
  return ok;
}

bool read_value(Diagnostics& d, const Node& n, const std::string& path, std::vector<double>& out) {
  if (n.kind != Node::Kind::List) {
    d.error(path, "expected a list of numbers, got " + describe(n));
    return false;
  }
  bool ok = true;
  out.clear();
  for (size_t i = 0; i < n.list.size(); ++i) {
    double v = 0;
    if (read_value(d, n.list[i], index_path(path, i), v))
      out.push_back(v);
    else
      ok = false;
  }
  return ok;
}

namespace {

template <class V>
bool read_map_values(Diagnostics& d, const Node& n, const std::string& path, std::map<std::string, V>& out) {
  if (n.kind != Node::Kind::Map) {
    d.error(path, "expected a map, got " + describe(n));
    return false;
  }
  bool ok = true;
  out.clear();
  for (const auto& [k, v] : n.map) {
    V value{};
    if (read_value(d, v, join_path(path, k), value))
      out[k] = value;
    else
      ok = false;
  }
  return ok;
}

}  // namespace

bool read_value(Diagnostics& d, const Node& n, const std::string& path, StrMap& out) {
  return read_map_values(d, n, path, out);
}

bool read_value(Diagnostics& d, const Node& n, const std::string& path, IntMap& out) {
  return read_map_values(d, n, path, out);
}

bool read_value(Diagnostics& d, const Node& n, const std::string& path, Args& out) {
  out.path = path;
  std::string s;
  if (scalar_text(n, s)) {
    out.tokens = split_whitespace(s);
    return true;
  }
  if (n.kind == Node::Kind::List) {
    out.tokens.clear();
    bool ok = true;
    for (size_t i = 0; i < n.list.size(); ++i) {
      if (scalar_text(n.list[i], s))
        out.tokens.push_back(s);
      else
        ok = false, d.error(index_path(path, i), "expected str, got " + describe(n.list[i]));
    }
    return ok;
  }
  d.error(path, "expected a string or a list of strings, got " + describe(n));
  return false;
}

namespace {

// [-+]?[0-9]{1,9}
bool is_small_int(const std::string& s) {
  size_t i = s.empty() || (s[0] != '+' && s[0] != '-') ? 0 : 1;
  const size_t digits = s.size() - i;
  if (digits < 1 || digits > 9) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// Comma-separated integers ("0, 10,20") → values; false on anything else.
bool parse_int_list(const std::string& s, std::vector<int>& out) {
  out.clear();
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (!is_small_int(item)) return false;
    out.push_back(std::stoi(item));
  }
  if (!s.empty() && s.back() == ',') return false;
  return true;
}

bool parse_polygon_string(const std::string& s, Polygon& out) {
  std::vector<int> v;
  if (!parse_int_list(s, v) || v.size() < 6 || v.size() % 2 != 0) return false;
  out.points.clear();
  for (size_t i = 0; i < v.size(); i += 2) out.points.emplace_back(v[i], v[i + 1]);
  return true;
}

std::string bad_polygon(const std::string& s) {
  return "expected \"x1,y1,x2,y2,\u2026\" with at least 3 points, got " + quoted(s);
}

bool is_point(const Node& n) {
  std::string s;
  std::vector<int> v;
  return scalar_text(n, s) && parse_int_list(s, v) && v.size() == 2;
}

// A list of "x,y" strings → one polygon.
bool read_point_list(Diagnostics& d, const Node& n, const std::string& path, Polygon& out) {
  out.points.clear();
  for (size_t i = 0; i < n.list.size(); ++i) {
    std::string s;
    std::vector<int> v;
    if (!scalar_text(n.list[i], s) || !parse_int_list(s, v) || v.size() != 2) {
      d.error(index_path(path, i), "expected \"x,y\", got " + describe(n.list[i]));
      return false;
    }
    out.points.emplace_back(v[0], v[1]);
  }
  if (out.points.size() < 3) {
    d.error(path, "expected at least 3 points, got " + std::to_string(out.points.size()));
    return false;
  }
  return true;
}

}  // namespace

// `polygon`: "x1,y1,…" or a list of "x,y".
bool read_value(Diagnostics& d, const Node& n, const std::string& path, ZonePolygon& out) {
  std::string s;
  if (scalar_text(n, s)) {
    if (!parse_polygon_string(s, out.polygon)) {
      d.error(path, bad_polygon(s));
      return false;
    }
    out.text = s;
    return true;
  }
  if (n.kind == Node::Kind::List) {
    if (!read_point_list(d, n, path, out.polygon)) return false;
    for (const auto& item : n.list) out.list.push_back(item.text);
    out.text = join(out.list, ",");
    return true;
  }
  d.error(path, "expected a polygon \"x1,y1,x2,y2,\u2026\" or a list of \"x,y\", got " + describe(n));
  return false;
}

// `polygons`: a polygon, or a list of polygon strings.
bool read_value(Diagnostics& d, const Node& n, const std::string& path, MaskSpec& out) {
  out = MaskSpec{};
  std::string s;
  if (scalar_text(n, s)) {
    Polygon p;
    if (!parse_polygon_string(s, p)) {
      d.error(path, bad_polygon(s));
      return false;
    }
    out.polygons = {p};
    out.raw = {s};
    return true;
  }
  if (n.kind != Node::Kind::List) {
    d.error(path, "expected a polygon string or a list of them, got " + describe(n));
    return false;
  }
  out.raw_was_list = true;
  for (const auto& item : n.list) out.raw.push_back(item.text);
  if (!n.list.empty() && is_point(n.list[0])) {  // one polygon written as a list of "x,y"
    Polygon p;
    if (!read_point_list(d, n, path, p)) return false;
    out.polygons = {p};
    return true;
  }
  bool ok = true;
  for (size_t i = 0; i < n.list.size(); ++i) {
    Polygon p;
    if (scalar_text(n.list[i], s) && parse_polygon_string(s, p)) {
      out.polygons.push_back(p);
    } else {
      d.error(index_path(path, i),
              scalar_text(n.list[i], s) ? bad_polygon(s) : "expected a polygon string, got " + describe(n.list[i]));
      ok = false;
    }
  }
  return ok;
}

}  // namespace vigil::cfg
