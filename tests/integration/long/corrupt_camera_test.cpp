// A camera sending corrupt H.264 for three minutes beside a good one, through the real
// vigil binary: libav's complaints are attributed to its input and rate-limited, so the
// whole log stays under 20 KB (issue #19).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

namespace vigil::test {

// A camera whose H.264 is garbled beside a good one: libav's complaints about it are
// logged under its own input's logger, a few at first and then a bounded number a
// minute with the count suppressed (the limiter itself: tests/unit/log_throttle_test).
TEST(LibavLog, ACorruptCameraLogsABoundedAmount) {
  const std::string dir = temp_dir();
  const std::string ts = dir + "/corrupt.ts";
  run("ffmpeg -nostdin -v error -y -t 30 -i '" + vtest_mp4() + "' -c copy -f mpegts '" + dir + "/clean.ts'");
  {
    std::ifstream in(dir + "/clean.ts", std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(data.size(), 188u * 1000);
    // Garble the payload of every 7th transport packet (after the first 100, so the
    // stream opens): the TS framing holds, the H.264 inside is broken all along.
    for (size_t p = 100; (p + 1) * 188 <= data.size(); p += 7)
      for (size_t i = 20; i < 60; ++i) data[p * 188 + i] ^= 0x5a;
    std::ofstream(ts, std::ios::binary) << data;
  }
  Vigil v("cameras:\n  bad:\n    ffmpeg:\n      inputs:\n        - path: " + ts +
              "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n"
              "    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n"
              "  good:\n    ffmpeg:\n      inputs:\n        - path: " +
              vtest_mp4() +
              "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n"
              "    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n",
          dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  // Wait until the decoder has been complaining for three minutes (libav lines that far
  // apart; while it fails, some line passes every few seconds).
  std::vector<std::string> libav;
  double span = 0;
  poll_until(
      [&] {
        libav.clear();
        std::istringstream lines(v.log());
        for (std::string line; std::getline(lines, line);)
          if (line.find(" ffmpeg.") != std::string::npos) libav.push_back(line);
        if (libav.size() >= 2)
          span = std::fmod(log_seconds_of_day(libav.back()) - log_seconds_of_day(libav.front()) + 86400, 86400);
        return span >= 180;
      },
      600, 1);
  ASSERT_GE(span, 180) << v.log();
  const std::string log = v.log();
  const double minutes = span / 60;
  EXPECT_GT(camera_fps(v.port(), "good"), 4.0);

  int suppressed = 0;
  for (const std::string& line : libav) {
    EXPECT_NE(line.find(" ffmpeg.bad.detect "), std::string::npos) << "attributed to its input: " << line;
    suppressed += line.find("similar messages suppressed)") != std::string::npos;
  }
  // 20 at once, then 10 a minute for all kinds together, some carrying the count of
  // those suppressed; the budget is 20 KB for three minutes (the whole log included).
  EXPECT_GE(suppressed, 1) << log;
  EXPECT_LE(double(libav.size()), 20 + 10 * (minutes + 1)) << log;
  EXPECT_LT(double(log.size()), 20000 * (minutes / 3)) << log;
}

}  // namespace vigil::test
