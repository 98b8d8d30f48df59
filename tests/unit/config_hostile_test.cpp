// Hostile config files (issue 11): every input of the probe that crashed, hung or ate
// memory is refused with one exact "config error:" line; every numeric key refuses a
// value outside its meaning. The same files through the real binary, with their peak
// memory: tests/integration/hostile_config_test.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_limits.h"
#include "config/yaml_scalars.h"
#include "detect/checked_config.h"

namespace vigil {
namespace {

std::string camera_yaml(const std::string& extra = "") {
  return "cameras:\n"
         "  back:\n"
         "    ffmpeg:\n"
         "      inputs:\n"
         "        - path: rtsp://cam/1\n"
         "          roles: [detect]\n"
         "    width: 640\n    height: 360\n" +
         extra;
}

std::string camera_json(const std::string& width) {
  return R"({"cameras": {"back": {"ffmpeg": {"inputs": [{"path": "rtsp://cam/1", "roles": ["detect"]}]},
             "width": )" +
         width + R"(, "height": 360}}})";
}

std::vector<std::string> errors_of(const std::string& text, bool is_json = false) {
  try {
    parse_checked_config(text, is_json);
  } catch (const ConfigError& e) {
    return e.lines;
  }
  ADD_FAILURE() << "config was accepted:\n" << text.substr(0, 300);
  return {};
}

std::string first_error(const std::string& text, bool is_json = false) {
  auto lines = errors_of(text, is_json);
  return lines.empty() ? "" : lines.front();
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// What shorten() makes of a long run of one character.
std::string cut(char c, size_t n) {
  return std::string(cfg::kMaxQuotedChars - 16, c) + "... (" + std::to_string(n) + " characters)";
}

// "[[[…]]]" nested `n` deep.
std::string nested_lists(size_t n) { return std::string(n, '[') + std::string(n, ']'); }

// The probe's "billion laughs": 9 levels, each a list of 9 aliases of the one before.
std::string alias_bomb() {
  std::string y = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  std::string prev = "a";
  for (std::string name : {"b", "c", "d", "e", "f", "g", "h", "i"}) {
    y += name + ": &" + name + " [";
    for (int k = 0; k < 9; ++k) y += (k ? ", *" : "*") + prev;
    y += "]\n";
    prev = name;
  }
  return y + camera_yaml();
}

std::string env_vars_yaml(size_t n) {
  std::string y = "environment_vars:\n";
  for (size_t i = 0; i < n; ++i) y += "  FRIGATE_V" + std::to_string(i) + ": x\n";
  return y + camera_yaml();
}

// ---------------------------------------------------------------------------
// The probe's inputs

TEST(HostileConfig, AHugeNumberIsAnErrorAtItsKeyNotACrash) {
  // std::regex's executor recursed once per digit: 200 000 digits overflowed the stack.
  const std::string digits(200000, '1');
  std::string yaml = camera_yaml();
  yaml.replace(yaml.find("640"), 3, digits);
  EXPECT_EQ(first_error(yaml), "config error: cameras.back.width: number " + cut('1', 200000) + " is too large");
  EXPECT_EQ(first_error(camera_json(digits), true), "config error: cameras.back.width: number " + cut('1', 200000) +
                                                        " is out of range (it does not fit a double)");
  // Just past the range of the type.
  yaml = camera_yaml();
  yaml.replace(yaml.find("640"), 3, "9223372036854775808");
  EXPECT_EQ(first_error(yaml), "config error: cameras.back.width: number 9223372036854775808 is too large");
  yaml = camera_yaml();
  yaml.replace(yaml.find("640"), 3, "2147483648");
  EXPECT_EQ(first_error(yaml), "config error: cameras.back.width: must be between -2147483648 and 2147483647");
  yaml = camera_yaml();
  yaml.replace(yaml.find("640"), 3, "0x" + std::string(1000, 'f'));
  EXPECT_EQ(first_error(yaml), "config error: cameras.back.width: number 0x" +
                                   std::string(cfg::kMaxQuotedChars - 18, 'f') + "... (1002 characters) is too large");
}

TEST(HostileConfig, JsonOverflowNamesItsKey) {
  EXPECT_EQ(first_error(camera_json("1e999"), true),
            "config error: cameras.back.width: number 1e999 is out of range (it does not fit a double)");
  std::string yaml = camera_yaml();
  yaml.replace(yaml.find("640"), 3, "1.0e+999");
  EXPECT_EQ(first_error(yaml), "config error: cameras.back.width: expected int, got float 1.0e+999");
  EXPECT_EQ(first_error("motion: {threshold: 1.0e+999}\n" + camera_yaml()),
            "config error: motion.threshold: must be a finite number, got 1.0e+999");
}

TEST(HostileConfig, DeepJsonStopsAtTheNestingLimit) {
  std::string path = "a";
  for (size_t i = 1; i < cfg::kMaxDepth; ++i) path += "[0]";
  const std::string expected = "config error: " + path + ": nested deeper than 64 levels (the limit for a config file)";
  EXPECT_EQ(first_error("{\"a\": " + nested_lists(1000000) + "}", true), expected);  // the probe's million
  EXPECT_EQ(first_error("{\"a\": " + nested_lists(cfg::kMaxDepth) + "}", true), expected);
  // One level less is read (and then refused by the schema, not by the parser).
  EXPECT_EQ(first_error("{\"a\": " + nested_lists(cfg::kMaxDepth - 1) + "}", true), "config error: a: unknown key");
}

TEST(HostileConfig, DeepYamlStopsAtTheNestingLimit) {
  // Flow: refused before yaml-cpp reads it ahead (at its 65th "[").
  EXPECT_EQ(first_error("a: " + nested_lists(500000) + "\n"),
            "config error: YAML nested deeper than 64 levels at line 1, column 68 (the limit for a config file)");
  // Brackets inside quoted scalars do not close anything.
  std::string quoted_closers = "a: ";
  for (int i = 0; i < 100; ++i) quoted_closers += "[ \"]\", ";
  EXPECT_EQ(first_error(quoted_closers + "\n"),
            "config error: YAML nested deeper than 64 levels at line 1, column 452 (the limit for a config file)");
  // Block: stopped by the builder, at the key path of the 65th level.
  std::string block, path;
  for (size_t i = 0; i < 200; ++i) block += std::string(i, ' ') + "k:\n";
  for (size_t i = 0; i < cfg::kMaxDepth; ++i) path += i ? ".k" : "k";
  EXPECT_EQ(first_error(block),
            "config error: " + path + ": nested deeper than 64 levels (the limit for a config file)");
  // Real files use brackets in strings and comments freely. (Brackets a comment or a
  // quote leaves open still count: the scan may have misjudged where it ends.)
  std::vector<std::string> warnings;
  std::string comment = "# roles: [detect, rtmp] (see [docs) ";
  for (int i = 0; i < 100; ++i) comment += "[x]";
  Config c = parse_checked_config(
      comment + "\n" + camera_yaml("    objects: {track: ['[person]', \"]]]]\", person]}\n"), false, &warnings);
  EXPECT_EQ(c.cameras.at(0).track.at(0), "[person]");
}

TEST(HostileConfig, AliasBombStopsAtTheValueBudget) {
  EXPECT_EQ(first_error(alias_bomb()),
            "config error: f[0]: more than 100000 values, counting each use of an alias or merge key (the limit for "
            "a config file)");
  // Merge keys expand the same way.
  std::string merges = "a: &a {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: 9}\n";
  std::string prev = "a";
  for (int level = 0; level < 8; ++level) {
    std::string name = "m" + std::to_string(level);
    merges += name + ": &" + name + " {";
    for (int k = 0; k < 10; ++k) merges += (k ? ", " : "") + std::string("x") + std::to_string(k) + ": *" + prev;
    merges += "}\n";
    prev = name;
  }
  EXPECT_NE(first_error(merges + "z: {<<: *" + prev + "}\n").find(": more than 100000 values, counting each use"),
            std::string::npos);
  // A long string used many times: the text budget.
  const std::string text_bomb = "a: &a \"" + std::string(500000, 'x') + "\"\nb: [" +
                                std::string("*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, ") +
                                "*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
  EXPECT_EQ(first_error(text_bomb),
            "config error: b[15]: more than 8 MiB of text, counting each use of an alias or "
            "merge key (the limit for a config file)");
}

TEST(HostileConfig, LongFlowListsInsideFlowListsAreRefusedBeforeYamlCppReadsThem) {
  // yaml-cpp queued every token of "[[1,1,…]]" (227 MB for a megabyte) before any event.
  std::string y = "a: [[";
  for (int i = 0; i < 150000; ++i) y += "1,";
  y += "]]\n";
  EXPECT_EQ(first_error(y),
            "config error: YAML has more than 100000 of the characters [ ] { } , : ? * & ! ' \" # "
            "(the limit for a config file)");
  // 20 000 items are read (and refused by the schema).
  EXPECT_EQ(first_error("a: [[" + std::string(20000, ',') + "]]\n" + camera_yaml()), "config error: a: unknown key");
}

TEST(HostileConfig, RecursiveAliasIsAnError) {
  // yaml-cpp registers an anchor before its node: walking "&a [*a]" recursed for ever.
  EXPECT_EQ(first_error("a: &a [*a]\n" + camera_yaml()),
            "config error: a[0]: alias *a is used inside the node it names (recursive aliases are not allowed)");
}

TEST(HostileConfig, ManyEnvironmentVariables) {
  EXPECT_EQ(first_error(env_vars_yaml(cfg::kMaxEnvironmentVars + 1)),
            "config error: environment_vars: more than 1000 entries (1001; the limit for a config file)");
  // The probe's 200 000 keys pass a limit of the text first (each key has its ":").
  EXPECT_EQ(first_error(env_vars_yaml(200000)),
            "config error: YAML has more than 100000 of the characters [ ] { } , : ? * & ! ' \" # (the limit for a "
            "config file)");
  // 60 000 keys pass the value budget (a key and a value each).
  EXPECT_EQ(first_error(env_vars_yaml(60000)),
            "config error: environment_vars.FRIGATE_V49998: more than 100000 values, counting each use of an alias "
            "or merge key (the limit for a config file)");
  // 1000 are fine, and set.
  Config c = parse_checked_config(env_vars_yaml(cfg::kMaxEnvironmentVars), false);
  EXPECT_EQ(c.environment_vars.size(), cfg::kMaxEnvironmentVars);
  EXPECT_STREQ(std::getenv("FRIGATE_V999"), "x");
  EXPECT_EQ(first_error("environment_vars: {\"A=B\": x}\n" + camera_yaml()),
            "config error: environment_vars.A=B: a variable name must not be empty nor contain \"=\"");
}

TEST(HostileConfig, RepeatedKeysKeepTheirFirstPlaceAndTheLastValue) {
  // Each repeated key used to be found by a scan of its map (quadratic in the keys).
  std::string y = "environment_vars:\n";
  for (int i = 0; i < 2000; ++i) y += "  FRIGATE_D" + std::to_string(i % 1000) + ": v" + std::to_string(i) + "\n";
  std::vector<std::string> warnings;
  Config c = parse_checked_config(y + camera_yaml(), false, &warnings);
  EXPECT_EQ(c.environment_vars.size(), 1000u);
  EXPECT_EQ(c.environment_vars.at("FRIGATE_D7"), "v1007");
  EXPECT_NE(std::find(warnings.begin(), warnings.end(),
                      "config warning: environment_vars.FRIGATE_D7: duplicate key; the last value is used"),
            warnings.end())
      << joined(warnings);
}

TEST(HostileConfig, LargeFileIsRefusedBeforeParsing) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("vigil-hostile-" + std::to_string(getpid()) + ".yml")).string();
  {
    std::ofstream out(path);
    out << "# " << std::string(5 * 1024 * 1024, 'x') << "\n" << camera_yaml();
  }
  try {
    load_checked_config(path);
    ADD_FAILURE() << "a 5 MB file was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.lines.at(0), "config error: " + path +
                                 ": the file is larger than 1 MiB (1048576 bytes, the limit for "
                                 "a config file)");
  }
  {
    std::ofstream out(path);  // exactly at the limit: read (and parsed)
    const std::string body = camera_yaml();
    out << "# " << std::string(cfg::kMaxFileBytes - body.size() - 3, 'x') << "\n" << body;
  }
  EXPECT_EQ(std::filesystem::file_size(path), cfg::kMaxFileBytes);
  EXPECT_EQ(load_checked_config(path).cameras.at(0).name, "back");
  std::filesystem::remove(path);
}

