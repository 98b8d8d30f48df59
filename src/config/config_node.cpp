// YAML 1.1 / JSON text → cfg::Node (config.md §1).
#include "config/config_node.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "util/printable.h"

namespace vigil::cfg {

// ---------------------------------------------------------------------------
// Diagnostics and paths

std::string Diagnostics::line(const char* kind, const std::string& path, const std::string& reason) {
  std::string s = std::string("config ") + kind + ": ";
  if (!path.empty()) s += printable(path) + ": ";  // keys are written by anyone
  return s + reason;
}

void Diagnostics::error(const std::string& path, const std::string& reason) {
  std::string l = line("error", path, reason);
  if (seen_.insert(l).second) errors_.push_back(std::move(l));
}

void Diagnostics::warn(const std::string& path, const std::string& reason) {
  std::string l = line("warning", path, reason);
  if (seen_.insert(l).second) warnings_.push_back(std::move(l));
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, size_t index) { return parent + "[" + std::to_string(index) + "]"; }

const Node* Node::find(const std::string& key) const {
  for (const auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}

std::string describe(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Null:
      return "null";
    case Node::Kind::Bool:
      return "bool " + n.text;
    case Node::Kind::Int:
      return "int " + n.text;
    case Node::Kind::Float:
      return "float " + n.text;
    case Node::Kind::String:
      return "string \"" + printable(n.text) + "\"";
    case Node::Kind::Map:
      return "a map";
    case Node::Kind::List:
      return "a list";
  }
  return "?";
}

namespace {

// Adds a key to a mapping; a repeated key keeps its first position and takes the
// last value (as a Python dict built by PyYAML / json.load does).
void put_last_wins(Node& map, std::string key, Node value, const std::string& map_path, Diagnostics& d) {
  for (auto& [k, v] : map.map) {
    if (k == key) {
      d.warn(join_path(map_path, key), "duplicate key; the last value is used");
      v = std::move(value);
      return;
    }
  }
  map.map.emplace_back(std::move(key), std::move(value));
}

// ---------------------------------------------------------------------------
// YAML 1.1 implicit typing of plain scalars (PyYAML's resolver, which 0.8 used)

const std::regex kBool("yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF");
const std::regex kTrue("yes|Yes|YES|true|True|TRUE|on|On|ON");
const std::regex kNull("~|null|Null|NULL|");
const std::regex kIntDecimal("[-+]?(0|[1-9][0-9_]*)");
const std::regex kIntHex("[-+]?0x[0-9a-fA-F_]+");
const std::regex kIntBinary("[-+]?0b[01_]+");
const std::regex kIntOctal("[-+]?0[0-7_]+");
const std::regex kIntBase60("[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+");
const std::regex kFloat("[-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+][0-9]+)?|\\.[0-9][0-9_]*([eE][-+][0-9]+)?");
const std::regex kFloatBase60("[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*");
const std::regex kInf("[-+]?\\.(inf|Inf|INF)");
const std::regex kNan("\\.(nan|NaN|NAN)");

std::string without_underscores(const std::string& s) {
  std::string r;
  for (char c : s)
    if (c != '_') r += c;
  return r;
}

// Value of a decimal/hex/binary integer literal (already matched by a regex).
void parse_int_literal(Node& n) {
  std::string s = without_underscores(n.text);
  bool negative = false;
  size_t pos = 0;
  if (s[0] == '+' || s[0] == '-') negative = s[pos++] == '-';
  int base = 10;
  if (s.compare(pos, 2, "0x") == 0)
    base = 16, pos += 2;
  else if (s.compare(pos, 2, "0b") == 0)
    base = 2, pos += 2;
  unsigned long long v = 0;
  auto [end, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size() || pos == s.size()) {
    n.number_problem = "\"" + n.text + "\" is not a valid number";
  } else if (v > static_cast<unsigned long long>(std::numeric_limits<long long>::max())) {
    n.number_problem = "number " + n.text + " is too large";
  } else {
    n.i = negative ? -static_cast<long long>(v) : static_cast<long long>(v);
  }
}

Node resolve_plain(const std::string& text) {
  Node n;
  n.text = text;
  n.plain = true;
  if (std::regex_match(text, kNull)) {
    n.kind = Node::Kind::Null;
  } else if (std::regex_match(text, kBool)) {
    n.kind = Node::Kind::Bool;
    n.b = std::regex_match(text, kTrue);
  } else if (std::regex_match(text, kIntDecimal) || std::regex_match(text, kIntHex) ||
             std::regex_match(text, kIntBinary)) {
    n.kind = Node::Kind::Int;
    parse_int_literal(n);
  } else if (std::regex_match(text, kIntOctal)) {
    // 0.8 read 010 as 8; a leading zero is almost always a typo (config.md §1).
    n.kind = Node::Kind::Int;
    n.number_problem = "\"" + text + "\" is an octal number in YAML 1.1; write it without leading zeros";
  } else if (std::regex_match(text, kIntBase60) || std::regex_match(text, kFloatBase60)) {
    n.kind = std::regex_match(text, kIntBase60) ? Node::Kind::Int : Node::Kind::Float;
    n.number_problem = "\"" + text + "\" is a base-60 number in YAML 1.1; write it in decimal or quote it";
  } else if (std::regex_match(text, kFloat)) {
    n.kind = Node::Kind::Float;
    n.f = std::strtod(without_underscores(text).c_str(), nullptr);
  } else if (std::regex_match(text, kInf)) {
    n.kind = Node::Kind::Float;
    n.f = text[0] == '-' ? -HUGE_VAL : HUGE_VAL;
  } else if (std::regex_match(text, kNan)) {
    n.kind = Node::Kind::Float;
    n.f = std::nan("");
  } else {
    n.kind = Node::Kind::String;  // includes what PyYAML would call a timestamp
  }
  return n;
}

// ---------------------------------------------------------------------------
// yaml-cpp tree → Node (yaml-cpp has no YAML 1.1 typing and no merge keys)

class YamlConverter {
 public:
  explicit YamlConverter(Diagnostics& d) : d_(d) {}

