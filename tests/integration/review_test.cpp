// Review segments end to end (ha-current.md §7, §5.8, §8.4) on the real vigil, vtest and a
// real mosquitto: `<p>/reviews` new → end (not retained) with review_status ALERT then
// NONE, the segment in /api/review (each `reviewed` value, the overlap window, filters),
// /api/reviews/viewed both ways, the thumbnail from /clips/review/, and a restart after a
// crash closing the segment it left open.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "harness.h"
#include "mqtt_harness.h"

namespace vigil::test {
namespace {

using json = nlohmann::json;

json json_get(int port, const std::string& path) {
  HttpResult r = http_get(port, path);
  EXPECT_EQ(r.status, 200) << path << " " << r.body;
  return json::parse(r.body, nullptr, false);
}

// The ids /api/review answers for `query`.
std::vector<std::string> review_ids(int port, const std::string& query) {
  std::vector<std::string> ids;
  json j = json_get(port, "/api/review" + query);
  if (!j.is_array()) return ids;
  for (const json& r : j) ids.push_back(r["id"]);
  return ids;
}

bool has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// POST /api/reviews/viewed with `body`: "<status> <body>".
std::string post_viewed(int port, const std::string& body) {
  return run("curl -s -o - -w ' %{http_code}' -X POST -H 'Content-Type: application/json' --data '" + body +
             "' http://127.0.0.1:" + std::to_string(port) + "/api/reviews/viewed");
}

// The `<p>/reviews` message of `type` (for segment `id`, if given) from index `from` on.
auto review_message(const std::string& type, const std::string& id = "") {
  return [type, id](const MqttMessage& m) {
    if (m.topic != "frigate/reviews") return false;
    json j = json::parse(m.payload, nullptr, false);
    return j.is_object() && j["type"] == type && (id.empty() || j["after"]["id"] == id);
  };
}

std::string config(int broker, int p14) {
  return "api:\n  host: 127.0.0.1\n  listeners:\n    - {port: $API_PORT, profile: \"0.8\"}\n    - {port: " +
         std::to_string(p14) +
         ", profile: \"0.14\"}\nrtsp_restream: {enabled: false}\nmqtt:\n  host: 127.0.0.1\n  port: " +
         std::to_string(broker) + "\n" + yolox_detectors_yaml() +
         "cameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
         "\n          input_args: -re -stream_loop -1\n          roles: [detect, record]\n"
         "    width: 768\n    height: 576\n    fps: 5\n    record: {enabled: true}\n"
         "    review: {alerts: {cutoff_time: 2}, detections: {cutoff_time: 2}}\n"
         "    zones:\n      yard:\n        coordinates: 0,0,767,0,767,575,0,575\n";
}

}  // namespace

TEST(Review, SegmentsOverMqttHttpThumbnailAndRestart) {
  ScopedEnv env;
  env.set("VIGIL_TEST_RECORD_SEGMENT_SECONDS", "2");
  Broker broker;
  Subscriber sub(broker.port(), "frigate/#");
  ASSERT_TRUE(sub.connected());
  const std::string dir = temp_dir();
  std::string first_id;
  double first_start = 0;
  {
    const int p14 = free_port();
    Vigil v(config(broker.port(), p14), dir);
    ASSERT_TRUE(v.wait_ready()) << v.log();
    // A person walks: a new alert segment, announced not retained, before == after.
    auto i = sub.wait_for(review_message("new"), 90);
    ASSERT_TRUE(i) << v.log();
    const MqttMessage m = sub.messages()[*i];
    EXPECT_FALSE(m.retain);
    json j = json::parse(m.payload);
    EXPECT_EQ(j["before"], j["after"]);
    first_id = j["after"]["id"];
    first_start = j["after"]["start_time"];
    EXPECT_EQ(j["after"]["severity"], "alert");
    EXPECT_TRUE(j["after"]["end_time"].is_null());
    EXPECT_EQ(j["after"]["thumb_path"], dir + "/media/clips/review/thumb-walk-" + first_id + ".webp");
    EXPECT_TRUE(sub.wait_for("frigate/walk/review_status", "ALERT", 10, *i));

    // The thumbnail, from the 0.8 static route /clips/ (both listeners serve it).
    HttpResult thumb;
    ASSERT_TRUE(eventually([&] {
      thumb = http_get(v.port(), "/clips/review/thumb-walk-" + first_id + ".webp");
      return thumb.status == 200;
    })) << thumb.status;
    EXPECT_EQ(thumb.content_type, "image/webp");
    cv::Mat img = cv::imdecode(std::vector<uchar>(thumb.body.begin(), thumb.body.end()), cv::IMREAD_COLOR);
    EXPECT_EQ(img.rows, 180);
    EXPECT_GT(img.cols, 300);

    // /api/review on the 0.14 listener, while the segment is open (the row is written by
    // the review thread: wait for it).
    ASSERT_TRUE(eventually([&] { return has(review_ids(p14, ""), first_id); }));
    const std::string id = first_id;
    const std::string s = std::to_string(first_start);
    EXPECT_TRUE(has(review_ids(p14, "?reviewed=0"), id));
    EXPECT_FALSE(has(review_ids(p14, "?reviewed=1"), id));
    EXPECT_TRUE(has(review_ids(p14, "?cameras=walk&labels=person&zones=yard&severity=alert"), id));
    EXPECT_FALSE(has(review_ids(p14, "?cameras=other"), id));
    EXPECT_FALSE(has(review_ids(p14, "?labels=car"), id));
    EXPECT_FALSE(has(review_ids(p14, "?zones=porch"), id));
    EXPECT_FALSE(has(review_ids(p14, "?severity=detection"), id));
    EXPECT_TRUE(has(
        review_ids(p14, "?after=" + std::to_string(first_start - 100) + "&before=" + std::to_string(first_start + 1)),
        id));  // open: overlaps any window after its start
    EXPECT_FALSE(has(
        review_ids(p14, "?after=" + std::to_string(first_start - 100) + "&before=" + std::to_string(first_start - 1)),
        id));
    json one = json_get(p14, "/api/review/" + id);
    EXPECT_EQ(one["id"], id);
    EXPECT_EQ(one["data"]["objects"], json::array({"person"}));
    EXPECT_FALSE(one["data"]["detections"].empty());
    EXPECT_EQ(http_get(p14, "/api/review/nope").status, 404);
    EXPECT_EQ(http_get(p14, "/api/review?severity=bad").status, 400);
    EXPECT_EQ(http_get(p14, "/api/review?reviewed=2").status, 400);

    // viewed: both ways; an empty list is 404, a body that is no JSON 400.
    EXPECT_EQ(post_viewed(p14, "{\"ids\":[\"" + id + "\"],\"reviewed\":true}"),
              "{\"message\":\"Marked multiple items as reviewed\",\"success\":true} 200");
    EXPECT_TRUE(has(review_ids(p14, "?reviewed=1"), id));
    EXPECT_FALSE(has(review_ids(p14, "?reviewed=0"), id));
    EXPECT_TRUE(has(review_ids(p14, ""), id));
    post_viewed(p14, "{\"ids\":[\"" + id + "\"],\"reviewed\":false}");
    EXPECT_TRUE(has(review_ids(p14, "?reviewed=0"), id));
    post_viewed(p14, "{\"ids\":[\"" + id + "\"]}");
    EXPECT_TRUE(has(review_ids(p14, "?reviewed=1"), id));
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' -X DELETE http://127.0.0.1:" + std::to_string(p14) +
                  "/api/review/" + id + "/viewed"),
              "200");
    EXPECT_TRUE(has(review_ids(p14, "?reviewed=0"), id));
    EXPECT_TRUE(post_viewed(p14, "{\"ids\":[]}").ends_with(" 404"));
    EXPECT_TRUE(post_viewed(p14, "nope").ends_with(" 400"));

