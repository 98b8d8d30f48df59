// The held-out probe's hostile configs (issue 11) through the real binary: each file is
// generated, `vigil --check-config` (and a normal start for some) runs on it, and the
// test asserts exit code 1 (not a signal), the `config error:` line naming the key or the
// limit, and the child's peak RSS under 200 MB (wait4's ru_maxrss).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

namespace vigil::test {
namespace {

constexpr long kMaxRssKb = 200 * 1024;
// A safety net only (SIGALRM ends a hung child, and the test reports the signal); no
// duration is asserted.
constexpr unsigned kSafetyNetSeconds = 120;

struct Outcome {
  bool exited = false;  // false: ended by a signal
  int code = -1;        // exit status when `exited`
  int signal = 0;       // the signal otherwise
  long max_rss_kb = 0;  // the child's peak resident set (ru_maxrss)
  std::string output;   // stdout and stderr
};

std::string describe(const Outcome& o) {
  std::ostringstream s;
  if (o.exited)
    s << "exit " << o.code;
  else
    s << "signal " << o.signal;
  s << ", peak RSS " << o.max_rss_kb / 1024 << " MB, output:\n" << o.output.substr(0, 2000);
  return s.str();
}

// Runs vigil with `args` and waits for it with wait4(). Linux carries the high-water
// mark of the forked copy of this test process over the exec, so ru_maxrss is the larger
// of this process's size at the fork and vigil's own peak: an upper bound of vigil's.
Outcome run_vigil(const std::vector<std::string>& args, const std::string& dir) {
  const std::string out_path = dir + "/vigil.out";
  const char* bin = std::getenv("VIGIL_BIN");
  if (!bin) throw std::runtime_error("VIGIL_BIN is not set");
  std::vector<char*> argv{const_cast<char*>(bin)};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || chdir(dir.c_str()) != 0) _exit(126);
    dup2(fd, 1);
    dup2(fd, 2);
    alarm(kSafetyNetSeconds);
    execv(bin, argv.data());
    _exit(127);
  }
  Outcome o;
  int status = 0;
  rusage ru{};
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) throw std::runtime_error("fork/wait4 failed");
  o.exited = WIFEXITED(status);
  o.code = o.exited ? WEXITSTATUS(status) : -1;
  o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  o.max_rss_kb = ru.ru_maxrss;
  std::ifstream in(out_path);
  o.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return o;
}

const std::string kCamera =
    "cameras:\n  c:\n    ffmpeg:\n      inputs:\n        - path: rtsp://cam/1\n          roles: [detect]\n"
    "    width: 640\n    height: 360\n";

std::string repeat(const std::string& s, size_t n) {
  std::string r;
  r.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) r += s;
  return r;
}

std::string nested_json(size_t depth) { return "{\"a\": " + std::string(depth, '[') + std::string(depth, ']') + "}"; }

std::string alias_bomb() {  // 9 levels × 9 references
  std::string y = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  std::string prev = "a";
  for (std::string name : {"b", "c", "d", "e", "f", "g", "h", "i"}) {
    y += name + ": &" + name + " [" + repeat("*" + prev + ", ", 8) + "*" + prev + "]\n";
    prev = name;
  }
  return y + kCamera;
}

std::string env_vars(size_t n) {
  std::string y = "environment_vars:\n";
  for (size_t i = 0; i < n; ++i) y += "  FRIGATE_V" + std::to_string(i) + ": x\n";
  return y + kCamera;
}

std::string with_width(const std::string& width) {
  std::string y = kCamera;
  return y.replace(y.find("640"), 3, width);
}

struct HostileFile {
  std::string name;      // file name (.json = JSON)
  std::string text;      // its content
  std::string expected;  // part of the error line
  bool also_start;       // also run without --check-config (a normal start)
};

