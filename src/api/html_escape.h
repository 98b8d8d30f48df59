// Escaping for text written into HTML (element content and quoted attributes).
#pragma once

#include <string>

namespace vigil {

// & < > " ' as character references.
std::string html_escape(const std::string& s);

}  // namespace vigil