    // A crash while the segment is open (people keep walking: it has not ended).
    ASSERT_TRUE(json_get(p14, "/api/review/" + id)["end_time"].is_null());
    v.process().kill_now();
  }
  {
    // Restart: the segment the crash left open is closed at start-up.
    const int p14 = free_port();
    Vigil v(config(broker.port(), p14), dir);
    ASSERT_TRUE(v.wait_ready()) << v.log();
    EXPECT_TRUE(v.wait_for_log("closed 1 review segment(s) a previous run left open", 5));
    json closed = json_get(p14, "/api/review/" + first_id);
    ASSERT_TRUE(closed["end_time"].is_number()) << closed;
    EXPECT_GE(closed["end_time"].get<double>(), first_start);

    // A new segment, then detection off: no active objects, the segment ends after its
    // cutoff (2 s) at its last activity; review_status NONE after ALERT.
    size_t mark = sub.size();
    auto i = sub.wait_for(review_message("new"), 90, mark);
    ASSERT_TRUE(i) << v.log();
    const std::string id = json::parse(sub.messages()[*i].payload)["after"]["id"];
    EXPECT_NE(id, first_id);
    sub.publish("frigate/walk/detect/set", "OFF");
    auto end = sub.wait_for(review_message("end", id), 60, *i);
    ASSERT_TRUE(end) << v.log();
    EXPECT_FALSE(sub.messages()[*end].retain);
    json j = json::parse(sub.messages()[*end].payload);
    EXPECT_TRUE(j["before"]["end_time"].is_null());
    ASSERT_TRUE(j["after"]["end_time"].is_number());
    EXPECT_GE(j["after"]["end_time"].get<double>(), j["after"]["start_time"].get<double>());
    EXPECT_TRUE(sub.wait_for("frigate/walk/review_status", "NONE", 10, *end));
    ASSERT_TRUE(eventually([&] { return json_get(p14, "/api/review/" + id)["end_time"].is_number(); }));
    // The window: an ended segment is outside one that starts after its end.
    const double ended = j["after"]["end_time"];
    EXPECT_FALSE(has(review_ids(p14, "?after=" + std::to_string(ended + 1)), id));
    EXPECT_TRUE(has(review_ids(p14, "?after=" + std::to_string(ended - 1)), id));

    // Its preview (the notification proxy's review_preview.gif, ha-current.md §2.5): a GIF
    // of [start − 8 s, end + 8 s] from the recordings; an MP4 of it with ?format=mp4.
    HttpResult gif;
    ASSERT_TRUE(eventually(
        [&] {  // the recordings up to end + 8 s close within a segment or two
          gif = http_get(p14, "/api/review/" + id + "/preview", 30);
          return gif.status == 200;
        },
        60))
        << gif.status << " " << gif.body;
    EXPECT_EQ(gif.content_type, "image/gif");
    EXPECT_EQ(gif.body.substr(0, 6), "GIF89a");
    HttpResult mp4 = http_get(p14, "/api/review/" + id + "/preview?format=mp4", 30);
    EXPECT_EQ(mp4.status, 200) << mp4.body;
    EXPECT_EQ(mp4.content_type, "video/mp4");
    EXPECT_NE(mp4.body.find("ftyp"), std::string::npos);
    EXPECT_EQ(http_get(p14, "/api/review/" + id + "/preview?format=webm").status, 400);
    EXPECT_EQ(http_get(p14, "/api/review/nope/preview").status, 404);
  }
}

}  // namespace vigil::test
