// JSON text → cfg::Node through nlohmann's SAX parser (iterative: no recursion on deep
// input), so that types stay exact, duplicate keys can be seen and the limits of
// config_limits.h stop the parse where they are passed.
#include <limits>
#include <nlohmann/json.hpp>

#include "config/config_limits.h"
#include "config/config_node.h"

namespace vigil::cfg {
namespace {

// nlohmann's "out_of_range.406": a number that does not fit a double (1e999).
constexpr int kNumberOverflow = 406;
// Longest syntax message kept (nlohmann quotes the token it stopped at, whole).
constexpr size_t kMaxSyntaxMessage = 300;

class JsonBuilder : public nlohmann::json::json_sax_t {
 public:
  explicit JsonBuilder(Diagnostics& d) : d_(d) {}
  std::optional<Node> root;       // the document, once complete
  std::string error;              // syntax error (no path), or "" when `limit` says why it stopped
  std::string limit_path, limit;  // a limit passed or a number out of range, at a key path

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
    return count();
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Node::Kind::List); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string& token, const nlohmann::detail::exception& ex) override {
    if (ex.id == kNumberOverflow) {
      limit_path = child_path();
      limit = "number " + shorten(token) + " is out of range (it does not fit a double)";
      return false;
    }
    error = ex.what();
    // "[json.exception.parse_error.101] parse error at line …" → "parse error at line …"
    if (auto p = error.find("] "); p != std::string::npos) error = error.substr(p + 2);
    if (error.size() > kMaxSyntaxMessage) error = error.substr(0, kMaxSyntaxMessage) + "...";
    return false;
  }

 private:
  struct Open {
    Node list;       // a list being built (kind List), or unused for a map
    MapBuilder map;  // a map being built
    bool is_map = false;
    std::string path;  // where it is in the file
    std::string key;   // pending key of a map
    size_t items = 0;  // values added so far (for list paths)
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
    return p.is_map ? join_path(p.path, p.key) : index_path(p.path, p.items);
  }

  bool stop_at(std::string path, std::string why) {
    limit_path = std::move(path);
    limit = std::move(why);
    return false;
  }

  // One more value (JSON has no aliases: its text is bounded by the file size).
  bool count() {
    if (++values_ > kMaxValues)
      return stop_at(child_path(), "more than " + std::to_string(kMaxValues) + " values (the limit for a config file)");
    return true;
  }

  bool open(Node::Kind kind) {
    if (open_.size() >= kMaxDepth)
      return stop_at(child_path(),
                     "nested deeper than " + std::to_string(kMaxDepth) + " levels (the limit for a config file)");
    if (!count()) return false;
    Open o;
    o.is_map = kind == Node::Kind::Map;
    o.list.kind = Node::Kind::List;
    o.path = child_path();
    open_.push_back(std::move(o));
    return true;
  }

  bool close() {
    Open& o = open_.back();
    Node n = o.is_map ? o.map.take() : std::move(o.list);
    open_.pop_back();
    return place(std::move(n));
  }

  bool add(Node n) {
    if (!count()) return false;
    return place(std::move(n));
  }

  bool place(Node n) {
    if (open_.empty()) {
      root = std::move(n);
    } else if (Open& p = open_.back(); !p.is_map) {
      p.list.list.push_back(std::move(n));
      ++p.items;
    } else {
      p.map.put(p.key, std::move(n), p.path, d_);
    }
    return true;
  }

  Diagnostics& d_;
  std::vector<Open> open_;  // the maps and lists being built, outermost first
  size_t values_ = 0;       // values seen so far (checked against kMaxValues)
};

}  // namespace

std::optional<Node> parse_json(const std::string& text, Diagnostics& d) {
  JsonBuilder b(d);
  if (!nlohmann::json::sax_parse(text, &b) || !b.root) {
    if (!b.limit.empty())
      d.error(b.limit_path, b.limit);
    else
      d.error("", "JSON syntax error: " + (b.error.empty() ? std::string("unexpected content") : b.error));
    return std::nullopt;
  }
  return std::move(b.root);
}

}  // namespace vigil::cfg
