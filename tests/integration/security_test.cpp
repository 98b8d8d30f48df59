// Issue #19 against the real binary: the media routes serve only what vigil writes
// (never the database under any name, no symbolic link followed, no hidden file), and
// secrets never reach /api/config, /api/stats or the log.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "mqtt_harness.h"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

// The request line and headers sent byte for byte (escape attempts httplib's client
// would normalise). Returns the whole response.
std::string raw_request(int port, const std::string& request) {
  const int fd = connect_to(port);
  std::string out;
  if (fd >= 0 && write(fd, request.data(), request.size()) == ssize_t(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
  }
  if (fd >= 0) close(fd);
  return out;
}

int raw_status(int port, const std::string& target) {
  std::string r = raw_request(port, "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  return r.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(r.substr(9, 3)) : 0;
}

// vigil with its database at `db_name` inside clips/, and what an attacker could have
// left in the media folder: links to the database, to .pending, out of the folder.
class DatabaseName : public ::testing::TestWithParam<std::string> {};

TEST_P(DatabaseName, NeverServedOrListed) {
  const std::string dir = temp_dir(), media = dir + "/media", clips = media + "/clips";
  const std::string db = clips + "/" + GetParam();
  Vigil v("database: {path: " + db + "}\ncameras: {}\n", dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // SQLite in WAL mode keeps -wal and -shm beside the database while it is open.
  ASSERT_TRUE(eventually([&] { return fs::exists(db) && fs::exists(db + "-wal") && fs::exists(db + "-shm"); }))
      << v.log();
  write_file(db + "-journal", "journal");  // as a rollback-mode database would have

  write_file(clips + "/garden-1.jpg", "snapshot");  // what must still be served
  write_file(clips + "/.pending/back-1.jpg", "pending");
  write_file(dir + "/outside-1.jpg", "outside");
  fs::create_symlink(db, clips + "/db-link.jpg");
  fs::create_symlink(db, clips + "/garden-dblink.jpg");
  fs::create_symlink(db + "-wal", clips + "/wal-link.mp4");
  fs::create_symlink(db + "-wal", clips + "/garden-wal.mp4");
  fs::create_symlink(clips + "/.pending", clips + "/pend-link");
  fs::create_symlink(dir + "/outside-1.jpg", clips + "/garden-out.jpg");
  fs::create_symlink(dir, clips + "/out-dir");
  fs::create_hard_link(db, clips + "/garden-hard.mp4");  // the database under a served name
  write_file(dir + "/elsewhere/04/15/garden/07.00.mp4", "outside segment");
  fs::create_symlink(dir + "/elsewhere", media + "/recordings/2021-04");
  fs::create_symlink(db, media + "/recordings/db-link");

  const std::string name = GetParam();
  const std::string enc = "%" + [&] {
    char h[3];
    snprintf(h, sizeof h, "%02x", static_cast<unsigned char>(name[0]));
    return std::string(h);
  }() + name.substr(1);  // first character percent-encoded
  std::vector<std::string> refused = {"/clips/" + name,
                                      "/clips//" + name,
                                      "/clips/" + enc,
                                      "/clips/" + name + "?x=1",
                                      "/clips/" + name + "#x",
                                      "/clips/./" + name,
                                      "/clips/%2e/" + name,
                                      "/clips/.pending/../" + name,
                                      "/recordings/../clips/" + name,
                                      "/recordings/%2e%2e/clips/" + name,
                                      "/clips/db-link.jpg",
                                      "/clips/garden-dblink.jpg",
                                      "/clips/wal-link.mp4",
                                      "/clips/garden-wal.mp4",
                                      "/clips/garden-hard.mp4",
                                      "/clips/pend-link/back-1.jpg",
                                      "/clips/pend-link/",
                                      "/clips/.pending/back-1.jpg",
                                      "/clips/%2epending/back-1.jpg",
                                      "/clips/garden-out.jpg",
                                      "/clips/out-dir/outside-1.jpg",
                                      "/clips/out-dir/",
                                      "/recordings/2021-04/04/15/garden/07.00.mp4",
                                      "/recordings/2021-04/",
                                      "/recordings/db-link"};
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    refused.push_back("/clips/" + name + suffix);
    refused.push_back("/clips/" + enc + suffix);
    refused.push_back("/clips//" + name + suffix + "?x=1");
  }
  for (const auto& path : refused) {
    const int raw = raw_status(v.port(), path);  // 400: a target httplib will not parse ('#')
    EXPECT_TRUE(raw == 404 || raw == 400) << path << ": " << raw;
    auto r = http_get(v.port(), path);  // the same through an ordinary client
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("SQLite format"), std::string::npos) << path;
  }
  auto ok = http_get(v.port(), "/clips/garden-1.jpg");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "snapshot");

  // Listings name exactly what is served.
  auto clips_listing = http_get(v.port(), "/clips/");
  ASSERT_EQ(clips_listing.status, 200);
  EXPECT_NE(clips_listing.body.find("garden-1.jpg"), std::string::npos) << clips_listing.body;
  for (const std::string& hidden : {name, std::string("link"), std::string("garden-hard"), std::string("pend"),
                                    std::string("garden-out"), std::string("out-dir"), std::string("journal")})
    EXPECT_EQ(clips_listing.body.find(hidden), std::string::npos) << hidden << " in " << clips_listing.body;
  auto rec_listing = http_get(v.port(), "/recordings/");
  ASSERT_EQ(rec_listing.status, 200);
  EXPECT_EQ(rec_listing.body, "[\r\n]");  // links only: nothing to list
}

