// The generic tree of a config file: diagnostics, key paths, map building.
#include "config/config_node.h"

#include "config/config_limits.h"
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

std::string shorten(const std::string& text) {
  if (text.size() <= kMaxQuotedChars) return text;
  size_t cut = kMaxQuotedChars - 16;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 continuation
  return text.substr(0, cut) + "... (" + std::to_string(text.size()) + " characters)";
}

std::string quoted(const std::string& text) { return "\"" + shorten(text) + "\""; }

std::string join_path(const std::string& parent, const std::string& key) {
  const std::string k = shorten(key);
  return parent.empty() ? k : parent + "." + k;
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
      return "int " + shorten(n.text);
    case Node::Kind::Float:
      return "float " + shorten(n.text);
    case Node::Kind::String:
      return "string \"" + printable(shorten(n.text)) + "\"";
    case Node::Kind::Map:
      return "a map";
    case Node::Kind::List:
      return "a list";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// MapBuilder

void MapBuilder::put(std::string key, Node value, const std::string& map_path, Diagnostics& d) {
  auto [it, added] = index_.emplace(key, node_.map.size());
  if (!added) {
    d.warn(join_path(map_path, key), "duplicate key; the last value is used");
    node_.map[it->second].second = std::move(value);
    return;
  }
  node_.map.emplace_back(std::move(key), std::move(value));
}

void MapBuilder::overlay(Node&& src) {
  for (auto& [k, v] : src.map) {
    auto [it, added] = index_.emplace(k, node_.map.size());
    if (added)
      node_.map.emplace_back(k, std::move(v));
    else
      node_.map[it->second].second = std::move(v);
  }
}

}  // namespace vigil::cfg
