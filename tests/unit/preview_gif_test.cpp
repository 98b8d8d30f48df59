// storage/preview_gif.h on real video (vtest.mp4: 10 fps H.264, 2 s GOP, 768×576).
#include "storage/preview_gif.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_media.h"

namespace vigil {
namespace {

int gif_frames(const std::string& gif) {
  const std::string f = test::temp_dir() + "/p.gif";
  std::ofstream(f, std::ios::binary) << gif;
  return std::atoi(
      test::run("ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 '" + f + "'").c_str());
}

TEST(PreviewGif, OneFramePerSecondOfTheRangeScaledTo320) {
  // The file starts at wall time 1000; [1003, 1010.5] holds 8 whole seconds from 1003.
  PreviewGif g = make_preview_gif({{test::vtest_mp4(), 1000}}, 1003, 1010.5);
  ASSERT_TRUE(g.ok) << g.why;
  EXPECT_EQ(g.gif.substr(0, 6), "GIF89a");
  EXPECT_EQ(g.frames, 8);
  EXPECT_EQ(gif_frames(g.gif), 8);
  // Width 320 (little-endian at byte 6), height in proportion (576 × 320 / 768 = 240).
  EXPECT_EQ(uint8_t(g.gif[6]) | uint8_t(g.gif[7]) << 8, 320);
  EXPECT_EQ(uint8_t(g.gif[8]) | uint8_t(g.gif[9]) << 8, 240);
}

TEST(PreviewGif, ALongRangeIsSampledMoreSparsely) {
  PreviewOptions o;
  o.max_frames = 5;
  PreviewGif g = make_preview_gif({{test::vtest_mp4(), 1000}}, 1000, 1050, o);  // one frame every 10 s
  ASSERT_TRUE(g.ok) << g.why;
  EXPECT_LE(g.frames, 6);
  EXPECT_GE(g.frames, 5);
}

TEST(PreviewGif, NoVideoInTheRangeFails) {
  PreviewGif g = make_preview_gif({{test::vtest_mp4(), 1000}}, 5000, 5010);
  EXPECT_FALSE(g.ok);
  EXPECT_TRUE(g.gif.empty());
  EXPECT_FALSE(make_preview_gif({{"/nonexistent.mp4", 1000}}, 1000, 1010).ok);
  EXPECT_FALSE(preview_gif(test::temp_dir(), "walk", 1000, 1010).ok);  // no recordings
}

}  // namespace
}  // namespace vigil