TEST(HostileConfig, LongTextIsShortenedInMessages) {
  const std::string name(500000, 'n');
  std::vector<std::string> lines = errors_of("cameras:\n  " + name + "-?:\n    width: 1\n");
  ASSERT_FALSE(lines.empty());
  for (const auto& l : lines) EXPECT_LT(l.size(), 1000u) << l.substr(0, 1000);
  EXPECT_EQ(first_error("x" + std::string(900, 'y') + ": 1\n" + camera_yaml()),
            "config error: " + std::string("x") + std::string(cfg::kMaxQuotedChars - 17, 'y') +
                "... (901 characters): unknown key");
  std::string yaml = camera_yaml();
  yaml.replace(yaml.find("rtsp://cam/1"), 12, "rtsp://cam/{FRIGATE_" + std::string(300000, 'A') + "}");
  lines = errors_of(yaml);
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0], "config error: cameras.back.ffmpeg.inputs[0].path: environment variable FRIGATE_" +
                          std::string(cfg::kMaxQuotedChars - 24, 'A') + "... (300008 characters) is not set");
  // A long URL query (the secret-parameter scan was a std::regex too).
  EXPECT_EQ(mask_credentials("rtsp://u:p@h/?a=" + std::string(300000, 'b') + "&token=t").substr(0, 22),
            "rtsp://u:*****@h/?a=bb");
}

