#include "tracking/objects.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

Detection person(Box b, double score) {
  Detection d;
  d.label = "person";
  d.score = score;
  d.box = b;
  d.area = b.width() * b.height();
  return d;
}

CameraConfig camera() {
  CameraConfig c;
  c.name = "cam";
  c.width = 1280;
  c.height = 720;
  c.track = {"person"};
  c.filters["person"] = ObjectFilter{};  // threshold 0.7
  ZoneConfig lawn;
  lawn.name = "lawn";
  lawn.coordinates.points = {{0, 400}, {1280, 400}, {1280, 720}, {0, 720}};
  lawn.filters["person"].min_area = 5000;
  c.zones.push_back(lawn);
  return c;
}

struct Harness {
  CameraConfig cfg = camera();
  Tracker tracker{10, [n = 0](double) mutable { return "id" + std::to_string(n++); }};
  ObjectStates states{cfg};
  double t = 1000;
  std::vector<TrackedObject> step(std::vector<Detection> dets, std::vector<Box> motion = {}) {
    t += 0.2;
    auto held = states.held_ids(t, motion);
    tracker.update(t, dets, held);
    auto f = make_black_frame(cfg.width, cfg.height);
    std::const_pointer_cast<Frame>(f)->time = t;
    return states.update(tracker, f, held);
  }
  const TrackedObject& only() { return states.objects().begin()->second; }
};

}  // namespace

TEST(Objects, ComputedScoreIsTheMedianPaddedToThree) {
  EXPECT_DOUBLE_EQ(ObjectStates::computed_score({0.7, 0.55}), 0.55);
  EXPECT_DOUBLE_EQ(ObjectStates::computed_score({0.9}), 0.0);
  EXPECT_DOUBLE_EQ(ObjectStates::computed_score({0.9, 0.8, 0.7, 0.6}), 0.75);
}

TEST(Objects, BecomesATruePositiveOnceTheMedianReachesTheThreshold) {
  Harness h;
  h.step({person({100, 100, 200, 300}, 0.9)});
  EXPECT_FALSE(h.only().true_positive);  // the creation frame computes nothing
  h.step({person({102, 100, 202, 300}, 0.6)});
  EXPECT_FALSE(h.only().true_positive);  // [0.9, 0.6, 0] → 0.6
  h.step({person({104, 100, 204, 300}, 0.8)});
  EXPECT_TRUE(h.only().true_positive);  // [0.9, 0.6, 0.8] → 0.8
  EXPECT_DOUBLE_EQ(h.only().top_score, 0.8);
  Box moving{90, 90, 220, 320};  // motion on it: not stationary, so it ages normally
  h.step({}, {moving});
  h.step({}, {moving});
  EXPECT_TRUE(h.only().true_positive) << "stays a true positive";
  EXPECT_DOUBLE_EQ(h.only().top_score, 0.8);
  EXPECT_EQ(h.only().history.size(), 5u);
}

TEST(Objects, ZoneFiltersApplyOnEntryNotWhileStaying) {
  Harness h;
  // Bottom centre inside the lawn but area 2000 < min_area 5000: not entered.
  h.step({person({100, 380, 140, 430}, 0.9)});
  h.step({person({100, 380, 140, 430}, 0.9)});
  EXPECT_TRUE(h.only().current_zones.empty());
  // Big enough: enters.
  h.step({person({100, 330, 200, 430}, 0.9)});
  EXPECT_EQ(h.only().current_zones, std::vector<std::string>{"lawn"});
  // Shrinks below min_area while inside: stays (already in the zone).
  h.step({person({100, 380, 140, 430}, 0.9)});
  EXPECT_EQ(h.only().current_zones, std::vector<std::string>{"lawn"});
  // Leaves; entered_zones remembers.
  h.step({person({100, 290, 200, 390}, 0.9)});
  EXPECT_TRUE(h.only().current_zones.empty());
  EXPECT_EQ(h.only().entered_zones, std::vector<std::string>{"lawn"});
}

TEST(Objects, BestThumbnailPrefersHigherScoresAndBiggerBoxesOffTheEdge) {
  Thumbnail cur{nullptr, 0, {100, 100, 200, 300}, 20000, {}, 0.8};
  Thumbnail higher = cur, bigger = cur, edge = cur, same = cur;
  higher.score = 0.86;
  bigger.area = 22001;
  edge.box = {0, 100, 200, 300};
  edge.score = 0.99;
  same.score = 0.84;
  EXPECT_TRUE(ObjectStates::better(cur, higher, 1280, 720));
  EXPECT_TRUE(ObjectStates::better(cur, bigger, 1280, 720));
  EXPECT_FALSE(ObjectStates::better(cur, edge, 1280, 720));
  EXPECT_FALSE(ObjectStates::better(cur, same, 1280, 720));
}

TEST(Objects, BestPerLabelFollowsTheBestTruePositive) {
  Harness h;
  for (double s : {0.8, 0.8, 0.8}) h.step({person({100, 100, 200, 300}, s)});
  ASSERT_EQ(h.states.best_per_label().count("person"), 1u);
  EXPECT_DOUBLE_EQ(h.states.best_per_label().at("person").best->score, 0.8);
  h.step({person({100, 100, 200, 300}, 0.95)});
  EXPECT_DOUBLE_EQ(h.states.best_per_label().at("person").best->score, 0.95);
  // The best image stays after the object has gone.
  for (int i = 0; i < 12; ++i) h.step({}, {Box{90, 90, 220, 320}});
  EXPECT_TRUE(h.states.objects().empty());
  EXPECT_EQ(h.states.best_per_label().count("person"), 1u);
}

// A parked object with no motion on it is checked once every 5 s and held (not aged,
// no region) in between; a real disappearance ends it after max_disappeared + 1 checks.
TEST(Objects, StationaryObjectsAreCheckedEveryFiveSeconds) {
  Harness h;
  Box car{500, 200, 700, 400};
  for (int i = 0; i < 3; ++i) h.step({person(car, 0.9)});
  ASSERT_TRUE(h.only().true_positive);
  int checks = 0;
  for (int i = 0; i < 100; ++i) {  // 20 s without detections and without motion
    double t = h.t + 0.2;
    auto held = h.states.held_ids(t, {});
    checks += held.empty();
    h.t = t;
    h.tracker.update(t, {}, held);
    auto f = make_black_frame(1280, 720);
    h.states.update(h.tracker, f, held);
    if (h.states.objects().empty()) break;
  }
  EXPECT_GE(checks, 4);
  EXPECT_LE(checks, 5);
  EXPECT_EQ(h.states.objects().size(), 1u) << "4 failed checks are fewer than max_disappeared + 1";
  // Motion on its box makes every frame a normal frame again: it ages out quickly.
  for (int i = 0; i < 12; ++i) h.step({}, {car});
  EXPECT_TRUE(h.states.objects().empty());
}

}  // namespace vigil