// A name no rule would serve, the default, and names the clip rules allow (only the
// device and inode check keeps those out).
INSTANTIATE_TEST_SUITE_P(Names, DatabaseName,
                         ::testing::Values("events.sqlite", "frigate.db", "x.mp4", "garden-1607123955.5-db.mp4"),
                         [](const auto& info) {
                           std::string n;
                           for (char c : info.param) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

// environment_vars values, the MQTT password and URL credentials appear nowhere: not in
// /api/config, /api/stats, nor in what vigil wrote to stdout/stderr while its camera
// and MQTT connections failed (the log lines that quote the input URL and the broker).
TEST(Secrets, NotInApiNorLog) {
  const int dead_port = free_port();  // nothing listens: connections fail and are logged
  const std::string yaml =
      "logger: {default: debug}\n"
      "environment_vars:\n"
      "  FRIGATE_EXTRA_PASSWORD: env-s3cret-1\n"
      "  FRIGATE_RTSP_PASSWORD: rtsp-s3cret-2\n"
      "mqtt:\n"
      "  host: 127.0.0.1\n"
      "  port: " +
      std::to_string(dead_port) +
      "\n"
      "  user: nvr\n"
      "  password: mqtt-s3cret-3\n"
      "cameras:\n"
      "  back:\n"
      "    ffmpeg:\n"
      "      global_args: -hide_banner -loglevel debug\n"
      "      inputs:\n"
      "        - path: rtsp://admin:{FRIGATE_RTSP_PASSWORD}@127.0.0.1:" +
      std::to_string(dead_port) +
      "/x?token=tok-s3cret-4\n"
      "          roles: [detect]\n"
      "    width: 640\n"
      "    height: 360\n";
  Vigil v(yaml);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // Past the lines that would show them: the camera's input was tried and reported,
  // and so was the broker.
  ASSERT_TRUE(eventually([&] {
    const std::string log = v.log();
    return log.find("reconnecting") != std::string::npos && log.find("broker 127.0.0.1") != std::string::npos;
  })) << v.log();

  auto config = http_get(v.port(), "/api/config");
  auto stats = http_get(v.port(), "/api/stats");
  ASSERT_EQ(config.status, 200);
  ASSERT_EQ(stats.status, 200);
  const std::string log = v.log();
  for (const char* secret : {"env-s3cret-1", "rtsp-s3cret-2", "mqtt-s3cret-3", "tok-s3cret-4"}) {
    EXPECT_EQ(config.body.find(secret), std::string::npos) << secret << " in " << config.body;
    EXPECT_EQ(stats.body.find(secret), std::string::npos) << secret << " in " << stats.body;
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log:\n" << log;
  }
  auto doc = nlohmann::json::parse(config.body);
  EXPECT_EQ(doc["environment_vars"],
            nlohmann::json::parse(R"({"FRIGATE_EXTRA_PASSWORD": "*****", "FRIGATE_RTSP_PASSWORD": "*****"})"));
  EXPECT_EQ(doc["mqtt"]["user"], "nvr");
  EXPECT_FALSE(doc["mqtt"].contains("password"));
  EXPECT_NE(doc["cameras"]["back"]["ffmpeg_cmds"][0]["cmd"].get<std::string>().find("rtsp://admin:*****@127.0.0.1:"),
            std::string::npos);
  EXPECT_NE(log.find("rtsp://admin:*****@127.0.0.1:"), std::string::npos) << log;  // the URL is logged, masked
}

// The same secrets in what vigil publishes: a real mosquitto with a password, a camera
// whose URL carries credentials; no topic or payload vigil sends (availability, stats,
// camera states) nor its log holds the environment_vars value, the MQTT password or the
// RTSP password.
TEST(Secrets, NotInMqttMessages) {
  const std::pair<std::string, std::string> user{"nvr", "mqtt-s3cret-3"};
  Broker broker(user);
  broker.start();
  Subscriber sub(broker.port(), "#", user);
  Vigil v(
      "environment_vars:\n  FRIGATE_EXTRA_PASSWORD: env-s3cret-1\n  FRIGATE_RTSP_PASSWORD: rtsp-s3cret-2\n"
      "mqtt:\n  host: 127.0.0.1\n  port: " +
      std::to_string(broker.port()) +
      "\n  user: nvr\n  password: mqtt-s3cret-3\n  stats_interval: 5\n"
      "cameras:\n  back:\n    ffmpeg:\n      inputs:\n        - path: rtsp://admin:{FRIGATE_RTSP_PASSWORD}@127.0.0.1:" +
      std::to_string(free_port()) +
      "/x?token=tok-s3cret-4\n          roles: [detect]\n    width: 640\n    height: 360\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // Past a stats message (the whole /api/stats document) and the camera's states.
  ASSERT_TRUE(sub.wait_for([](const MqttMessage& m) { return m.topic == "frigate/stats"; }, 60)) << v.log();
  ASSERT_TRUE(sub.wait_for([](const MqttMessage& m) { return m.topic == "frigate/back/detect/state"; }, 60));
  const auto messages = sub.messages();
  const std::string log = v.log();
  for (const char* secret : {"env-s3cret-1", "rtsp-s3cret-2", "mqtt-s3cret-3", "tok-s3cret-4"}) {
    for (const MqttMessage& m : messages) {
      EXPECT_EQ(m.topic.find(secret), std::string::npos) << m.topic;
      EXPECT_EQ(m.payload.find(secret), std::string::npos) << m.topic << ": " << m.payload;
    }
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log:\n" << log;
  }
}

// X-Ingress-Path is written into index.html: only a plain path is applied; anything
// else is ignored (the page as without the header) and counted in
// /api/stats service.rejected_ingress_headers.
TEST(Ingress, OnlyPlainPathsReachThePage) {
  const std::string dir = temp_dir(), web = dir + "/web";
  const std::string index =
      "<!doctype html><html><head><script type=\"module\" src=\"/assets/index-AbC123xy.js\"></script></head>"
      "<body></body></html>\n";
  write_file(web + "/index.html", index);
  setenv("VIGIL_WEB_DIR", web.c_str(), 1);
  Vigil v("cameras: {}\n", dir);
  unsetenv("VIGIL_WEB_DIR");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  auto rejected = [&] {
    auto s = nlohmann::json::parse(http_get(v.port(), "/api/stats").body);
    EXPECT_EQ(s.size(), 3u) << s.dump();  // detection_fps, detectors, service: no new top-level key
    return s["service"]["rejected_ingress_headers"].get<int>();
  };
  auto page = [&](const std::string& value) {
    httplib::Client c("127.0.0.1", v.port());
    c.set_read_timeout(5);
    auto r = c.Get("/events", {{"X-Ingress-Path", value}});
    return r ? r->body : std::string("<no answer>");
  };
  ASSERT_EQ(rejected(), 0);

  const std::string good = page("/api/hassio_ingress/abc");
  EXPECT_NE(good.find("src=\"/api/hassio_ingress/abc/assets/index-AbC123xy.js\""), std::string::npos) << good;
  EXPECT_NE(good.find("window.baseUrl=\"/api/hassio_ingress/abc/\""), std::string::npos) << good;
  EXPECT_EQ(page("/api/hassio_ingress/abc/"), good);  // a trailing slash is the same prefix
  EXPECT_EQ(rejected(), 0);

  const std::vector<std::string> bad = {"//evil.example",
                                        "//evil.example/x",
                                        "/\"><script>alert(1)</script>",
                                        "/x\"onload=\"alert(1)",
                                        "/a/../b",
                                        "/a/./b",
                                        "/..",
                                        "/a//b",
                                        "evil.example/a",
                                        "/a%0d%0aSet-Cookie:x=1",
                                        "/a b",
                                        "/a\\b",
                                        "/a<b"};
  for (const auto& value : bad) EXPECT_EQ(page(value), index) << value;
  EXPECT_EQ(rejected(), int(bad.size()));

  // A bare CR inside the value, and a line folded after CRLF: what follows the CR never
  // reaches the page (httplib may end the value there: "/ok" is then a plain path).
  const std::string ok_page =
      "<!doctype html><html><head><script>window.baseUrl=\"/ok/\";</script><script type=\"module\" "
      "src=\"/ok/assets/index-AbC123xy.js\"></script></head><body></body></html>\n";
  for (const std::string& header : {std::string("X-Ingress-Path: /ok\rSet-Cookie: x=1\r\n"),
                                    std::string("X-Ingress-Path: /ok\r\n <script>evil()</script>\r\n")}) {
    const std::string r =
        raw_request(v.port(), "GET /events HTTP/1.1\r\nHost: x\r\n" + header + "Connection: close\r\n\r\n");
    ASSERT_FALSE(r.empty()) << header;
    EXPECT_EQ(r.find("evil()"), std::string::npos) << r;
    EXPECT_EQ(r.find("Set-Cookie"), std::string::npos) << r;
    const size_t body = r.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos) << r;
    const std::string page = r.substr(body + 4);
    EXPECT_TRUE(r.rfind("HTTP/1.1 400", 0) == 0 || page == index || page == ok_page) << r;
  }

  // The web UI is same-origin: no CORS headers, and never an echoed origin.
  httplib::Client c("127.0.0.1", v.port());
  auto r = c.Get("/", {{"Origin", "http://evil.example"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Access-Control-Allow-Origin"), "http://evil.example");
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Credentials"));
}

}  // namespace
}  // namespace vigil::test