// ---------------------------------------------------------------------------
// YAML 1.1 typing without std::regex: the same answers as PyYAML's resolver

TEST(HostileConfig, PlainScalarTypesAreUnchanged) {
  using K = cfg::Node::Kind;
  struct Case {
    std::string text;
    K kind;
    bool problem;  // refused as a number (octal, base 60, too large)
  };
  for (const Case& c : std::vector<Case>{
           {"~", K::Null, false},
           {"null", K::Null, false},
           {"", K::Null, false},
           {"Yes", K::Bool, false},
           {"off", K::Bool, false},
           {"oN", K::String, false},
           {"0", K::Int, false},
           {"-12", K::Int, false},
           {"+1_000", K::Int, false},
           {"0x1F", K::Int, false},
           {"-0b101", K::Int, false},
           {"0x", K::String, false},
           {"010", K::Int, true},
           {"00", K::Int, true},
           {"09", K::String, false},
           {"1:30", K::Int, true},
           {"1:60", K::String, false},
           {"1:5:59", K::Int, true},
           {"1:30.5", K::Float, true},
           {"1.5", K::Float, false},
           {"1.", K::Float, false},
           {".5", K::Float, false},
           {"-.5", K::String, false},
           {"1.0e+3", K::Float, false},
           {"1.0e3", K::String, false},
           {"1e3", K::String, false},
           {"-.inf", K::Float, false},
           {".NaN", K::Float, false},
           {".nan.", K::String, false},
           {"2021-01-01", K::String, false},
           {"9223372036854775807", K::Int, false},
           {"9223372036854775808", K::Int, true},
           {"-9223372036854775808", K::Int, false},
           {"1_2:3", K::Int, true},
       }) {
    cfg::Node n = cfg::resolve_plain(c.text);
    EXPECT_EQ(n.kind, c.kind) << c.text;
    EXPECT_EQ(!n.number_problem.empty(), c.problem) << c.text << ": " << n.number_problem;
  }
  EXPECT_EQ(cfg::resolve_plain("0x1F").i, 31);
  EXPECT_EQ(cfg::resolve_plain("-0b101").i, -5);
  EXPECT_EQ(cfg::resolve_plain("+1_000").i, 1000);
  EXPECT_TRUE(cfg::resolve_plain("Yes").b);
  EXPECT_DOUBLE_EQ(cfg::resolve_plain("1.0e+3").f, 1000);
}

