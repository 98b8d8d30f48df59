// YAML 1.1 text → cfg::Node (config.md §1). yaml-cpp's event parser feeds a builder that
// types plain scalars (yaml_scalars.h), resolves merge keys and expands aliases itself,
// counting what it builds against config_limits.h: an alias used twice is built twice,
// so a "billion laughs" file stops at kMaxValues instead of expanding 9⁹ nodes.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <sstream>

#include "config/config_limits.h"
#include "config/config_node.h"
#include "config/yaml_scalars.h"

namespace vigil::cfg {
namespace {

const std::string kCore = "tag:yaml.org,2002:";
// Longest yaml-cpp message kept (it may quote an anchor name, whole).
constexpr size_t kMaxSyntaxMessage = 300;

std::string too_deep() {
  return "nested deeper than " + std::to_string(kMaxDepth) + " levels (the limit for a config file)";
}

// ---------------------------------------------------------------------------
// Flow nesting, before yaml-cpp sees the text: its scanner reads a flow sequence ahead
// to its end (any "[" may start a key), about 150 bytes per token, so "[[[[…" a megabyte
// long costs 150 MB before the first event could stop it. Block nesting needs no
// pre-scan: yaml-cpp hands it over as it goes and the builder stops it.
//
// Brackets count outside quoted scalars and comments. Inside them (as far as this scan
// can tell where they are) an opening bracket still counts until closed in the same
// quote or comment, so a misjudged quote can only make the count larger, never hide a
// real "[".

struct TextPos {
  size_t line = 1, column = 1;
};

class FlowDepthScan {
 public:
  explicit FlowDepthScan(const std::string& text) : t_(text) {}

  // Where the flow nesting first passes kMaxDepth; nullopt when it never does.
  std::optional<TextPos> too_deep_at() {
    char prev = '\n';
    while (i_ < t_.size()) {
      const char c = t_[i_];
      const bool after_space = prev == '\n' || prev == ' ' || prev == '\t';
      if (c == '#' && after_space) {
        region_until_line_end();
      } else if ((c == '\'' || c == '"') && (after_space || is_indicator(prev))) {
        region_quoted(c);
      } else if (c == '[' || c == '{') {
        if (++depth_ > kMaxDepth) return TextPos{line_, column_};
        step();
      } else if (c == ']' || c == '}') {
        if (depth_ > 0) --depth_;
        step();
      } else {
        step();
      }
      if (passed_) return pos_;
      prev = t_[i_ - 1];  // every branch above consumed at least one character
    }
    return std::nullopt;
  }

 private:
  static bool is_indicator(char c) {
    return c == '[' || c == '{' || c == ',' || c == ':' || c == '?' || c == '-' || c == '!' || c == '&';
  }

  void step() {
    if (t_[i_] == '\n') {
      ++line_, column_ = 1;
    } else {
      ++column_;
    }
    ++i_;
  }

  // One character inside a quote or comment: brackets opened there count until closed there.
  void inside(size_t& open) {
    const char c = t_[i_];
    if (c == '[' || c == '{') {
      ++open;
      if (depth_ + open > kMaxDepth && !passed_) passed_ = true, pos_ = {line_, column_};
    } else if ((c == ']' || c == '}') && open > 0) {
      --open;
    }
    step();
  }

  void region_until_line_end() {
    size_t open = 0;
    while (i_ < t_.size() && t_[i_] != '\n' && !passed_) inside(open);
    depth_ += open;
  }

  void region_quoted(char quote) {
    size_t open = 0;
    step();  // the opening quote
    while (i_ < t_.size() && !passed_) {
      const char c = t_[i_];
      if (quote == '"' && c == '\\' && i_ + 1 < t_.size()) {
        step();
        inside(open);
      } else if (c == quote && quote == '\'' && i_ + 1 < t_.size() && t_[i_ + 1] == '\'') {
        step();
        step();
      } else if (c == quote) {
        step();
        break;
      } else {
        inside(open);
      }
    }
    depth_ += open;
  }

