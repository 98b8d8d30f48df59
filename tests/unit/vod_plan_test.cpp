// The HLS plan of /vod/ (storage/vod_plan.h) on synthetic file indexes.
#include "storage/vod_plan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A file of `seconds` at 25 fps with a keyframe every `gop` s, starting at wall `start`.
IndexedMedia file(const std::string& id, double start, double seconds, double gop = 2, int width = 768) {
  IndexedMedia m;
  m.id = id;
  m.start = start;
  m.duration = seconds;
  m.width = width;
  m.height = 576;
  for (int i = 0; i * 0.04 < seconds - 1e-9; ++i) {
    const double t = i * 0.04;
    m.dts.push_back(t);
    if (std::fmod(t + 1e-9, gop) < 1e-6) m.keyframes.push_back(t);
  }
  return m;
}

double sum(const std::vector<VodSegment>& segs) {
  double s = 0;
  for (const VodSegment& g : segs) s += g.duration;
  return s;
}

TEST(VodPlan, TenSecondSegmentsSpanFilesAndCoverEverything) {
  std::vector<IndexedMedia> files{file("a", 1000, 4), file("b", 1004, 4), file("c", 1010, 4), file("d", 1014, 4)};
  auto segs = plan_vod(files, kInf);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_NEAR(segs[0].duration, 10, 1e-9);  // gaps collapse: a, b and half of c
  EXPECT_EQ(segs[0].from.id, "a");
  EXPECT_EQ(segs[0].to.id, "c");
  EXPECT_NEAR(segs[0].to.offset, 2, 1e-9);
  EXPECT_NEAR(segs[1].position, 10, 1e-9);
  EXPECT_NEAR(sum(segs), 16, 1e-9);
  // Wall times follow the files, not the playlist (the gap before c is not played).
  EXPECT_NEAR(segs[0].wall, 1000, 1e-9);
  EXPECT_NEAR(segs[1].wall, 1012, 1e-9);
  EXPECT_EQ(segs.back().to.id, "d");
  EXPECT_NEAR(segs.back().to.offset, 4, 1e-9);
}

TEST(VodPlan, LastFileIsCutAtTheFirstSampleAfterTheEnd) {
  std::vector<IndexedMedia> files{file("a", 1000, 60)};
  auto segs = plan_vod(files, 1000 + 23.01);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_NEAR(segs.back().to.offset, 23.04, 1e-9);
  EXPECT_NEAR(sum(segs), 23.04, 1e-9);
}

TEST(VodPlan, PlaylistStartsAtTheFirstKeyframe) {
  IndexedMedia a = file("a", 1000, 12);
  a.keyframes.erase(a.keyframes.begin());  // starts 2 s before its first keyframe
  auto segs = plan_vod({a}, kInf);
  ASSERT_FALSE(segs.empty());
  EXPECT_EQ(segs[0].position, 0);
  EXPECT_NEAR(segs[0].from.offset, 2, 1e-9);
  EXPECT_NEAR(segs[0].wall, 1002, 1e-9);
  EXPECT_NEAR(sum(segs), 10, 1e-9);
}

TEST(VodPlan, PictureSizeChangeStartsASegment) {
  std::vector<IndexedMedia> files{file("a", 1000, 4), file("b", 1004, 4, 2, 1280)};
  auto segs = plan_vod(files, kInf);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[1].from.id, "b");
  EXPECT_EQ(segs[1].from.offset, 0);
}

TEST(VodPlan, GrowingRangeKeepsEarlierSegmentNames) {
  std::vector<IndexedMedia> files;
  for (int i = 0; i < 6; ++i) files.push_back(file(std::to_string(100 + i), 1000 + 4 * i, 4));
  auto before = plan_vod({files.begin(), files.begin() + 4}, kInf);
  auto after = plan_vod(files, kInf);
  ASSERT_GT(after.size(), before.size() - 1);
  for (size_t i = 0; i + 1 < before.size(); ++i) EXPECT_EQ(before[i].name(), after[i].name());
}

TEST(VodPlan, NameRoundTripsAndRejectsOthers) {
  VodSegment s{12.345, 10, {"20261206191557", 2}, {"20261206191605", 4.04}};
  EXPECT_EQ(s.name(), "seg-12345-20261206191557-2000-20261206191605-4040.ts");
  auto p = VodSegment::parse(s.name());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name(), s.name());
  for (const char* bad : {"seg-1-a-2-b.ts", "seg-1-a-2-b-3.mp4", "seg--a-2-b-3.ts", "seg-1-a/b-2-b-3.ts",
                          "seg-1-a-x-b-3.ts", "index.m3u8", "seg-1-a-2-b-3-4.ts"})
    EXPECT_FALSE(VodSegment::parse(bad)) << bad;
}

TEST(VodPlan, PiecesRunBackToBackOverTheSegment) {
  std::vector<IndexedMedia> files{file("a", 1000, 4), file("b", 1004, 4), file("c", 1010, 4)};
  auto segs = plan_vod(files, kInf);
  ASSERT_FALSE(segs.empty());
  auto pieces = vod_pieces(segs[0], files);
  ASSERT_EQ(pieces.size(), 3u);
  double base = 0;
  for (const VodPiece& p : pieces) {
    EXPECT_NEAR(p.base, base, 1e-9);
    base += p.stop - p.begin;
  }
  EXPECT_NEAR(base, segs[0].duration, 1e-9);
  EXPECT_TRUE(vod_pieces(segs[0], {files[1], files[2]}).empty());  // not the segment's run
}

}  // namespace
}  // namespace vigil