// ---------------------------------------------------------------------------
// Range checks: every numeric key refuses what its meaning excludes

TEST(HostileConfig, OutOfRangeValuesAreErrors) {
  struct Case {
    std::string yaml;      // added to a valid camera config (camera keys indented under it)
    std::string expected;  // one of the error lines
  };
  const std::string cam = "    ";
  for (const Case& c : std::vector<Case>{
           {"mqtt: {host: h, port: 70000}\n", "config error: mqtt.port: must be between 1 and 65535"},
           {"mqtt: {host: h, port: 0}\n", "config error: mqtt.port: must be between 1 and 65535"},
           {"model: {width: 0, height: 320}\n", "config error: model.width: must be at least 1"},
           {"model: {width: 320, height: 5000}\n", "config error: model.height: must be at most 4096"},
           {"detectors: {d: {type: hog, num_threads: -1}}\n",
            "config error: detectors.d.num_threads: must be at least 1"},
           {"detectors: {d: {type: hog, workers: 0}}\n", "config error: detectors.d.workers: must be at least 1"},
           {"detectors: {d: {type: hog, model: {width: 0}}}\n",
            "config error: detectors.d.model.width: must be at least 1"},
           {"detectors: {d: {type: opencv, model: {path: /nonexistent/n.onnx, scale: 0}}}\n",
            "config error: detectors.d.model.scale: must be greater than 0"},
           {"clips: {max_seconds: 0}\n", "config error: clips.max_seconds: must be at least 1"},
           {"clips: {retain: {default: -1}}\n", "config error: clips.retain.default: must be at least 0"},
           {"snapshots: {retain: {objects: {person: -2}}}\n",
            "config error: snapshots.retain.objects.person: must be at least 0"},
           {"record: {retain_days: -1}\n", "config error: record.retain_days: must be at least 0"},
           {"detect: {max_disappeared: -1}\n", "config error: detect.max_disappeared: must be at least 0"},
           {"objects: {filters: {person: {min_area: -5}}}\n",
            "config error: objects.filters.person.min_area: must be at least 0"},
           {"motion: {contour_area: -1}\n", "config error: motion.contour_area: must be at least 0"},
           {"api: {port: 65536}\n", "config error: api.port: must be between 1 and 65535"},
           {"storage: {min_free_mb: -1}\n", "config error: storage.min_free_mb: must be at least 0"},
       }) {
    std::vector<std::string> lines = errors_of(c.yaml + camera_yaml());
    EXPECT_NE(std::find(lines.begin(), lines.end(), c.expected), lines.end()) << c.expected << "\n" << joined(lines);
  }
  for (const Case& c : std::vector<Case>{
           {"record: {retain_days: -1}\n", "config error: cameras.back.record.retain_days: must be at least 0"},
           {"detect: {max_disappeared: -1}\n", "config error: cameras.back.detect.max_disappeared: must be at least 0"},
           {"fps: 1001\n", "config error: cameras.back.fps: must be at most 1000"},
           {"fps: 0\n", "config error: cameras.back.fps: must be at least 1"},
           {"best_image_timeout: -1\n", "config error: cameras.back.best_image_timeout: must be at least 0"},
           {"snapshots: {height: 0}\n", "config error: cameras.back.snapshots.height: must be at least 1"},
           {"mqtt: {height: 100000}\n", "config error: cameras.back.mqtt.height: must be at most 16384"},
           {"clips: {retain: {default: -1, objects: {car: -1}}}\n",
            "config error: cameras.back.clips.retain.objects.car: must be at least 0"},
           {"zones: {z: {coordinates: \"0,0,10,0,10,10\", filters: {person: {max_area: -1}}}}\n",
            "config error: cameras.back.zones.z.filters.person.max_area: must be at least 0"},
           {"motion: {contour_area: -1}\n", "config error: cameras.back.motion.contour_area: must be at least 0"},
       }) {
    std::vector<std::string> lines = errors_of(camera_yaml(cam + c.yaml));
    EXPECT_NE(std::find(lines.begin(), lines.end(), c.expected), lines.end()) << c.expected << "\n" << joined(lines);
  }
  std::string wide = camera_yaml();
  wide.replace(wide.find("640"), 3, "20000");
  EXPECT_EQ(first_error(wide), "config error: cameras.back.width: must be at most 16384");
  // The bounds themselves are accepted.
  Config ok = parse_checked_config(
      "mqtt: {host: h, port: 65535}\nmodel: {width: 1, height: 4096}\nrecord: {retain_days: 0}\n"
      "detect: {max_disappeared: 0}\nclips: {max_seconds: 1, retain: {default: 0}}\n" +
          camera_yaml("    fps: 1000\n    best_image_timeout: 0\n    mqtt: {height: 16384}\n"),
      false);
  EXPECT_EQ(ok.mqtt.port, 65535);
  EXPECT_EQ(ok.cameras.at(0).max_disappeared, 0);
  EXPECT_EQ(ok.cameras.at(0).record_retain_days, 0);
}

}  // namespace
}  // namespace vigil
