// Any string from outside (an MQTT topic or payload, a request path or header, a URL,
// a file name) made safe to write into a log line: one line of printable ASCII, so a
// newline in it cannot forge a log line and control bytes cannot garble a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vigil {

// `\n`, `\r`, `\t`, `\\` and `\"` escaped as in C; every other byte below 0x20 or from
// 0x7f on as `\xHH`. With `max_bytes` > 0, only the first `max_bytes` bytes of `s` are
// shown, followed by `...(+N bytes)` when N more were cut off.
std::string printable(std::string_view s, size_t max_bytes = 0);

}  // namespace vigil