  const std::string& t_;
  size_t i_ = 0;                  // next character
  size_t line_ = 1, column_ = 1;  // of t_[i_]
  size_t depth_ = 0;              // flow nesting outside quotes and comments (never below 0)
  bool passed_ = false;           // the limit was passed inside a quote or comment
  TextPos pos_;                   // where it was passed
};

// Characters that can start a token in a flow collection (see kMaxYamlPunctuation),
// counted everywhere: where a quote or a comment really ends cannot hide any of them.
// A "#" counts where it can start a comment (after white space), so a "#####" banner
// counts once.
size_t punctuation(const std::string& text) {
  static const std::string kChars = "[]{},:?*&!'\"";
  size_t n = 0;
  char prev = '\n';
  for (char c : text) {
    if (c == '#')
      n += prev == ' ' || prev == '\t' || prev == '\n' || prev == '\r';
    else
      n += kChars.find(c) != std::string::npos;
    prev = c;
  }
  return n;
}

// ---------------------------------------------------------------------------
// The builder

// Thrown out of yaml-cpp's parser to stop reading at a limit (or a recursive alias).
struct Stop {
  std::string path, reason;
};

class YamlBuilder : public YAML::EventHandler {
 public:
  explicit YamlBuilder(Diagnostics& d) : d_(d) {}
  std::optional<Node> root;  // the document, once complete

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnAnchor(const YAML::Mark&, const std::string& name) override { next_anchor_name_ = name; }

  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override {
    Node n;
    n.plain = true;
    leaf(std::move(n), anchor);
  }

