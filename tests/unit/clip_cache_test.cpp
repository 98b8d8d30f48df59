// The clip cache and clip assembly on real H.264 (vtest.mp4, 10 fps, 2 s GOP): packets
// fed as a camera would deliver them, with a manual clock standing in for arrival time.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

extern "C" {
#include <libavformat/avformat.h>
}

#include "storage/clip_assembler.h"
#include "storage/clip_cache.h"
#include "storage/segment_reader.h"
#include "test_media.h"
#include "util/clock.h"

namespace fs = std::filesystem;
using namespace vigil;

using namespace vigil::test;

TEST(ClipCache, WritesTenSecondSegmentsStartingOnKeyframes) {
  std::string dir = temp_dir();
  ManualClock clock;
  ClipCache cache("garden", dir);
  const double t0 = clock.wall_time;
  feed(cache, clock, 35);
  auto segs = cache.segments(0, 1e12);
  ASSERT_EQ(segs.size(), 4u);  // 0–10, 10–20, 20–30, 30–35
  for (size_t i = 0; i < segs.size(); ++i) {
    EXPECT_TRUE(segs[i].closed);
    EXPECT_TRUE(fs::is_regular_file(segs[i].final_path)) << segs[i].final_path;
    EXPECT_EQ(fs::path(segs[i].final_path).filename().string().substr(0, 7), "garden-");
    EXPECT_NEAR(segs[i].wall0, t0 + 10.0 * i, 0.01);
    EXPECT_NEAR(segs[i].keyframes.front(), segs[i].wall0, 1e-6);
    EXPECT_EQ(segs[i].keyframes.size(), i < 3 ? 5u : 3u);  // a keyframe every 2 s
  }
  EXPECT_NEAR(cache.available_until(), t0 + 35, 0.15);
  // No .part is left behind; each file is a readable MP4 of its duration.
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_FALSE(e.path().string().ends_with(".part"));
  EXPECT_NEAR(probe_duration(segs[0].final_path), 10, 0.15);
}

TEST(ClipCache, AssemblesAClipWithTheExactSpanAcrossSegments) {
  std::string dir = temp_dir();
  ManualClock clock;
  ClipCache cache("garden", dir);
  const double t0 = clock.wall_time;
  feed(cache, clock, 40);
  // An event from 13.3 s to 27.0 s with 5 s pre/post capture: [8.3, 32.0], not on keyframes.
  const double a = t0 + 8.3, b = t0 + 32.0;
  std::string out = dir + "/garden-1.mp4";
  ClipResult r = assemble_clip(cache.segments(a, b), a, b, out);
  ASSERT_TRUE(r.ok) << r.why;
  EXPECT_NEAR(r.duration, b - a, 0.15);
  // ffprobe reads it, it is video only, and the edit list makes it b − a long.
  std::string streams = run("ffprobe -v error -show_entries stream=codec_type -of csv=p=0 '" + out + "'");
  EXPECT_EQ(streams, "video\n");
  EXPECT_NEAR(probe_duration(out), b - a, 0.15);
  EXPECT_EQ(run("ffmpeg -v error -i '" + out + "' -f null - 2>&1"), "");  // decodes without errors
  // The index comes first (faststart): the moov box precedes mdat.
  std::ifstream f(out, std::ios::binary);
  std::string head(4096, '\0');
  f.read(head.data(), head.size());
  ASSERT_NE(head.find("moov"), std::string::npos);
  EXPECT_LT(head.find("moov"), head.find("mdat") == std::string::npos ? 4096 : head.find("mdat"));
  // No temporary is left.
  EXPECT_FALSE(fs::exists(dir + "/.garden-1.mp4.tmp"));
}

TEST(ClipCache, ClipOfAnOpenSegmentReadsItsFlushedFragments) {
  std::string dir = temp_dir();
  ManualClock clock;
  ClipCache cache("garden", dir);
  const double t0 = clock.wall_time;
  // Feed 17 s without ending the connection: the second segment stays open as .part.
  feed(cache, clock, 17, true);
  // Fragments are flushed per GOP: data up to the keyframe at 16 s is readable.
  EXPECT_NEAR(cache.available_until(), t0 + 16, 1e-3);
  auto segs = cache.segments(t0 + 9, t0 + 16);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_FALSE(segs[1].closed);
  ClipResult r = assemble_clip(segs, t0 + 9, t0 + 15.9, dir + "/garden-2.mp4");
  ASSERT_TRUE(r.ok) << r.why;
  EXPECT_NEAR(probe_duration(dir + "/garden-2.mp4"), 6.9, 0.15);
  // A crash now: the .part is salvaged up to its last complete fragment at start-up.
  cache.on_end();
}

