// Secrets kept out of /api/config, /api/stats and the log (config/redact.h).
#include "config/redact.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/config.h"

namespace vigil {
namespace {

using json = nlohmann::json;

TEST(Redact, SecretNames) {
  for (const char* name : {"password", "PASSWORD", "passwd", "pwd", "pass", "FRIGATE_RTSP_PASS", "mqttPassword",
                           "secret", "client_secret", "token", "access_token", "AccessToken", "key", "api_key",
                           "apikey", "x-api-key", "auth", "credentials", "passphrase"})
    EXPECT_TRUE(is_secret_name(name)) << name;
  for (const char* name : {"user", "host", "passport", "keyboard", "monkey", "path", "max_seconds", "author",
                           "topic_prefix", "client_id", "keyframes", ""})
    EXPECT_FALSE(is_secret_name(name)) << name;
}

TEST(Redact, UrlCredentialsAndSecretParameters) {
  EXPECT_EQ(mask_credentials("http://cam/a?token=abc&x=1&api_key=k1;key=k2#f"),
            "http://cam/a?token=*****&x=1&api_key=*****;key=*****#f");
  EXPECT_EQ(mask_credentials("rtmp://u:p@h/live?secret=s x=1"), "rtmp://u:*****@h/live?secret=***** x=1");
  EXPECT_EQ(mask_credentials("a?keyboard=1&passport=2"), "a?keyboard=1&passport=2");
  EXPECT_EQ(mask_credentials("a?token="), "a?token=");  // nothing to hide
}

TEST(Redact, JsonDocument) {
  json doc = json::parse(R"({
    "environment_vars": {"FRIGATE_EXTRA": "v1", "FRIGATE_RTSP_PASSWORD": "v2"},
    "mqtt": {"user": "nvr", "password": "mq", "host": "broker"},
    "cameras": {"key": {"name": "key", "url": "rtsp://a:b@h/x", "zones": {"token": {"coordinates": "0,0,1,1"}}}},
    "detectors": {"d": {"api_key": "k", "num_threads": 3, "tokens": ["t1", "t2"]}},
    "labels": {"keyboard": "kb"}
  })");
  redact_json(doc);
  EXPECT_EQ(doc["environment_vars"], json::parse(R"({"FRIGATE_EXTRA": "*****", "FRIGATE_RTSP_PASSWORD": "*****"})"));
  EXPECT_EQ(doc["mqtt"], json::parse(R"({"user": "nvr", "password": "*****", "host": "broker"})"));
  // A camera or zone *named* like a secret keeps its settings; only string values of a
  // secret key are hidden.
  EXPECT_EQ(doc["cameras"]["key"]["name"], "key");
  EXPECT_EQ(doc["cameras"]["key"]["url"], "rtsp://a:*****@h/x");
  EXPECT_EQ(doc["cameras"]["key"]["zones"]["token"]["coordinates"], "0,0,1,1");
  EXPECT_EQ(doc["detectors"]["d"]["api_key"], "*****");
  EXPECT_EQ(doc["detectors"]["d"]["num_threads"], 3);
  EXPECT_EQ(doc["detectors"]["d"]["tokens"], json::parse(R"(["*****", "*****"])"));
  EXPECT_EQ(doc["labels"]["keyboard"], "kb");
}

TEST(Redact, ApiConfigHidesEnvironmentValuesAndMqttPassword) {
  Config c = parse_config(
      "environment_vars: {FRIGATE_EXTRA_PASSWORD: env-s3cret, FRIGATE_PLAIN: plain-value}\n"
      "mqtt: {host: broker.lan, user: nvr, password: mqtt-s3cret}\n"
      "cameras:\n  back:\n    ffmpeg:\n      inputs:\n"
      "        - path: rtsp://nvr:rtsp-s3cret@10.0.0.1:554/x?token=tok-s3cret\n          roles: [detect]\n"
      "    width: 640\n    height: 360\n",
      false);
  const std::string text = config_to_api_json(c);
  for (const char* secret : {"env-s3cret", "plain-value", "mqtt-s3cret", "rtsp-s3cret", "tok-s3cret"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
  json doc = json::parse(text);
  EXPECT_EQ(doc["environment_vars"], json::parse(R"({"FRIGATE_EXTRA_PASSWORD": "*****", "FRIGATE_PLAIN": "*****"})"));
  EXPECT_EQ(doc["mqtt"]["user"], "nvr");
  EXPECT_NE(doc["cameras"]["back"]["ffmpeg_cmds"][0]["cmd"].get<std::string>().find(
                "rtsp://nvr:*****@10.0.0.1:554/x?token=*****"),
            std::string::npos);
}

}  // namespace
}  // namespace vigil
