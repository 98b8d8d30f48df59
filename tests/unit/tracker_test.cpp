#include "tracking/tracker.h"

#include <gtest/gtest.h>

#include <regex>

#include "tracking/hungarian.h"

namespace vigil {
namespace {

Detection person(int cx, int cy, int w = 40, int h = 100, double score = 0.8) {
  Detection d;
  d.label = "person";
  d.score = score;
  d.box = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
  d.area = w * h;
  return d;
}

struct Ids {
  int n = 0;
  std::string operator()(double) { return "id" + std::to_string(n++); }
};

// The id of the track whose last box is centred at (cx, cy).
std::string id_at(const Tracker& t, int cx, int cy) {
  for (const Track& tr : t.tracks())
    if (std::abs((tr.det.box.x1 + tr.det.box.x2) / 2 - cx) <= 1 &&
        std::abs((tr.det.box.y1 + tr.det.box.y2) / 2 - cy) <= 1)
      return tr.id;
  return "";
}

}  // namespace

TEST(Tracker, FrameTimeTextMatchesPythonRepr) {
  EXPECT_EQ(frame_time_text(1607123955.475377), "1607123955.475377");
  EXPECT_EQ(frame_time_text(1607123955.5), "1607123955.5");
  EXPECT_EQ(frame_time_text(1607123955.0), "1607123955.0");
  EXPECT_TRUE(std::regex_match(random_track_id(1607123955.5), std::regex(R"(1607123955\.5-[a-z0-9]{6})")));
  EXPECT_NE(random_track_id(1.0), random_track_id(1.0));
}

TEST(Tracker, HungarianFindsTheOptimalAssignment) {
  // Greedy (row 0 takes its cheapest column 0) would cost 1 + 100; optimal is 2 + 3.
  EXPECT_EQ(solve_assignment({{1, 2}, {3, 100}}), (std::vector<int>{1, 0}));
  EXPECT_EQ(solve_assignment({{5}, {1}, {9}}), (std::vector<int>{-1, 0, -1}));
  EXPECT_EQ(solve_assignment({{4, 1, 9}}), (std::vector<int>{1}));
}

// Two people walk towards each other and cross; 0.8's greedy nearest-centroid order
// swapped their ids at the crossing, the velocity-aware assignment keeps them.
TEST(Tracker, CrossingPathsKeepTheirIds) {
  Tracker t(10, Ids{});
  int ax = 100, bx = 300;
  t.update(0, {person(ax, 200), person(bx, 204)});
  std::string a = id_at(t, ax, 200), b = id_at(t, bx, 204);
  ASSERT_NE(a, b);
  for (int f = 1; f <= 20; ++f) {
    ax += 10;
    bx -= 10;
    t.update(f, {person(bx, 204), person(ax, 200)});
    ASSERT_EQ(t.tracks().size(), 2u) << "frame " << f;
    EXPECT_EQ(id_at(t, ax, 200), a) << "frame " << f;
    EXPECT_EQ(id_at(t, bx, 204), b) << "frame " << f;
  }
  EXPECT_GT(ax, bx);  // they did cross
}

// Hidden for fewer than max_disappeared frames (e.g. behind a pole): same id.
TEST(Tracker, ShortOcclusionKeepsTheId) {
  Tracker t(10, Ids{});
  int x = 100;
  t.update(0, {person(x, 200)});
  std::string id = t.tracks()[0].id;
  for (int f = 1; f <= 5; ++f) t.update(f, {person(x += 8, 200)});
  for (int f = 6; f <= 12; ++f) {  // 7 frames unseen
    x += 8;
    t.update(f, {});
    ASSERT_EQ(t.tracks().size(), 1u);
    EXPECT_EQ(t.tracks()[0].disappeared, f - 5);
  }
  t.update(13, {person(x += 8, 200)});
  ASSERT_EQ(t.tracks().size(), 1u);
  EXPECT_EQ(t.tracks()[0].id, id);
  EXPECT_EQ(t.tracks()[0].disappeared, 0);
}

// Gone for more than max_disappeared frames: the track ends on the
// (max_disappeared + 1)-th unmatched frame and a returning object gets a new id.
TEST(Tracker, LeavingAndComingBackLaterGivesANewId) {
  Tracker t(4, Ids{});
  t.update(0, {person(100, 200)});
  std::string id = t.tracks()[0].id;
  for (int f = 1; f <= 4; ++f) {
    t.update(f, {});
    ASSERT_EQ(t.tracks().size(), 1u) << f;
  }
  t.update(5, {});
  EXPECT_TRUE(t.tracks().empty());
  ASSERT_EQ(t.removed().size(), 1u);
  EXPECT_EQ(t.removed()[0], id);
  t.update(6, {person(100, 200)});
  ASSERT_EQ(t.tracks().size(), 1u);
  EXPECT_NE(t.tracks()[0].id, id);
}

// One person leaves at the left while another appears far away at the right in the
// same frame: 0.8 handed the old id to the newcomer; the gate prevents it.
TEST(Tracker, FarAwayNewcomerDoesNotInheritAnId) {
  Tracker t(10, Ids{});
  t.update(0, {person(30, 200)});
  std::string id = t.tracks()[0].id;
  t.update(1, {person(700, 220)});
  ASSERT_EQ(t.tracks().size(), 2u);
  EXPECT_EQ(t.tracks()[0].id, id);
  EXPECT_EQ(t.tracks()[0].disappeared, 1);
  EXPECT_NE(t.tracks()[1].id, id);
}

TEST(Tracker, LabelsNeverMix) {
  Tracker t(10, Ids{});
  Detection car = person(100, 200);
  car.label = "car";
  t.update(0, {person(100, 200), car});
  ASSERT_EQ(t.tracks().size(), 2u);  // 0.8 stopped after the first new label; vigil does not
  t.update(1, {car});
  for (const Track& tr : t.tracks()) EXPECT_EQ(tr.matched, tr.det.label == "car");
}

// Stationary objects on held frames (§7.4) are not aged.
TEST(Tracker, HeldTracksDoNotAge) {
  Tracker t(2, Ids{});
  t.update(0, {person(100, 200)});
  std::string id = t.tracks()[0].id;
  for (int f = 1; f <= 20; ++f) t.update(f, {}, {id});
  ASSERT_EQ(t.tracks().size(), 1u);
  EXPECT_EQ(t.tracks()[0].disappeared, 0);
}

}  // namespace vigil
