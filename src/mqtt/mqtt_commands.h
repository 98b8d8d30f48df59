// `<prefix>/<camera>/{detect,clips,snapshots}/set` commands (mqtt.md §3) applied to
// the cameras' runtime switches.
#pragma once

#include <string>

#include "config/switches.h"
#include "mqtt/mqtt_messages.h"

namespace vigil {

struct CommandResult {
  bool known_camera = false;
  bool valid = false;    // payload was ON or OFF
  bool changed = false;  // the setting changed
  bool state = false;    // the setting now (to publish on …/state)
};

// Applies `payload` to the switch named by `t`. An invalid payload changes nothing.
CommandResult apply_set_command(const SwitchesMap& switches, const SetTopic& t, const std::string& payload);

// The switch `what` (detect | clips | snapshots) of `sw`.
std::atomic<bool>& switch_of(CameraSwitches& sw, const std::string& what);

}  // namespace vigil
