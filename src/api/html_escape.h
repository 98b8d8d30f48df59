// Escaping for text written into HTML (element content and quoted attributes) and URLs.
#pragma once

#include <string>

namespace vigil {

// & < > " ' as character references.
std::string html_escape(const std::string& s);

// Every byte but unreserved characters (RFC 3986) and '/' as %XX: a path for Location
// headers and hrefs, or a path carried in a query parameter.
std::string url_encode_path(const std::string& s);

}  // namespace vigil