TEST(ClipCache, GapsAreSkippedAndNothingCachedMeansNoClip) {
  std::string dir = temp_dir();
  ManualClock clock;
  ClipCache cache("garden", dir);
  const double t0 = clock.wall_time;
  feed(cache, clock, 12);     // 0–12 s
  clock.wall_time = t0 + 60;  // camera down for ~48 s
  feed(cache, clock, 12);     // 60–72 s
  const double a = t0 + 6, b = t0 + 66;
  ClipResult r = assemble_clip(cache.segments(a, b), a, b, dir + "/garden-3.mp4");
  ASSERT_TRUE(r.ok) << r.why;
  // 6 s before the gap + 6 s after it; the gap itself is not filled.
  EXPECT_NEAR(probe_duration(dir + "/garden-3.mp4"), 12, 0.3);
  // Nothing cached in the span: no clip, no file.
  ClipResult none = assemble_clip(cache.segments(t0 + 30, t0 + 40), t0 + 30, t0 + 40, dir + "/garden-4.mp4");
  EXPECT_FALSE(none.ok);
  EXPECT_FALSE(fs::exists(dir + "/garden-4.mp4"));
}

TEST(ClipCache, PruneDeletesOnlyClosedSegmentsBeforeKeepFrom) {
  std::string dir = temp_dir();
  ManualClock clock;
  ClipCache cache("garden", dir);
  const double t0 = clock.wall_time;
  feed(cache, clock, 35);
  EXPECT_EQ(cache.prune(t0 + 21), 2);  // 0–10 and 10–20 end before 21
  auto segs = cache.segments(0, 1e12);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_NEAR(segs[0].wall0, t0 + 20, 0.01);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().extension() == ".mp4";
  EXPECT_EQ(files, 2);
}

TEST(ClipCache, RestartSalvagesPartsAndReindexesSegments) {
  std::string dir = temp_dir();
  ManualClock clock;
  const double t0 = clock.wall_time;
  {
    ClipCache cache("garden", dir);
    feed(cache, clock, 25);
  }
  // A crash mid-segment: a .part holding some complete fragments and a torn one.
  std::string part = dir + "/.garden-20300101000000.mp4.part";
  {
    ManualClock c2;
    c2.wall_time = t0 + 100;
    ClipCache writer("garden", dir + "/w");
    feed(writer, c2, 7, true);
    auto open = writer.segments(0, 1e12);
    ASSERT_EQ(open.size(), 1u);
    fs::copy_file(open[0].part_path, part);                        // as the crash left it: 6 s flushed
    std::ofstream(part, std::ios::app) << std::string(1000, 'x');  // torn fragment
  }
  EXPECT_EQ(complete_fragments_end(part) + 1000, fs::file_size(part));
  std::ofstream(dir + "/.garden-20300101000100.mp4.part") << "tiny";  // nothing usable
  std::ofstream(dir + "/other-20300101000000.mp4") << "not ours";
  ClipCache cache("garden", dir);
  cache.load_existing();
  EXPECT_FALSE(fs::exists(part));
  EXPECT_FALSE(fs::exists(dir + "/.garden-20300101000100.mp4.part"));
  EXPECT_TRUE(fs::exists(dir + "/other-20300101000000.mp4"));  // another camera's
  auto segs = cache.segments(0, 1e12);
  ASSERT_EQ(segs.size(), 4u);            // three from the first run + the salvaged one
  EXPECT_NEAR(segs[0].wall0, t0, 1e-3);  // exact start times come back from the files
  EXPECT_NEAR(segs[3].wall0, t0 + 100, 1e-3);
  EXPECT_NEAR(segs[3].end, t0 + 106, 0.15);
  ClipResult r = assemble_clip(cache.segments(t0 + 2, t0 + 14), t0 + 2, t0 + 14, dir + "/garden-5.mp4");
  ASSERT_TRUE(r.ok) << r.why;
  EXPECT_NEAR(probe_duration(dir + "/garden-5.mp4"), 12, 0.15);
  remove_foreign_cache_segments(dir, {"garden"});
  EXPECT_FALSE(fs::exists(dir + "/other-20300101000000.mp4"));
  EXPECT_EQ(cache.segments(0, 1e12).size(), 4u);
}