  Node convert(const YAML::Node& y, const std::string& path) {
    switch (y.Type()) {
      case YAML::NodeType::Map:
        return mapping(y, path);
      case YAML::NodeType::Sequence: {
        Node n;
        n.kind = Node::Kind::List;
        size_t i = 0;
        for (const auto& item : y) n.list.push_back(convert(item, index_path(path, i++)));
        return n;
      }
      case YAML::NodeType::Scalar:
        return scalar(y, path);
      default: {
        Node n;  // null
        n.plain = true;
        if (y.Tag() == "tag:yaml.org,2002:str") n.kind = Node::Kind::String;
        return n;
      }
    }
  }

 private:
  Node scalar(const YAML::Node& y, const std::string& path) {
    const std::string& tag = y.Tag();
    if (tag == "?") return resolve_plain(y.Scalar());  // plain: YAML 1.1 implicit typing
    Node n;
    n.kind = Node::Kind::String;  // quoted, block or "!"-tagged: a string
    n.text = y.Scalar();
    static const std::string kCore = "tag:yaml.org,2002:";
    if (tag == "!" || tag == kCore + "str") return n;
    if (tag == kCore + "int" || tag == kCore + "float" || tag == kCore + "bool" || tag == kCore + "null") {
      Node typed = resolve_plain(n.text);
      typed.plain = false;
      static const std::map<Node::Kind, std::string> kTags = {{Node::Kind::Int, "int"},
                                                              {Node::Kind::Float, "float"},
                                                              {Node::Kind::Bool, "bool"},
                                                              {Node::Kind::Null, "null"}};
      auto it = kTags.find(typed.kind);
      if (it != kTags.end() && kCore + it->second == tag) return typed;
      if (tag == kCore + "float" && typed.kind == Node::Kind::Int && typed.number_problem.empty()) {
        typed.kind = Node::Kind::Float;
        typed.f = static_cast<double>(typed.i);
        return typed;
      }
      d_.error(path, "\"" + n.text + "\" cannot be read as " + tag.substr(kCore.size()));
      return n;
    }
    d_.error(path, "unsupported tag " + tag);
    return n;
  }

  Node mapping(const YAML::Node& y, const std::string& path) {
    Node own;
    own.kind = Node::Kind::Map;
    std::vector<YAML::Node> merge_sources;
    for (const auto& kv : y) {
      if (!kv.first.IsScalar() && !kv.first.IsNull()) {
        d_.error(path, "mapping keys must be plain values, not lists or maps");
        continue;
      }
      const std::string key = kv.first.IsNull() ? "" : kv.first.Scalar();
      if (key == "<<" && kv.first.Tag() == "?") {
        collect_merge_sources(kv.second, path, merge_sources);
        continue;
      }
      put_last_wins(own, key, convert(kv.second, join_path(path, key)), path, d_);
    }
    if (merge_sources.empty()) return own;

    // YAML merge key: the mapping's own keys win over merged ones; of several merged
    // mappings the earlier one wins (PyYAML's flatten_mapping order).
    Node merged;
    merged.kind = Node::Kind::Map;
    auto overlay = [&merged](Node& src) {  // src's keys replace merged's, in merged's order
      for (auto& [k, v] : src.map) {
        Node* existing = nullptr;
        for (auto& [mk, mv] : merged.map)
          if (mk == k) existing = &mv;
        if (existing)
          *existing = std::move(v);
        else
          merged.map.emplace_back(k, std::move(v));
      }
    };
    for (auto it = merge_sources.rbegin(); it != merge_sources.rend(); ++it) {
      Node src = mapping(*it, path);
      overlay(src);
    }
    overlay(own);
    return merged;
  }

