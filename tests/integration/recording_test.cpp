// 24/7 recording by stream copy: segments of about 60 s in recordings/YYYY-MM/DD/HH/<camera>/MM.SS.mp4.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include "harness.h"

namespace vigil::test {
namespace {

std::vector<std::filesystem::path> files_under(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Complete fragments (a `moof` box followed by its whole `mdat`) at the top level of
// the fragmented MP4 at `path`, as written so far.
int complete_fragments(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int n = 0;
  bool after_moof = false;
  for (size_t pos = 0; pos + 8 <= data.size();) {
    uint64_t size = 0;
    for (int i = 0; i < 4; ++i) size = size << 8 | uint8_t(data[pos + i]);
    const std::string type = data.substr(pos + 4, 4);
    if (size == 1 && pos + 16 <= data.size()) {  // 64-bit size
      size = 0;
      for (int i = 8; i < 16; ++i) size = size << 8 | uint8_t(data[pos + i]);
    }
    if (size < 8 || pos + size > data.size()) break;  // not (yet) complete
    if (type == "mdat" && after_moof) ++n;
    after_moof = type == "moof";
    pos += size;
  }
  return n;
}

}  // namespace

TEST(Recording, SixtySecondSegmentsByStreamCopy) {
  const std::string dir = temp_dir();
  Vigil v("record: {enabled: true}\ncameras:\n  yard:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
              "\n          input_args: -re -stream_loop -1\n          roles: [detect, record]\n"
              "    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n",
          dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  const std::string rec = dir + "/media/recordings";
  ASSERT_TRUE(eventually([&] { return !files_under(rec).empty(); }, 90)) << v.log();
  auto first = files_under(rec);
  ASSERT_EQ(first.size(), 1u) << v.log();  // the segment being written
  // Layout: recordings/YYYY-MM/DD/HH/yard/MM.SS.mp4 (the .part sibling is hidden)
  std::string rel = std::filesystem::relative(first[0], rec).string();
  bool complete = std::regex_match(rel, std::regex(R"(\d{4}-\d{2}/\d{2}/\d{2}/yard/\d{2}\.\d{2}\.mp4)"));
  bool partial = std::regex_match(rel, std::regex(R"(\d{4}-\d{2}/\d{2}/\d{2}/yard/\.\d{2}\.\d{2}\.mp4\.part)"));
  EXPECT_TRUE(complete || partial) << rel;
  // Wait for the first complete segment (about 60 s after the start).
  std::filesystem::path done;
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& f : files_under(rec))
          if (f.extension() == ".mp4" && f.filename().string()[0] != '.') done = f;
        return !done.empty();
      },
      90))
      << v.log();
  std::string probe =
      run("ffprobe -v error -show_entries stream=codec_name,codec_type:format=duration -of default=nw=1 '" +
          done.string() + "'");
  EXPECT_NE(probe.find("codec_type=video"), std::string::npos) << probe;
  EXPECT_NE(probe.find("codec_name=h264"), std::string::npos) << probe;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(probe, m, std::regex(R"(duration=([0-9.]+))"))) << probe;
  double duration = std::stod(m[1]);
  // Cut at the first keyframe at or after the next full minute (2 s GOP): the name's
  // second plus the duration reaches the minute.
  const std::string name = done.filename().string();  // MM.SS.mp4
  const double start_second = std::stod(name.substr(3, 2));
  EXPECT_GE(start_second + duration, 59.0) << name << " " << duration;
  EXPECT_LE(start_second + duration, 63.5) << name << " " << duration;
  // Decodes from start to end without errors.
  EXPECT_EQ(run("ffmpeg -v error -i '" + done.string() + "' -f null - 2>&1"), "");

  // A clean stop completes the segment in progress: no .part file remains.
  v.process().signal(SIGTERM);
  EXPECT_EQ(v.process().wait(15), 0);
  for (auto& f : files_under(rec)) EXPECT_NE(f.extension(), ".part") << f;
  ASSERT_GE(files_under(rec).size(), 2u);
  // The segment after the first starts on the minute (within a GOP and the frame's arrival).
  for (auto& f : files_under(rec)) {
    if (f == done) continue;
    const std::string second = f.filename().string().substr(3, 2);
    EXPECT_LE(std::stoi(second), 3) << f;
  }

  // SIGKILL while a segment is being written: the next start keeps its complete
  // fragments as a finished segment, and every segment decodes cleanly.
  auto finished = files_under(rec);
  {
    Vigil again(
        "record: {enabled: true}\ncameras:\n  yard:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
            "\n          input_args: -re -stream_loop -1\n          roles: [detect, record]\n"
            "    width: 768\n    height: 576\n    fps: 5\n    detect: {enabled: false}\n",
        dir);
    ASSERT_TRUE(again.wait_ready()) << again.log();
    // A segment in progress holding a complete fragment (a GOP, 2 s): salvage keeps it.
    auto fragment_written = [&] {
      for (auto& f : files_under(rec))
        if (f.extension() == ".part" && complete_fragments(f) >= 1) return true;
      return false;
    };
    ASSERT_TRUE(eventually(fragment_written, 60)) << again.log();
    again.process().signal(SIGKILL);
    again.process().wait(5);
  }
  bool part_left = false;
  for (auto& f : files_under(rec)) part_left |= f.extension() == ".part";
  EXPECT_TRUE(part_left) << "the kill should leave a partial segment behind";
  Vigil third("cameras: {}\n", dir);
  ASSERT_TRUE(third.wait_ready()) << third.log();
  auto after = files_under(rec);
  for (auto& f : after) EXPECT_NE(f.extension(), ".part") << f;
  EXPECT_GE(after.size(), finished.size() + 1) << "the killed segment is kept: " << third.log();
  for (auto& f : after) EXPECT_EQ(run("ffmpeg -v error -i '" + f.string() + "' -f null - 2>&1"), "") << f;
}

}  // namespace vigil::test
