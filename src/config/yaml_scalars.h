// Internal to src/config: YAML 1.1 implicit typing of plain scalars (PyYAML's resolver,
// which Frigate 0.8 used). Hand-written matchers, no std::regex: libstdc++'s regex
// executor recurses once per character and overflows the stack on a long scalar.
#pragma once

#include <string>

#include "config/config_node.h"

namespace vigil::cfg {

// The typed value of a plain scalar: null, bool, int, float or string (config.md §1).
Node resolve_plain(const std::string& text);

}  // namespace vigil::cfg