  void collect_merge_sources(const YAML::Node& v, const std::string& path, std::vector<YAML::Node>& out) {
    if (v.IsMap()) {
      out.push_back(v);
      return;
    }
    if (v.IsSequence()) {
      bool all_maps = true;
      for (const auto& item : v) all_maps = all_maps && item.IsMap();
      if (all_maps) {
        for (const auto& item : v) out.push_back(item);
        return;
      }
    }
    d_.error(join_path(path, "<<"), "expected a map or a list of maps to merge");
  }

  Diagnostics& d_;
};

// ---------------------------------------------------------------------------
// JSON via SAX, so that types stay exact and duplicate keys can be seen

class JsonBuilder : public nlohmann::json::json_sax_t {
 public:
  explicit JsonBuilder(Diagnostics& d) : d_(d) {}
  std::optional<Node> root;
  std::string error;

  bool null() override { return add(Node{}); }
  bool boolean(bool v) override {
    return add(scalar(Node::Kind::Bool, v ? "true" : "false", [&](Node& n) { n.b = v; }));
  }
  bool number_integer(number_integer_t v) override {
    return add(scalar(Node::Kind::Int, std::to_string(v), [&](Node& n) { n.i = v; }));
  }
  bool number_unsigned(number_unsigned_t v) override {
    return add(scalar(Node::Kind::Int, std::to_string(v), [&](Node& n) {
      if (v > static_cast<number_unsigned_t>(std::numeric_limits<long long>::max()))
        n.number_problem = "number " + n.text + " is too large";
      else
        n.i = static_cast<long long>(v);
    }));
  }
  bool number_float(number_float_t v, const string_t& s) override {
    return add(scalar(Node::Kind::Float, s, [&](Node& n) { n.f = v; }));
  }
  bool string(string_t& v) override {
    Node n;
    n.kind = Node::Kind::String;
    n.text = v;
    return add(std::move(n));
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return open(Node::Kind::Map); }
  bool key(string_t& k) override {
    open_.back().key = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Node::Kind::List); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    error = ex.what();
    // "[json.exception.parse_error.101] parse error at line …" → "parse error at line …"
    if (auto p = error.find("] "); p != std::string::npos) error = error.substr(p + 2);
    return false;
  }

 private:
  struct Open {
    Node node;
    std::string path;
    std::string key;  // pending key of a map
  };

  template <class F>
  static Node scalar(Node::Kind kind, std::string text, F&& set) {
    Node n;
    n.kind = kind;
    n.text = std::move(text);
    n.plain = true;
    set(n);
    return n;
  }

  std::string child_path() const {
    if (open_.empty()) return "";
    const Open& p = open_.back();
    return p.node.kind == Node::Kind::Map ? join_path(p.path, p.key) : index_path(p.path, p.node.list.size());
  }

  bool open(Node::Kind kind) {
    Open o;
    o.node.kind = kind;
    o.path = child_path();
    open_.push_back(std::move(o));
    return true;
  }

  bool close() {
    Node n = std::move(open_.back().node);
    open_.pop_back();
    return add(std::move(n));
  }

  bool add(Node n) {
    if (open_.empty()) {
      root = std::move(n);
    } else if (Open& p = open_.back(); p.node.kind == Node::Kind::List) {
      p.node.list.push_back(std::move(n));
    } else {
      put_last_wins(p.node, p.key, std::move(n), p.path, d_);
    }
    return true;
  }

  Diagnostics& d_;
  std::vector<Open> open_;
};

}  // namespace

std::optional<Node> parse_yaml(const std::string& text, Diagnostics& d) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    d.error("", "YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
                    std::to_string(e.mark.column + 1) + ": " + e.msg);
    return std::nullopt;
  }
  return YamlConverter(d).convert(doc, "");
}

std::optional<Node> parse_json(const std::string& text, Diagnostics& d) {
  JsonBuilder b(d);
  if (!nlohmann::json::sax_parse(text, &b) || !b.root) {
    d.error("", "JSON syntax error: " + (b.error.empty() ? std::string("unexpected content") : b.error));
    return std::nullopt;
  }
  return std::move(b.root);
}

}  // namespace vigil::cfg
