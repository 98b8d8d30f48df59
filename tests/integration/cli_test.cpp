// The command line as a user meets it: --check-config, --version, errors, exit codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"

namespace vigil::test {
namespace {

struct Run {
  int status;
  std::string output;
};

Run run_vigil(const std::vector<std::string>& args, const std::string& config = "", const std::string& env = "") {
  std::string dir = temp_dir();
  if (!config.empty()) std::ofstream(dir + "/config.yml") << config;
  std::string cmd = "cd " + dir + " && " + env + " " + std::getenv("VIGIL_BIN");
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

const std::string kMinimal =
    "cameras:\n  driveway:\n    ffmpeg:\n      inputs:\n        - path: "
    "rtsp://nvr:{FRIGATE_RTSP_PASSWORD}@10.0.0.1/sub\n"
    "          roles: [detect]\n    width: 640\n    height: 360\n    fps: 5\n";

}  // namespace

TEST(Cli, CheckConfigAcceptsAValidFile) {
  auto r = run_vigil({"--check-config", "--config", "config.yml"}, kMinimal, "FRIGATE_RTSP_PASSWORD=secret");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("config ok"), std::string::npos) << r.output;
}

TEST(Cli, BrokenConfigNamesTheKeyAndExitsOne) {
  std::string broken = kMinimal;
  broken.replace(broken.find("height: 360"), 11, "height: 361");
  auto r = run_vigil({"--check-config", "--config", "config.yml"}, broken, "FRIGATE_RTSP_PASSWORD=x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("config error: cameras.driveway.height: must be a positive even number"), std::string::npos)
      << r.output;
  // The same config also refuses to start (not only --check-config).
  r = run_vigil({"--config", "config.yml"}, broken, "FRIGATE_RTSP_PASSWORD=x");
  EXPECT_EQ(r.status, 1);
  // A missing environment variable is named.
  r = run_vigil({"--check-config", "--config", "config.yml"}, kMinimal, "env -u FRIGATE_RTSP_PASSWORD");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("config error: cameras.driveway.ffmpeg.inputs[0].path: environment variable "
                          "FRIGATE_RTSP_PASSWORD is not set"),
            std::string::npos)
      << r.output;
}

// Models are checked by the detector registry at start-up as with --check-config: a
// missing model file is an error at its key, and darknet's names (motorbike) answer for
// 0.8's `track: [motorcycle]` without a warning.
TEST(Cli, ModelsAreCheckedAtStartAndByCheckConfig) {
  const std::string missing = "detectors: {x: {type: opencv, model: {path: /nonexistent/net.weights}}}\n" + kMinimal;
  for (const auto& args : std::vector<std::vector<std::string>>{{"--check-config", "--config", "config.yml"},
                                                                {"--config", "config.yml"}}) {
    auto r = run_vigil(args, missing, "FRIGATE_RTSP_PASSWORD=x");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("config error: detectors.x.model.path: file not found: /nonexistent/net.weights"),
              std::string::npos)
        << r.output;
  }
  const std::string weights = models_dir() + "/yolo-fastest-1.1-xl/yolo-fastest-1.1-xl.weights";
  if (access(weights.c_str(), R_OK) != 0) GTEST_SKIP() << weights << " not found (set VIGIL_MODELS)";
  auto r = run_vigil({"--check-config", "--config", "config.yml"},
                     "detectors: {x: {type: opencv, model: {path: " + weights + "}}}\n" + kMinimal +
                         "    rtmp: {enabled: false}\n    objects: {track: [person, motorcycle]}\n",
                     "FRIGATE_RTSP_PASSWORD=x");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "config ok\n");
}

TEST(Cli, ConfigFileIsFoundThroughConfigFileVariableAndCwd) {
  auto r = run_vigil({"--check-config"}, kMinimal, "FRIGATE_RTSP_PASSWORD=x");  // ./config.yml
  EXPECT_EQ(r.status, 0) << r.output;
  r = run_vigil({"--check-config"}, "", "CONFIG_FILE=/nonexistent/vigil.yml");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("config error: no config file found (tried: /nonexistent/vigil.yml)"), std::string::npos)
      << r.output;
}

TEST(Cli, VersionHelpAndUsageErrors) {
  auto r = run_vigil({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output, "0.8.4-vigil-0.1.0\n");
  EXPECT_EQ(run_vigil({"--help"}).status, 0);
  r = run_vigil({"--frobnicate"});
  EXPECT_EQ(r.status, 2);
}

}  // namespace vigil::test
