// The "0.14" API profile's pieces: api.listeners in the config, time zones, JSON shapes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/profile14_json.h"
#include "api/time_zone.h"
#include "config/config.h"
#include "storage/media_layout.h"
#include "storage/recording_hours.h"

namespace vigil {
namespace {

const std::string kCamera =
    "cameras:\n  back:\n    ffmpeg:\n      inputs:\n        - path: rtsp://cam/1\n          roles: [detect]\n"
    "    width: 640\n    height: 360\n";

std::vector<std::string> errors_of(const std::string& text) {
  try {
    parse_config(text, false);
  } catch (const ConfigError& e) {
    return e.lines;
  }
  ADD_FAILURE() << "config was accepted:\n" << text;
  return {};
}

TEST(ApiListeners, WithoutListenersOne08ListenerOnApiPort) {
  Config c = parse_config("api: {host: 127.0.0.2, port: 5123}\n" + kCamera, false);
  ASSERT_EQ(c.api_listeners.size(), 1u);
  EXPECT_EQ(c.api_listeners[0].host, "127.0.0.2");
  EXPECT_EQ(c.api_listeners[0].port, 5123);
  EXPECT_EQ(c.api_listeners[0].profile, "0.8");
}

TEST(ApiListeners, TwoProfilesHostDefaultsToApiHost) {
  Config c = parse_config(
      "api:\n  host: 127.0.0.3\n  listeners:\n    - {port: 5000, profile: \"0.8\"}\n"
      "    - {port: 5014, profile: \"0.14\", host: 0.0.0.0}\n" +
          kCamera,
      false);
  ASSERT_EQ(c.api_listeners.size(), 2u);
  EXPECT_EQ(c.api_listeners[0].host, "127.0.0.3");
  EXPECT_EQ(c.api_listeners[1].host, "0.0.0.0");
  EXPECT_EQ(c.api_listeners[1].port, 5014);
  EXPECT_EQ(c.api_listeners[1].profile, "0.14");
}

TEST(ApiListeners, ErrorsNameTheKey) {
  auto e = errors_of(
      "api:\n  listeners:\n    - {port: 5000, profile: \"0.8\"}\n    - {port: 5014, profile: \"0.9\"}\n" + kCamera);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("api.listeners[1].profile: must be \"0.8\" or \"0.14\""), std::string::npos) << e[0];
  e = errors_of("api:\n  listeners:\n    - {port: 5000, profile: \"0.8\"}\n    - {port: 5000, profile: \"0.14\"}\n" +
                kCamera);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("api.listeners[1].port: duplicate port 5000"), std::string::npos) << e[0];
  e = errors_of("api:\n  listeners:\n    - {profile: \"0.8\", colour: red}\n" + kCamera);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_NE(e[0].find("api.listeners[0]"), std::string::npos) << e[0];
  e = errors_of("api:\n  listeners: 5000\n" + kCamera);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("api.listeners: expected a list"), std::string::npos) << e[0];
}

TEST(TimeZone, UtcFixedOffsetsAndIanaNames) {
  EXPECT_EQ(utc_offset("utc", 0), 0);
  EXPECT_EQ(utc_offset("UTC", 0), 0);
  EXPECT_EQ(utc_offset("+05:30", 0), 5 * 3600 + 1800);
  EXPECT_EQ(utc_offset("-0800", 0), -8 * 3600);
  EXPECT_EQ(utc_offset("+02", 0), 2 * 3600);
  EXPECT_FALSE(utc_offset("../../etc/passwd", 0));
  EXPECT_FALSE(utc_offset("No/Such_Zone", 0));
  EXPECT_FALSE(utc_offset("+25:00", 0));
  if (!utc_offset("Europe/Berlin", 0)) GTEST_SKIP() << "no /usr/share/zoneinfo/Europe/Berlin";
  EXPECT_EQ(utc_offset("Europe/Berlin", 1736000000), 3600);       // 2025-01-04: CET
  EXPECT_EQ(utc_offset("Europe/Berlin", 1751500000), 7200);       // 2025-07-03: CEST
  EXPECT_EQ(utc_offset("America/New_York", 1751500000), -14400);  // EDT
  EXPECT_EQ(utc_offset("Asia/Kolkata", 1751500000), 19800);
}

TEST(TimeZone, BrokenTzifIsRefused) {
  EXPECT_FALSE(tzif_offset("", 0));
  EXPECT_FALSE(tzif_offset("TZif2 short", 0));
}

