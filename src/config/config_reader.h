// Internal to src/config: typed reading of cfg::Node values with error reporting.
// read_value() converts one value (reporting "expected int, got …" at its path);
// MapReader reads the keys of one mapping and reports the keys nobody asked for.
#pragma once

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "config/config.h"
#include "config/config_node.h"

namespace vigil::cfg {

using StrList = std::vector<std::string>;
using StrMap = std::map<std::string, std::string>;
using IntMap = std::map<std::string, int>;

bool contains(const StrList& list, const std::string& s);
std::string join(const StrList& list, const std::string& sep);
StrList split_whitespace(const std::string& s);
std::string trim(const std::string& s);
// 25 → "25", 0.5 → "0.5" (for messages).
std::string number_text(double v);
// A scalar usable where a string is expected: strings, and plain scalars YAML typed
// as numbers/booleans (the leniency of §1: `password: 1234` is "1234").
bool scalar_text(const Node& n, std::string& out);

// ---------------------------------------------------------------------------
// Value types besides int/double/bool/string/lists/maps

// An `args` value (§3): a string split on whitespace or a list used as is.
struct Args {
  StrList tokens;
  std::string path;  // where it was written, for errors found when parsing it
};

// A zone's `coordinates` (§3 `polygon`).
struct ZonePolygon {
  Polygon polygon;
  std::string text;  // the string as written, or the list joined with ","
  StrList list;      // non-empty when written as a list of "x,y"
};

// ---------------------------------------------------------------------------
// Converters: Node → typed value, reporting a type error at `path`; false on error.

bool read_value(Diagnostics& d, const Node& n, const std::string& path, long long& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, int& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, double& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, bool& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, std::string& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, StrList& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, std::vector<double>& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, StrMap& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, IntMap& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, Args& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, ZonePolygon& out);
bool read_value(Diagnostics& d, const Node& n, const std::string& path, MaskSpec& out);

// ---------------------------------------------------------------------------
// Checks for MapReader::get/need: "" when the value is fine, else the reason.

inline auto between(double lo, double hi) {
  return [=](double v) {
    return v >= lo && v <= hi ? std::string() : "must be between " + number_text(lo) + " and " + number_text(hi);
  };
}

inline auto at_least(double lo) {
  return [=](double v) { return v >= lo ? std::string() : "must be at least " + number_text(lo); };
}

// A lower and an upper bound, each with its own message ("must be at least 1" stays the
// message of a value below the range).
inline auto in_range(double lo, double hi) {
  return [=](double v) {
    if (v < lo) return "must be at least " + number_text(lo);
    if (v > hi) return "must be at most " + number_text(hi);
    return std::string();
  };
}

inline auto above_zero() {
  return [](double v) { return v > 0 ? std::string() : std::string("must be greater than 0"); };
}

inline auto positive_even() {
  return [](double v) {
    return v > 0 && std::fmod(v, 2) == 0 ? std::string() : std::string("must be a positive even number");
  };
}

// Frame sizes: positive and even (4:2:0), and not absurdly large.
inline auto positive_even_at_most(int max) {
  return [=](double v) {
    if (!(v > 0 && std::fmod(v, 2) == 0)) return std::string("must be a positive even number");
    return v <= max ? std::string() : "must be at most " + number_text(max);
  };
}

inline auto above_zero_at_most_one() {
  return [](double v) { return v > 0 && v <= 1 ? std::string() : std::string("must be greater than 0 and at most 1"); };
}

// `choices` must outlive the check (they are constants).
inline auto one_of(const StrList& choices) {
  return [&choices](const std::string& v) {
    return contains(choices, v) ? std::string() : "must be one of: " + join(choices, ", ");
  };
}

template <class T, class C>
bool read_checked(Diagnostics& d, const Node& n, const std::string& path, T& out, const C& check) {
  if (!read_value(d, n, path, out)) return false;
  if constexpr (!std::is_null_pointer_v<C>) {
    std::string why = check(out);
    if (!why.empty()) {
      d.error(path, why);
      return false;
    }
  }
  return true;
}

template <class T>
struct Unwrap {
  using type = T;
};
template <class T>
struct Unwrap<std::optional<T>> {
  using type = T;
};

// ---------------------------------------------------------------------------
// MapReader: typed access to one mapping of the file

class MapReader {
 public:
  // An absent or null section reads as an empty map.
  MapReader(Diagnostics& d, const Node* node, std::string path) : d_(d), path_(std::move(path)) {
    if (!node || node->is_null()) return;
    if (node->kind != Node::Kind::Map) {
      d_.error(path_, "expected a map, got " + describe(*node));
      bad_ = true;
      return;
    }
    node_ = node;
  }
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  // Keys nobody asked for are not in the schema.
  ~MapReader() {
    if (!node_) return;
    for (const auto& [k, v] : node_->map)
      if (!used_.count(k)) d_.error(path_of(k), "unknown key");
  }

  Diagnostics& diag() { return d_; }
  const std::string& path() const { return path_; }
  std::string path_of(const std::string& key) const { return join_path(path_, key); }
  bool is_map() const { return !bad_; }

  // The raw value of `key` (marked as known); nullptr when absent.
  const Node* take(const std::string& key) {
    used_.insert(key);
    return node_ ? node_->find(key) : nullptr;
  }

  // True when `key` has a non-null value.
  bool has(const std::string& key) {
    const Node* n = take(key);
    return n && !n->is_null();
  }

  // Reports a missing required key; true when present.
  bool require(const std::string& key) {
    if (take(key)) return true;
    if (!bad_) d_.error(path_of(key), "required key is missing");
    return false;
  }

  // Every key with its value, all marked as known (for maps keyed by names).
  std::vector<std::pair<std::string, const Node*>> entries() {
    std::vector<std::pair<std::string, const Node*>> out;
    if (!node_) return out;
    for (const auto& [k, v] : node_->map) {
      used_.insert(k);
      out.emplace_back(k, &v);
    }
    return out;
  }

  // A nested mapping.
  MapReader section(const std::string& key) { return MapReader(d_, take(key), path_of(key)); }

  // Optional key: sets `out` and returns true when present, non-null and valid.
  // null means "not set here" (default or inherited value applies).
  template <class T, class C = std::nullptr_t>
  bool get(const std::string& key, T& out, const C& check = nullptr) {
    return read(key, out, false, check);
  }

  // Required key: absent → "required key is missing", null → type error.
  template <class T, class C = std::nullptr_t>
  bool need(const std::string& key, T& out, const C& check = nullptr) {
    return read(key, out, true, check);
  }

 private:
  template <class T, class C>
  bool read(const std::string& key, T& out, bool required, const C& check) {
    const Node* n = take(key);
    if (!n) {
      if (required) require(key);
      return false;
    }
    if (n->is_null() && !required) return false;
    typename Unwrap<T>::type v{};
    if (!read_checked(d_, *n, path_of(key), v, check)) return false;
    out = std::move(v);
    return true;
  }

  Diagnostics& d_;
  std::string path_;
  const Node* node_ = nullptr;
  bool bad_ = false;
  std::set<std::string> used_;
};

}  // namespace vigil::cfg