std::vector<HostileFile> hostile_files() {
  const std::string too_large = ": the file is larger than 1 MiB (1048576 bytes, the limit for a config file)";
  const std::string budget = "values, counting each use of an alias or merge key (the limit for a config file)";
  return {
      {"digits.yml", with_width(std::string(200000, '1')),
       "config error: cameras.c.width: number " + std::string(184, '1') + "... (200000 characters) is too large", true},
      {"digits.json",
       R"({"cameras": {"c": {"ffmpeg": {"inputs": [{"path": "rtsp://cam/1", "roles": ["detect"]}]}, "width": )" +
           std::string(200000, '1') + R"(, "height": 360}}})",
       "config error: cameras.c.width: number " + std::string(184, '1') + "... (200000 characters) is out of range",
       false},
      {"deep-1m.json", nested_json(1000000), "deep-1m.json" + too_large, false},
      {"deep-500k.json", nested_json(500000), ": nested deeper than 64 levels (the limit for a config file)", true},
      {"deep-flow.yml", "a: " + std::string(500000, '[') + std::string(500000, ']') + "\n",
       "config error: YAML nested deeper than 64 levels at line 1, column 68 (the limit for a config file)", false},
      {"deep-block.yml",
       [] {
         std::string y;
         for (size_t i = 0; i < 1000; ++i) y += std::string(i, ' ') + "k:\n";
         return y;
       }(),
       ": nested deeper than 64 levels (the limit for a config file)", false},
      {"alias-bomb.yml", alias_bomb(), "config error: f[0]: more than 100000 " + budget, true},
      {"nested-flow.yml", "a: [[" + repeat("1,", 400000) + "]]\n",
       "config error: YAML has more than 100000 of the characters [ ] { } , : ? * & ! ' \" # (the limit for a config "
       "file)",
       false},
      {"env-200k.yml", env_vars(200000), "env-200k.yml" + too_large, false},
      {"env-40k.yml", env_vars(40000), "config error: environment_vars: more than 1000 entries (40000;", false},
      {"env-1001.yml", env_vars(1001), "config error: environment_vars: more than 1000 entries (1001;", false},
      {"big-5mb.yml", "# " + std::string(5 * 1024 * 1024, 'x') + "\n" + kCamera, "big-5mb.yml" + too_large, false},
      {"inf.json",
       R"({"cameras": {"c": {"ffmpeg": {"inputs": [{"path": "rtsp://cam/1", "roles": ["detect"]}]}, "width": 640, "height": 1e999}}})",
       "config error: cameras.c.height: number 1e999 is out of range (it does not fit a double)", false},
      {"port.yml", "mqtt: {host: h, port: 70000}\n" + kCamera, "config error: mqtt.port: must be between 1 and 65535",
       true},
      {"num-threads.yml", "detectors: {d: {type: hog, num_threads: -1}}\n" + kCamera,
       "config error: detectors.d.num_threads: must be at least 1", false},
      {"retain-days.yml", "record: {retain_days: -1}\n" + kCamera,
       "config error: record.retain_days: must be at least 0", false},
      {"max-disappeared.yml", kCamera + "    detect: {max_disappeared: -1}\n",
       "config error: cameras.c.detect.max_disappeared: must be at least 0", false},
      {"model-width.yml", "model: {width: 0, height: 320}\n" + kCamera, "config error: model.width: must be at least 1",
       false},
  };
}

}  // namespace

TEST(HostileConfigCli, EveryHostileFileIsAnErrorLineWithBoundedMemory) {
  const std::string dir = temp_dir();
  long worst_kb = 0;
  std::string worst;
  for (const HostileFile& f : hostile_files()) {
    SCOPED_TRACE(f.name);
    std::ofstream(dir + "/" + f.name, std::ios::binary) << f.text;
    std::vector<std::vector<std::string>> runs = {{"--check-config", "--config", f.name}};
    if (f.also_start) runs.push_back({"--config", f.name});
    for (const auto& args : runs) {
      const Outcome o = run_vigil(args, dir);
      EXPECT_TRUE(o.exited) << describe(o);
      EXPECT_EQ(o.code, 1) << describe(o);
      EXPECT_NE(o.output.find(f.expected), std::string::npos) << "expected: " << f.expected << "\n" << describe(o);
      EXPECT_EQ(o.output.find("config ok"), std::string::npos) << describe(o);
      EXPECT_LT(o.max_rss_kb, kMaxRssKb) << describe(o);
      if (o.max_rss_kb > worst_kb) worst_kb = o.max_rss_kb, worst = f.name;
    }
  }
  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  std::cout << "peak RSS of vigil: worst " << worst_kb / 1024 << " MB (" << worst << "); this test process "
            << self.ru_maxrss / 1024 << " MB\n";
}

// The limits leave real configs alone: the largest ordinary file still loads.
TEST(HostileConfigCli, AConfigJustUnderTheLimitsLoads) {
  const std::string dir = temp_dir();
  std::string y = "# " + std::string(900 * 1024, '#') + "\n" + env_vars(1000);
  std::ofstream(dir + "/config.yml") << y;
  const Outcome o = run_vigil({"--check-config", "--config", "config.yml"}, dir);
  EXPECT_TRUE(o.exited && o.code == 0) << describe(o);
  EXPECT_NE(o.output.find("config ok"), std::string::npos) << describe(o);
  EXPECT_LT(o.max_rss_kb, kMaxRssKb) << describe(o);
}

}  // namespace vigil::test