TEST(Profile14Json, EventHasDataAndTopScore) {
  EventRecord e;
  e.id = "1.0-abc";
  e.camera = "back";
  e.label = "person";
  e.start_time = 1718987123.5;
  e.end_time = 1718987160.25;
  e.top_score = 0.84;
  e.zones = {"steps"};
  nlohmann::json j = event14(e, false, false);
  EXPECT_TRUE(j["data"].is_object());
  EXPECT_DOUBLE_EQ(j["data"]["top_score"].get<double>(), 0.84);
  EXPECT_EQ(j["data"]["type"], "object");
  EXPECT_TRUE(j.contains("top_score"));
  EXPECT_FALSE(j.contains("thumbnail"));
}

TEST(Profile14Json, SummaryDaysFollowTheOffset) {
  EventRecord e;
  e.camera = "back";
  e.label = "person";
  e.start_time = 1718926200;  // 2024-06-20 23:30 UTC
  auto utc = nlohmann::json::parse(summary14_json({e, e}, 0));
  auto berlin = nlohmann::json::parse(summary14_json({e}, 7200));
  ASSERT_EQ(utc.size(), 1u);
  EXPECT_EQ(utc[0]["day"], "2024-06-20");
  EXPECT_EQ(utc[0]["count"], 2);
  EXPECT_TRUE(utc[0]["zones"].is_array());
  EXPECT_EQ(berlin[0]["day"], "2024-06-21");
}

TEST(Profile14Json, RecordingsSummaryHoursAreTwoDigitsNewestFirst) {
  std::vector<RecordingFile> files = {{1718926200, 60, 1000}, {1718926260, 60, 1000}, {1718930000, 30, 500}};
  auto j = nlohmann::json::parse(recordings_summary14_json(files, {1718926210}, {}, 0));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["day"], "2024-06-21");
  EXPECT_EQ(j[0]["hours"][0]["hour"], "00");
  EXPECT_EQ(j[1]["day"], "2024-06-20");
  EXPECT_EQ(j[1]["hours"][0]["hour"], "23");
  EXPECT_EQ(j[1]["hours"][0]["duration"], 120);
  EXPECT_EQ(j[1]["hours"][0]["events"], 1);
}

}  // namespace
}  // namespace vigil

namespace vigil {
namespace {

TEST(RecordingHours, SegmentsInRangeOldestFirstDurationCappedByTheNext) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("vigil-rec-hours-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const double t0 = local_time(2024, 6, 21, 13, 0, 0);
  const RecordingSegmentName a = RecordingSegmentName::at("back", t0), b = RecordingSegmentName::at("back", t0 + 60),
                             c = RecordingSegmentName::at("back", t0 + 3600), other = RecordingSegmentName::at("x", t0);
  for (const auto* n : {&a, &b, &c, &other}) {
    fs::create_directories(root / n->folder());
    std::ofstream(root / n->relative_path()) << "0123456789";
  }
  fs::create_directories(root / "2024-06" / "21" / "13" / "back");
  std::ofstream(root / "2024-06/21/13/back/.05.00.mp4.part") << "x";  // being written: not listed
  std::ofstream(root / "2024-06/21/13/back/notes.txt") << "x";
  // mtimes: a ends 50 s in; b "ends" long after c starts (capped at c's start).
  auto set_mtime = [&](const RecordingSegmentName& n, double wall) {
    const timespec ts[2] = {{time_t(wall), 0}, {time_t(wall), 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, (root / n.relative_path()).c_str(), ts, 0), 0);
  };
  set_mtime(a, t0 + 50);
  set_mtime(b, t0 + 7200);
  set_mtime(c, t0 + 3630);
  auto all = recording_files(root.string(), "back", -1e18, 1e18);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_DOUBLE_EQ(all[0].start, t0);
  EXPECT_DOUBLE_EQ(all[0].duration, 50);
  EXPECT_EQ(all[0].bytes, 10u);
  EXPECT_DOUBLE_EQ(all[1].start, t0 + 60);
  EXPECT_DOUBLE_EQ(all[1].duration, 3600 - 60);
  EXPECT_DOUBLE_EQ(all[2].duration, 30);
  auto some = recording_files(root.string(), "back", t0 + 1, t0 + 3600);
  ASSERT_EQ(some.size(), 1u);
  EXPECT_DOUBLE_EQ(some[0].start, t0 + 60);
  EXPECT_TRUE(recording_files((root / "missing").string(), "back", -1e18, 1e18).empty());
  fs::remove_all(root);
}

}  // namespace
}  // namespace vigil