  void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor, const std::string& value) override {
    if (expecting_key()) {  // keys are text as written (merge keys: a plain "<<")
      Node k;
      k.kind = Node::Kind::String;
      k.text = value;
      k.plain = tag == "?";
      leaf(std::move(k), anchor);
      return;
    }
    leaf(scalar(tag, value), anchor);
  }

  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end())
      throw Stop{child_path(), "alias *" + shorten(anchor_names_[anchor]) +
                                   " is used inside the node it names (recursive aliases are not allowed)"};
    const Anchored& a = it->second;
    if (stack_.size() + a.height > kMaxDepth) throw Stop{child_path(), too_deep()};
    charge(a.values, a.bytes);
    place(Node(a.node), a.height);
  }

  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Node::Kind::List, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(Node::Kind::Map, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    bool is_map = false;
    Node list;                                       // a list being built (kind List)
    MapBuilder map;                                  // a map being built: its own keys
    std::vector<Node> merge_from;                    // maps named by its "<<" keys, in order
    bool have_key = false;                           // a key was read, its value comes next
    Node key;                                        // that key
    std::string path;                                // where the collection is in the file
    YAML::anchor_t anchor = 0;                       // its anchor (0 = none)
    size_t values_at_start = 0, bytes_at_start = 0;  // the budget spent before it (its own cost = the difference)
    size_t height = 1;                               // levels of collections in it, itself included
  };

  // A complete node an alias copies, with what building it cost.
  struct Anchored {
    Node node;
    size_t values = 0, bytes = 0, height = 0;
  };

  bool expecting_key() const { return !stack_.empty() && stack_.back().is_map && !stack_.back().have_key; }

  std::string child_path() const {
    if (stack_.empty()) return "";
    const Frame& f = stack_.back();
    if (!f.is_map) return index_path(f.path, f.list.list.size());
    return f.have_key ? join_path(f.path, f.key.text) : f.path;
  }

  void charge(size_t values, size_t bytes) {
    values_ += values;
    bytes_ += bytes;
    if (values_ > kMaxValues)
      throw Stop{child_path(), "more than " + std::to_string(kMaxValues) +
                                   " values, counting each use of an alias or merge key (the limit for a config file)"};
    if (bytes_ > kMaxTextBytes)
      throw Stop{child_path(),
                 "more than " + std::to_string(kMaxTextBytes / (1024 * 1024)) +
                     " MiB of text, counting each use of an alias or merge key (the limit for a config file)"};
  }

  void remember(YAML::anchor_t anchor, const Node& n, size_t values, size_t bytes, size_t height) {
    if (!anchor) return;
    anchors_[anchor] = Anchored{n, values, bytes, height};
    anchor_names_[anchor] = next_anchor_name_;
  }

  void leaf(Node n, YAML::anchor_t anchor) {
    if (anchor) anchor_names_[anchor] = next_anchor_name_;
    charge(1, n.text.size());
    remember(anchor, n, 1, n.text.size(), 0);
    place(std::move(n), 0);
  }

  void open(Node::Kind kind, YAML::anchor_t anchor) {
    if (anchor) anchor_names_[anchor] = next_anchor_name_;  // known while it is open (recursion)
    if (stack_.size() + 1 > kMaxDepth) throw Stop{child_path(), too_deep()};
    Frame f;
    f.path = child_path();
    charge(1, 0);
    f.is_map = kind == Node::Kind::Map;
    f.list.kind = Node::Kind::List;
    f.anchor = anchor;
    f.values_at_start = values_ - 1;
    f.bytes_at_start = bytes_;
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    Node n;
    if (!f.is_map) {
      n = std::move(f.list);
    } else if (f.merge_from.empty()) {
      n = f.map.take();
    } else {
      // YAML merge key: the mapping's own keys win over merged ones; of several merged
      // mappings the earlier one wins (PyYAML's flatten_mapping order).
      MapBuilder merged;
      for (auto it = f.merge_from.rbegin(); it != f.merge_from.rend(); ++it) merged.overlay(std::move(*it));
      merged.overlay(f.map.take());
      n = merged.take();
    }
    remember(f.anchor, n, values_ - f.values_at_start, bytes_ - f.bytes_at_start, f.height);
    place(std::move(n), f.height);
  }

  // A complete node goes into its parent (or becomes the document).
  void place(Node n, size_t height) {
    if (stack_.empty()) {
      root = std::move(n);
      return;
    }
    Frame& f = stack_.back();
    f.height = std::max(f.height, height + 1);
    if (!f.is_map) {
      f.list.list.push_back(std::move(n));
    } else if (!f.have_key) {
      f.key = std::move(n);
      f.have_key = true;
    } else {
      f.have_key = false;
      pair(f, std::move(f.key), std::move(n));
    }
  }

  void pair(Frame& f, Node key, Node value) {
    if (key.kind == Node::Kind::Map || key.kind == Node::Kind::List) {
      d_.error(f.path, "mapping keys must be plain values, not lists or maps");
      return;
    }
    if (key.kind == Node::Kind::String && key.plain && key.text == "<<") {
      merge_sources(f, std::move(value));
      return;
    }
    f.map.put(std::move(key.text), std::move(value), f.path, d_);
  }

  void merge_sources(Frame& f, Node v) {
    if (v.kind == Node::Kind::Map) {
      f.merge_from.push_back(std::move(v));
      return;
    }
    if (v.kind == Node::Kind::List) {
      bool all_maps = true;
      for (const auto& item : v.list) all_maps = all_maps && item.kind == Node::Kind::Map;
      if (all_maps) {
        for (auto& item : v.list) f.merge_from.push_back(std::move(item));
        return;
      }
    }
    d_.error(join_path(f.path, "<<"), "expected a map or a list of maps to merge");
  }

  // A value scalar with its tag: "?" plain (YAML 1.1 typing), "!" quoted or block.
  Node scalar(const std::string& tag, const std::string& value) {
    if (tag == "?") return resolve_plain(value);
    Node n;
    n.kind = Node::Kind::String;  // quoted, block or "!"-tagged: a string
    n.text = value;
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
      d_.error(child_path(), quoted(n.text) + " cannot be read as " + tag.substr(kCore.size()));
      return n;
    }
    d_.error(child_path(), "unsupported tag " + shorten(tag));
    return n;
  }

  Diagnostics& d_;
  std::vector<Frame> stack_;                            // open collections, outermost first
  std::map<YAML::anchor_t, Anchored> anchors_;          // complete anchored nodes
  std::map<YAML::anchor_t, std::string> anchor_names_;  // for messages
  std::string next_anchor_name_;                        // set by OnAnchor for the next node
  size_t values_ = 0, bytes_ = 0;                       // built so far, aliases included
};

}  // namespace

std::optional<Node> parse_yaml(const std::string& text, Diagnostics& d) {
  if (std::optional<TextPos> at = FlowDepthScan(text).too_deep_at()) {
    d.error("", "YAML nested deeper than " + std::to_string(kMaxDepth) + " levels at line " + std::to_string(at->line) +
                    ", column " + std::to_string(at->column) + " (the limit for a config file)");
    return std::nullopt;
  }
  if (punctuation(text) > kMaxYamlPunctuation) {
    d.error("", "YAML has more than " + std::to_string(kMaxYamlPunctuation) +
                    " of the characters [ ] { } , : ? * & ! ' \" # (the limit for a config file)");
    return std::nullopt;
  }
  std::istringstream in(text);
  YamlBuilder b(d);
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(b);
  } catch (const Stop& s) {
    d.error(s.path, s.reason);
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    std::string msg = e.msg.size() > kMaxSyntaxMessage ? e.msg.substr(0, kMaxSyntaxMessage) + "..." : e.msg;
    d.error("", "YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
                    std::to_string(e.mark.column + 1) + ": " + msg);
    return std::nullopt;
  }
  if (!b.root) return Node{};  // no document (only comments)
  return std::move(b.root);
}

}  // namespace vigil::cfg
