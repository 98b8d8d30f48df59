// MQTT payloads and topics (mqtt.md §2–§3) as pure functions.
#pragma once

#include <optional>
#include <string>

#include "events/event_lifecycle.h"

namespace vigil {

// `<prefix>/events` payload: {"before", "after", "type"} with the object fields in
// the spec's order.
std::string event_json(const EventMessage& m);

// A `<prefix>/<camera>/<switch>/set` topic. The camera is the third-from-last level,
// so prefixes with `/` work.
struct SetTopic {
  std::string camera;
  std::string what;  // detect | clips | snapshots, or a 0.14 name of state_topics()
};
std::optional<SetTopic> parse_set_topic(const std::string& prefix, const std::string& topic);

// `ON` → true, `OFF` → false (exact, upper case); anything else: nullopt.
std::optional<bool> parse_switch_payload(const std::string& payload);

}  // namespace vigil
