// TODO(merge): use util/printable.h (another branch adds `printable`; this private
// stand-in goes then).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace vigil {
namespace {

// `text` as one printable line: control characters, backslashes and bytes outside
// ASCII escaped (\n, \xNN), so external text (libav messages, URLs) cannot forge or
// break log lines.
[[maybe_unused]] std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += char(c);
    }
  }
  return out;
}

}  // namespace
}  // namespace vigil
