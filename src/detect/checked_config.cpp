#include "detect/checked_config.h"

#include "detect/model_registry.h"

namespace vigil {

Config load_checked_config(const std::string& path, std::vector<std::string>* warnings) {
  return load_config(path, warnings, &detect::model_rules());
}

Config parse_checked_config(const std::string& text, bool is_json, std::vector<std::string>* warnings) {
  return parse_config(text, is_json, warnings, &detect::model_rules());
}

}  // namespace vigil
