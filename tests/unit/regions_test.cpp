#include "regions/regions.h"

#include <gtest/gtest.h>

namespace vigil {

TEST(Regions, CalculateRegionIsASquareOfAtLeast300InsideTheFrame) {
  EXPECT_EQ(calculate_region(1280, 720, {100, 100, 150, 200}, 1.2), (Box{0, 0, 300, 300}));
  // side 400 → 400·1.2 = 480, centred on (600, 400), pushed up to stay inside 720.
  EXPECT_EQ(calculate_region(1280, 720, {500, 200, 700, 600}, 1.2), (Box{360, 160, 840, 640}));
  EXPECT_EQ(calculate_region(1280, 720, {1200, 600, 1279, 719}, 1.0), (Box{980, 420, 1280, 720}));
  // Frame smaller than the region: it sticks out past the right/bottom edge.
  EXPECT_EQ(calculate_region(200, 200, {10, 10, 50, 50}, 1.0), (Box{0, 0, 300, 300}));
}

TEST(Regions, GroupMergesNearlyEqualBoxesAndKeepsOthers) {
  EXPECT_TRUE(group_boxes({}).empty());
  auto one = group_boxes({{100, 100, 300, 300}});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], (Box{100, 100, 300, 300}));
  auto merged = group_boxes({{100, 100, 300, 300}, {104, 102, 302, 298}});
  EXPECT_EQ(merged.size(), 1u);
  auto apart = group_boxes({{100, 100, 300, 300}, {600, 400, 900, 700}});
  EXPECT_EQ(apart.size(), 2u);
}

TEST(Regions, BaselineCoversMotionAndTrackedBoxes) {
  auto r = baseline_regions(1280, 720, {{100, 100, 160, 220}}, {{900, 300, 1000, 500}});
  ASSERT_EQ(r.size(), 2u);
  for (const Box& b : r) EXPECT_EQ(b.width(), b.height());
  EXPECT_TRUE(baseline_regions(1280, 720, {}, {}).empty());
}

TEST(Regions, ContainedRegionsAreDropped) {
  auto r = drop_contained({{0, 0, 600, 600}, {100, 100, 400, 400}, {700, 0, 1000, 300}, {0, 0, 600, 600}});
  EXPECT_EQ(r, (std::vector<Box>{{0, 0, 600, 600}, {700, 0, 1000, 300}}));
}

TEST(Regions, ClippedMeansTouchingAnInnerRegionEdge) {
  Box region{100, 100, 400, 400};
  EXPECT_TRUE(clipped(1280, 720, {102, 200, 200, 300}, region));  // left edge, not the frame's
  EXPECT_FALSE(clipped(1280, 720, {150, 150, 300, 300}, region));
  EXPECT_FALSE(clipped(1280, 720, {0, 10, 50, 50}, {0, 0, 300, 300}));    // frame edge
  EXPECT_TRUE(clipped(1280, 720, {50, 50, 298, 120}, {0, 0, 300, 300}));  // right edge inside frame
}

}  // namespace vigil
