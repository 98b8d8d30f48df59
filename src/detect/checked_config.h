// The config as vigil runs it: read and validated by config/, with every detector's model
// resolved by the detector registry (model_registry.h) — files checked, defaults filled
// in, `track` lists checked against the labels the detectors report. vigil's start-up and
// `--check-config` both load through here, so they print the same messages.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace vigil {

// load_config / parse_config with the registry's model rules. Throws ConfigError.
Config load_checked_config(const std::string& path, std::vector<std::string>* warnings = nullptr);
Config parse_checked_config(const std::string& text, bool is_json, std::vector<std::string>* warnings = nullptr);

}  // namespace vigil
