// YAML 1.1 implicit typing of plain scalars (config.md §1), as PyYAML's resolver did it.
// Each matcher reads the text once from the left; none recurses or backtracks.
#include "config/yaml_scalars.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

namespace vigil::cfg {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// A cursor over the scalar's text.
struct Cursor {
  const std::string& s;  // the scalar
  size_t i = 0;          // the next character to read

  bool end() const { return i == s.size(); }
  char peek(size_t ahead = 0) const { return i + ahead < s.size() ? s[i + ahead] : '\0'; }
  bool eat(char c) {
    if (peek() != c || end()) return false;
    ++i;
    return true;
  }
  bool eat_text(const char* t) {
    size_t n = 0;
    while (t[n]) ++n;
    if (s.compare(i, n, t) != 0) return false;
    i += n;
    return true;
  }
  void eat_sign() {
    if (!end() && (s[i] == '+' || s[i] == '-')) ++i;
  }
  template <class Pred>
  size_t eat_while(Pred p) {
    size_t start = i;
    while (!end() && p(s[i])) ++i;
    return i - start;
  }
  size_t eat_digits_underscores() {
    return eat_while([](char c) { return is_digit(c) || c == '_'; });
  }
};

// [-+]?(0|[1-9][0-9_]*)
bool is_int_decimal(const std::string& t) {
  Cursor c{t};
  c.eat_sign();
  if (c.eat('0')) return c.end();
  if (!is_digit(c.peek()) || c.end()) return false;
  c.eat_digits_underscores();
  return c.end();
}

// [-+]?0x[0-9a-fA-F_]+ and [-+]?0b[01_]+
bool is_int_prefixed(const std::string& t, const char* prefix, bool (*digit)(char)) {
  Cursor c{t};
  c.eat_sign();
  if (!c.eat_text(prefix)) return false;
  return c.eat_while([digit](char ch) { return digit(ch) || ch == '_'; }) > 0 && c.end();
}

bool is_binary_digit(char c) { return c == '0' || c == '1'; }
bool is_octal_digit(char c) { return c >= '0' && c <= '7'; }

// [-+]?0[0-7_]+
bool is_int_octal(const std::string& t) {
  Cursor c{t};
  c.eat_sign();
  if (!c.eat('0')) return false;
  return c.eat_while([](char ch) { return is_octal_digit(ch) || ch == '_'; }) > 0 && c.end();
}

// (:[0-5]?[0-9])+ — at least one group. A two-digit group is taken whenever it fits:
// the regex could only match otherwise if a digit could follow a group, which it cannot.
bool eat_base60_groups(Cursor& c) {
  size_t groups = 0;
  while (c.eat(':')) {
    if (c.peek() >= '0' && c.peek() <= '5' && is_digit(c.peek(1)))
      c.i += 2;
    else if (is_digit(c.peek()) && !c.end())
      c.i += 1;
    else
      return false;
    ++groups;
  }
  return groups > 0;
}

// [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+
bool is_int_base60(const std::string& t) {
  Cursor c{t};
  c.eat_sign();
  if (c.end() || c.peek() < '1' || c.peek() > '9') return false;
  c.eat_digits_underscores();
  return eat_base60_groups(c) && c.end();
}

// [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
bool is_float_base60(const std::string& t) {
  Cursor c{t};
  c.eat_sign();
  if (c.end() || !is_digit(c.peek())) return false;
  c.eat_digits_underscores();
  if (!eat_base60_groups(c) || !c.eat('.')) return false;
  c.eat_digits_underscores();
  return c.end();
}

// ([eE][-+][0-9]+)? then the end of the text.
bool exponent_then_end(Cursor& c) {
  if (c.eat('e') || c.eat('E')) {
    if (!c.eat('+') && !c.eat('-')) return false;
    if (c.eat_while(is_digit) == 0) return false;
  }
  return c.end();
}

// [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?  |  \.[0-9][0-9_]*([eE][-+][0-9]+)?
bool is_float(const std::string& t) {
  Cursor c{t};
  if (c.eat('.')) {  // the second form has no sign
    if (c.end() || !is_digit(c.peek())) return false;
    c.eat_digits_underscores();
    return exponent_then_end(c);
  }
  c.eat_sign();
  if (c.end() || !is_digit(c.peek())) return false;
  c.eat_digits_underscores();
  if (!c.eat('.')) return false;
  c.eat_digits_underscores();
  return exponent_then_end(c);
}

// [-+]?\.(inf|Inf|INF)
bool is_inf(const std::string& t) {
  Cursor c{t};
  c.eat_sign();
  if (!c.eat('.')) return false;
  const std::string rest = t.substr(c.i);
  return rest == "inf" || rest == "Inf" || rest == "INF";
}

const std::set<std::string> kNull = {"~", "null", "Null", "NULL", ""};
const std::set<std::string> kTrue = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
const std::set<std::string> kFalse = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
const std::set<std::string> kNan = {".nan", ".NaN", ".NAN"};

std::string without_underscores(const std::string& s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s)
    if (c != '_') r += c;
  return r;
}

// Value of a decimal/hex/binary integer literal (already matched).
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
  const unsigned long long limit =
      static_cast<unsigned long long>(std::numeric_limits<long long>::max()) + (negative ? 1 : 0);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && v > limit)) {
    n.number_problem = "number " + shorten(n.text) + " is too large";
  } else if (ec != std::errc() || end != s.data() + s.size() || pos == s.size()) {
    n.number_problem = quoted(n.text) + " is not a valid number";
  } else {
    n.i = negative ? static_cast<long long>(0 - v) : static_cast<long long>(v);
  }
}

}  // namespace

Node resolve_plain(const std::string& text) {
  Node n;
  n.text = text;
  n.plain = true;
  if (kNull.count(text)) {
    n.kind = Node::Kind::Null;
  } else if (kTrue.count(text) || kFalse.count(text)) {
    n.kind = Node::Kind::Bool;
    n.b = kTrue.count(text) > 0;
  } else if (is_int_decimal(text) || is_int_prefixed(text, "0x", is_hex) ||
             is_int_prefixed(text, "0b", is_binary_digit)) {
    n.kind = Node::Kind::Int;
    parse_int_literal(n);
  } else if (is_int_octal(text)) {
    // 0.8 read 010 as 8; a leading zero is almost always a typo (config.md §1).
    n.kind = Node::Kind::Int;
    n.number_problem = quoted(text) + " is an octal number in YAML 1.1; write it without leading zeros";
  } else if (is_int_base60(text) || is_float_base60(text)) {
    n.kind = is_int_base60(text) ? Node::Kind::Int : Node::Kind::Float;
    n.number_problem = quoted(text) + " is a base-60 number in YAML 1.1; write it in decimal or quote it";
  } else if (is_float(text)) {
    n.kind = Node::Kind::Float;
    n.f = std::strtod(without_underscores(text).c_str(), nullptr);
  } else if (is_inf(text)) {
    n.kind = Node::Kind::Float;
    n.f = text[0] == '-' ? -HUGE_VAL : HUGE_VAL;
  } else if (kNan.count(text)) {
    n.kind = Node::Kind::Float;
    n.f = std::nan("");
  } else {
    n.kind = Node::Kind::String;  // includes what PyYAML would call a timestamp
  }
  return n;
}

}  // namespace vigil::cfg
