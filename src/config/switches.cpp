#include "config/switches.h"

#include <nlohmann/json.hpp>

namespace vigil {

std::string config_json_with_switches(const std::string& doc, const SwitchesMap& switches) {
  using json = nlohmann::json;
  json j = json::parse(doc, nullptr, false);
  if (j.is_discarded() || !j.contains("cameras")) return doc;
  for (const auto& [name, sw] : switches) {
    if (!j["cameras"].contains(name)) continue;
    json& cam = j["cameras"][name];
    cam["detect"]["enabled"] = sw->detect.load();
    cam["clips"]["enabled"] = sw->clips.load();
    cam["snapshots"]["enabled"] = sw->snapshots.load();
  }
  return j.dump(-1, ' ', true, json::error_handler_t::replace);
}

}  // namespace vigil
