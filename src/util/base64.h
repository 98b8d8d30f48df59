// Standard base64 with padding (event thumbnails are stored this way, storage.md §2.3).
#pragma once

#include <optional>
#include <string>

namespace vigil {

std::string base64_encode(const std::string& bytes);
// nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(const std::string& text);

}  // namespace vigil
