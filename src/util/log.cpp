#include "util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace vigil {
namespace {

std::mutex g_mu;
spdlog::level::level_enum g_default = spdlog::level::info;
std::map<std::string, spdlog::level::level_enum> g_levels;  // exact names and "prefix.*"

spdlog::level::level_enum parse_level(const std::string& s) {
  if (s == "debug") return spdlog::level::debug;
  if (s == "warning") return spdlog::level::warn;
  if (s == "error") return spdlog::level::err;
  if (s == "critical") return spdlog::level::critical;
  return spdlog::level::info;
}

// 0.8 logger names → vigil names ("detector.*" matches every detector).
std::string alias(const std::string& name) {
  static const std::map<std::string, std::string> kAliases = {
      {"frigate.app", "vigil.app"},       {"frigate.mqtt", "vigil.mqtt"},      {"frigate.http", "vigil.http"},
      {"frigate.events", "vigil.events"}, {"frigate.record", "vigil.storage"}, {"frigate.edgetpu", "detector.*"}};
  if (auto it = kAliases.find(name); it != kAliases.end()) return it->second;
  if (name.rfind("watchdog.", 0) == 0) return "camera." + name.substr(9);
  return name;
}

spdlog::level::level_enum level_for(const std::string& name) {
  if (auto it = g_levels.find(name); it != g_levels.end()) return it->second;
  auto dot = name.find('.');
  if (dot != std::string::npos) {
    if (auto it = g_levels.find(name.substr(0, dot) + ".*"); it != g_levels.end()) return it->second;
  }
  return g_default;
}

std::shared_ptr<spdlog::sinks::sink> shared_sink() {
  static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  return sink;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  std::lock_guard lock(g_mu);
  if (auto l = spdlog::get(name)) return l;
  auto l = std::make_shared<spdlog::logger>(name, shared_sink());
  l->set_pattern("%Y-%m-%d %H:%M:%S.%e %-18n %^%-7l%$ %v");
  l->set_level(level_for(name));
  spdlog::register_logger(l);
  return l;
}

void configure_logging(const std::string& default_level, const std::map<std::string, std::string>& levels) {
  std::lock_guard lock(g_mu);
  g_default = parse_level(default_level);
  g_levels.clear();
  for (const auto& [name, lvl] : levels) g_levels[alias(name)] = parse_level(lvl);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level_for(l->name())); });
}

}  // namespace vigil
