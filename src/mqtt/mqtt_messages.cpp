#include "mqtt/mqtt_messages.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "mqtt/mqtt_commands.h"

namespace vigil {
namespace {

using ojson = nlohmann::ordered_json;

ojson box_json(const Box& b) { return ojson::array({b.x1, b.y1, b.x2, b.y2}); }

ojson object_json(const std::string& camera, const TrackedObject& o, std::optional<double> end_time) {
  ojson j;
  j["id"] = o.id;
  j["camera"] = camera;
  j["frame_time"] = o.frame_time;
  j["label"] = o.label;
  j["top_score"] = o.top_score;
  j["false_positive"] = !o.true_positive;
  j["start_time"] = o.start_time;
  j["end_time"] = end_time ? ojson(*end_time) : ojson(nullptr);
  j["score"] = o.score;
  j["box"] = box_json(o.box);
  j["area"] = o.area;
  j["region"] = box_json(o.region);
  j["current_zones"] = o.current_zones;
  j["entered_zones"] = o.entered_zones;
  j["thumbnail"] = nullptr;
  return j;
}

}  // namespace

std::string event_json(const EventMessage& m) {
  ojson j;
  j["before"] = object_json(m.camera, m.before, std::nullopt);
  bool end = m.type == EventMessage::kEnd;
  j["after"] = object_json(m.camera, m.after, end ? std::optional<double>(m.end_time) : std::nullopt);
  j["type"] = m.type == EventMessage::kNew ? "new" : m.type == EventMessage::kUpdate ? "update" : "end";
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::optional<SetTopic> parse_set_topic(const std::string& prefix, const std::string& topic) {
  if (topic.size() <= prefix.size() + 1 || topic.compare(0, prefix.size(), prefix) != 0 || topic[prefix.size()] != '/')
    return std::nullopt;
  std::string rest = topic.substr(prefix.size() + 1);  // <camera>/<what>/set
  size_t a = rest.find('/');
  if (a == std::string::npos || a == 0) return std::nullopt;
  size_t b = rest.find('/', a + 1);
  if (b == std::string::npos || rest.substr(b + 1) != "set") return std::nullopt;
  SetTopic t{rest.substr(0, a), rest.substr(a + 1, b - a - 1)};
  if (t.what != "clips" && std::find(state_topics().begin(), state_topics().end(), t.what) == state_topics().end())
    return std::nullopt;
  return t;
}

std::optional<bool> parse_switch_payload(const std::string& payload) {
  if (payload == "ON") return true;
  if (payload == "OFF") return false;
  return std::nullopt;
}

}  // namespace vigil
