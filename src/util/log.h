// Named loggers (config.md §4.6): vigil.app, vigil.http, camera.<name>, ffmpeg.<…>, …
#pragma once

#include <spdlog/logger.h>

#include <map>
#include <memory>
#include <string>

namespace vigil {

// Returns the logger with this name, creating it with the configured level.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

// Applies the `logger` config section: default level and per-logger levels
// (0.8 names such as frigate.app are accepted as aliases).
void configure_logging(const std::string& default_level, const std::map<std::string, std::string>& levels);

}  // namespace vigil
