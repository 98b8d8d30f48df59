// Internal to src/config: a config file as a generic tree, so YAML and JSON share one
// validating reader (config_load.cpp). Not used outside src/config.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vigil::cfg {

// Errors and warnings in the order found, as "config error: <path>: <reason>" lines.
// Identical lines are kept once (a global value inherited by many cameras is reported
// at its own path, so only once).
class Diagnostics {
 public:
  void error(const std::string& path, const std::string& reason);
  void warn(const std::string& path, const std::string& reason);
  const std::vector<std::string>& errors() const { return errors_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  static std::string line(const char* kind, const std::string& path, const std::string& reason);
  std::vector<std::string> errors_, warnings_;
  std::set<std::string> seen_;
};

// "a" + "b" → "a.b"; "" + "b" → "b"; "a" + [2] → "a[2]". A key longer than
// kMaxQuotedChars is shortened (paths are for messages, and a hostile file's keys can be
// a megabyte long).
std::string join_path(const std::string& parent, const std::string& key);
std::string index_path(const std::string& parent, size_t index);

// User text as quoted in a message: kept whole up to kMaxQuotedChars, else its start,
// "..." and its length (1111... (200000 characters)). Never cuts a UTF-8 character.
// ASCII "...", not "…": key paths go through printable(), which escapes non-ASCII.
std::string shorten(const std::string& text);
// shorten() in double quotes.
std::string quoted(const std::string& text);

// One value of the file with the type its parser gave it (YAML 1.1 rules for YAML).
struct Node {
  enum class Kind { Null, Bool, Int, Float, String, Map, List };
  Kind kind = Kind::Null;
  std::string text;    // scalars: the text as written
  bool plain = false;  // YAML plain scalar or JSON number/bool: may be read as a string
  bool b = false;
  long long i = 0;
  double f = 0;
  // A number YAML 1.1 reads but vigil refuses as one (octal, base 60, out of range):
  // the reason, reported when the key needs a number. Empty = fine.
  std::string number_problem;
  std::vector<std::pair<std::string, Node>> map;  // unique keys, document order
  std::vector<Node> list;

  const Node* find(const std::string& key) const;
  bool is_null() const { return kind == Kind::Null; }
};

// `string "abc"`, `int 5`, `a list`, … for "expected X, got Y" messages.
std::string describe(const Node& n);

// A mapping being built from a file: a repeated key keeps its first position and takes
// the last value (as a Python dict built by PyYAML / json.load does), with a warning.
// Constant time per key (a hostile file has 200 000 of them).
class MapBuilder {
 public:
  MapBuilder() { node_.kind = Node::Kind::Map; }
  void put(std::string key, Node value, const std::string& map_path, Diagnostics& d);
  // The keys of `src` replace this map's, in this map's order; new ones are appended.
  void overlay(Node&& src);
  Node take() { return std::move(node_); }

 private:
  Node node_;                                      // the map so far, keys unique
  std::unordered_map<std::string, size_t> index_;  // key → its position in node_.map
};

// Parse the text; syntax errors, duplicate keys (last wins) and bad merge keys are
// reported to `d`. nullopt when the text could not be parsed at all, or when it passes a
// limit of config_limits.h (nesting, values after alias expansion): reading stops there.
std::optional<Node> parse_yaml(const std::string& text, Diagnostics& d);
std::optional<Node> parse_json(const std::string& text, Diagnostics& d);

}  // namespace vigil::cfg
