#include "util/printable.h"

namespace vigil {

std::string printable(std::string_view s, size_t max_bytes) {
  const size_t shown = max_bytes > 0 && s.size() > max_bytes ? max_bytes : s.size();
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(shown + 16);
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += char(c);
        }
    }
  }
  if (shown < s.size()) out += "...(+" + std::to_string(s.size() - shown) + " bytes)";
  return out;
}

}  // namespace vigil
