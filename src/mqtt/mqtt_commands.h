// `<prefix>/<camera>/<what>/set` commands applied to the cameras' runtime switches:
// 0.8's detect, clips, snapshots (mqtt.md §3) and 0.14's switches and numbers
// (ha-current.md §3.3), with 0.14's refusals.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/switches.h"
#include "mqtt/mqtt_messages.h"

namespace vigil {

struct CommandResult {
  bool known_camera = false;
  bool valid = false;    // payload was ON or OFF (a number in range, for numbers)
  bool changed = false;  // the setting changed
  bool state = false;    // a switch's setting now
  std::string refused;   // non-empty: why the command was refused (0.14: no state is published)
  std::string payload;   // what to publish on …/state now
  // Other states the command changed, as (what, payload): detect ON turns motion on.
  std::vector<std::pair<std::string, std::string>> also;
};

// Applies `payload` to the setting named by `t`. An invalid or refused payload changes nothing.
CommandResult apply_set_command(const SwitchesMap& switches, const SetTopic& t, const std::string& payload);

// The retained `…/<what>/state` payload of `sw` (`ON`/`OFF`, or an integer for numbers).
std::string state_payload(const CameraSwitches& sw, const std::string& what);

// Every `what` with a retained state, in the order they are published on connect.
const std::vector<std::string>& state_topics();

// The accepted range of a number (`motion_threshold`, `motion_contour_area`), as HA's
// number entities send it.
std::pair<int, int> number_range(const std::string& what);

}  // namespace vigil
