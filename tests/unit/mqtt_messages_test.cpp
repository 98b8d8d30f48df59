// MQTT payloads, `…/set` topics and switches (mqtt.md §2.5, §3), without a broker.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/switches.h"
#include "mqtt/mqtt_commands.h"
#include "mqtt/mqtt_messages.h"

namespace vigil {
namespace {

TrackedObject person(const std::string& id, double t) {
  TrackedObject o;
  o.id = id;
  o.label = "person";
  o.start_time = 100.25;
  o.frame_time = t;
  o.score = 0.8;
  o.box = {10, 20, 40, 100};
  o.area = 30 * 80;
  o.region = {0, 0, 300, 300};
  o.top_score = 0.9;
  o.true_positive = true;
  o.current_zones = {"lawn"};
  o.entered_zones = {"porch", "lawn"};
  return o;
}

TEST(MqttMessages, EventJsonFieldsInOrder) {
  EventMessage m{EventMessage::kEnd, "garden", person("100.25-abc", 101), person("100.25-abc", 105), 106.5};
  m.before.current_zones.clear();
  std::string text = event_json(m);
  EXPECT_EQ(text.rfind("{\"before\":{\"id\":\"100.25-abc\",\"camera\":\"garden\",\"frame_time\":101", 0), 0u) << text;
  auto j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> top, keys;
  for (auto it = j.begin(); it != j.end(); ++it) top.push_back(it.key());
  EXPECT_EQ(top, (std::vector<std::string>{"before", "after", "type"}));
  for (auto it = j["after"].begin(); it != j["after"].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "camera", "frame_time", "label", "top_score", "false_positive",
                                            "start_time", "end_time", "score", "box", "area", "region",
                                            "current_zones", "entered_zones", "thumbnail"}));
  EXPECT_EQ(j["type"], "end");
  EXPECT_TRUE(j["before"]["end_time"].is_null());
  EXPECT_EQ(j["after"]["end_time"], 106.5);
  EXPECT_EQ(j["after"]["box"], nlohmann::json::array({10, 20, 40, 100}));
  EXPECT_EQ(j["after"]["area"], 2400);
  EXPECT_EQ(j["after"]["false_positive"], false);
  EXPECT_EQ(j["after"]["entered_zones"], nlohmann::json::array({"porch", "lawn"}));
  EXPECT_TRUE(j["after"]["thumbnail"].is_null());

  m.type = EventMessage::kNew;
  m.before.true_positive = false;
  j = nlohmann::ordered_json::parse(event_json(m));
  EXPECT_EQ(j["type"], "new");
  EXPECT_EQ(j["before"]["false_positive"], true);
  EXPECT_TRUE(j["after"]["end_time"].is_null());
  m.type = EventMessage::kUpdate;
  EXPECT_EQ(nlohmann::json::parse(event_json(m))["type"], "update");
}

TEST(MqttMessages, SetTopics) {
  auto t = parse_set_topic("frigate", "frigate/back/detect/set");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->camera, "back");
  EXPECT_EQ(t->what, "detect");
  t = parse_set_topic("home/nvr", "home/nvr/front/snapshots/set");  // a prefix with '/'
  ASSERT_TRUE(t);
  EXPECT_EQ(t->camera, "front");
  EXPECT_EQ(t->what, "snapshots");
  EXPECT_FALSE(parse_set_topic("frigate", "frigate/back/detect/state"));
  EXPECT_FALSE(parse_set_topic("frigate", "frigate/back/record/set"));
  EXPECT_FALSE(parse_set_topic("frigate", "other/back/clips/set"));
  EXPECT_FALSE(parse_set_topic("frigate", "frigatex/back/clips/set"));
  EXPECT_FALSE(parse_set_topic("frigate", "frigate//clips/set"));
  EXPECT_EQ(parse_switch_payload("ON"), std::optional<bool>(true));
  EXPECT_EQ(parse_switch_payload("OFF"), std::optional<bool>(false));
  EXPECT_FALSE(parse_switch_payload("on"));
  EXPECT_FALSE(parse_switch_payload("true"));
  EXPECT_FALSE(parse_switch_payload(""));
}

TEST(MqttMessages, CommandsChangeSwitchesAndApiConfig) {
  CameraConfig c;
  c.name = "back";
  c.detect_enabled = true;
  c.clips.enabled = false;
  c.snapshots.enabled = true;
  SwitchesMap sw{{"back", std::make_shared<CameraSwitches>(c)}};
  auto r = apply_set_command(sw, {"back", "clips"}, "ON");
  EXPECT_TRUE(r.known_camera && r.valid && r.changed && r.state);
  r = apply_set_command(sw, {"back", "clips"}, "ON");
  EXPECT_TRUE(r.valid && !r.changed && r.state);
  r = apply_set_command(sw, {"back", "detect"}, "maybe");  // invalid: unchanged, current state
  EXPECT_TRUE(r.known_camera && !r.valid && !r.changed && r.state);
  EXPECT_TRUE(sw["back"]->detect);
  r = apply_set_command(sw, {"back", "detect"}, "OFF");
  EXPECT_TRUE(r.changed && !r.state);
  EXPECT_FALSE(apply_set_command(sw, {"front", "detect"}, "OFF").known_camera);

  std::string doc = R"({"cameras":{"back":{"clips":{"enabled":false,"pre_capture":5},"detect":{"enabled":true},)"
                    R"("snapshots":{"enabled":true}}},"mqtt":{"host":null}})";
  auto j = nlohmann::json::parse(config_json_with_switches(doc, sw));
  EXPECT_EQ(j["cameras"]["back"]["clips"]["enabled"], true);
  EXPECT_EQ(j["cameras"]["back"]["clips"]["pre_capture"], 5);
  EXPECT_EQ(j["cameras"]["back"]["detect"]["enabled"], false);
  EXPECT_EQ(j["cameras"]["back"]["snapshots"]["enabled"], true);
}

}  // namespace
}  // namespace vigil
