#include "mqtt/mqtt_commands.h"

namespace vigil {

std::atomic<bool>& switch_of(CameraSwitches& sw, const std::string& what) {
  if (what == "detect") return sw.detect;
  if (what == "clips") return sw.clips;
  return sw.snapshots;
}

CommandResult apply_set_command(const SwitchesMap& switches, const SetTopic& t, const std::string& payload) {
  CommandResult r;
  auto it = switches.find(t.camera);
  if (it == switches.end()) return r;
  r.known_camera = true;
  std::atomic<bool>& s = switch_of(*it->second, t.what);
  std::optional<bool> v = parse_switch_payload(payload);
  r.valid = v.has_value();
  if (v) r.changed = s.exchange(*v) != *v;
  r.state = s.load();
  return r;
}

}  // namespace vigil
