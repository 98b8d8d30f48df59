// storage/range_clip.h: recordings placed on the wall clock as clip-cache segments.
#include "storage/range_clip.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

IndexedMedia recording(const std::string& path, double start, double first_dts, double duration) {
  IndexedMedia m;
  m.path = path;
  m.start = start;
  m.duration = duration;
  for (double t = 0; t < duration; t += 0.5) m.dts.push_back(first_dts + t);
  m.keyframes = {first_dts, first_dts + 2};
  return m;
}

TEST(RangeClip, RecordingsBecomeSegmentsOnTheWallClock) {
  // File times start at 90 s in the first file (a camera's timestamps), at 0 in the second.
  const auto segs = recordings_as_segments({recording("a.mp4", 1000, 90, 4), recording("b.mp4", 1004, 0, 4)});
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_TRUE(segs[0].closed);
  EXPECT_EQ(segs[0].path(), "a.mp4");
  EXPECT_DOUBLE_EQ(segs[0].wall0, 1000 - 90);  // file time 90 is wall 1000
  EXPECT_DOUBLE_EQ(segs[0].end, 1004);
  EXPECT_EQ(segs[0].keyframes, (std::vector<double>{1000, 1002}));
  EXPECT_DOUBLE_EQ(segs[1].wall0, 1004);
  EXPECT_EQ(segs[1].keyframes, (std::vector<double>{1004, 1006}));
}

TEST(RangeClip, AFileNamedBeforeItsPredecessorEndsIsMovedToThatEnd) {
  // Names hold whole seconds: the second file's name says 1003 while the first runs to 1003.6.
  const auto segs = recordings_as_segments({recording("a.mp4", 1000, 0, 3.6), recording("b.mp4", 1003, 0, 4)});
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_DOUBLE_EQ(segs[1].wall0, 1003.6);
  EXPECT_DOUBLE_EQ(segs[1].keyframes.front(), 1003.6);
  // A real gap stays a gap (assemble_clip skips it).
  const auto gap = recordings_as_segments({recording("a.mp4", 1000, 0, 4), recording("b.mp4", 1010, 0, 4)});
  EXPECT_DOUBLE_EQ(gap[1].wall0, 1010);
}

}  // namespace
}  // namespace vigil
