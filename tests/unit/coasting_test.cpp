#include "tracking/coasting.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

// A person box centred at (cx, 300), 60×150.
Box at(int cx) { return {cx - 30, 225, cx + 30, 375}; }

Detection person(const Box& b, double score = 0.8) {
  Detection d;
  d.label = "person";
  d.score = score;
  d.box = b;
  d.area = b.width() * b.height();
  return d;
}

// One camera's tracker and object states, driven frame by frame as Camera::process does.
struct Scene {
  CameraConfig cfg;
  Tracker tracker{10, [n = 0](double) mutable { return "id" + std::to_string(n++); }};
  ObjectStates states{cfg};
  double t = 1000;
  CoastPlan plan;

  Scene() {
    cfg.name = "cam";
    cfg.width = 1280;
    cfg.height = 720;
    cfg.track = {"person"};
    cfg.filters["person"] = ObjectFilter{};  // threshold 0.7
  }
  // `detect(plan)` returns what the detector finds in this frame's regions.
  void step(const std::vector<Box>& motion, int coast_frames, const std::vector<Detection>& found,
            const std::vector<Box>& regions = {}) {
    t += 0.2;
    auto held = states.held_ids(t, motion);
    plan = plan_coasting(tracker, states, held, motion, coast_frames);
    drop_covered(plan, tracker, regions);
    tracker.update(t, found, held, plan.coast);
    auto f = make_black_frame(cfg.width, cfg.height);
    std::const_pointer_cast<Frame>(f)->time = t;
    states.update(tracker, f, held);
  }
  const TrackedObject& only() { return states.objects().begin()->second; }
};

// Walks a person 10 px per frame from x = 100 for `frames` frames, each detected.
int walk_detected(Scene& s, int frames, int coast_frames) {
  int x = 100;
  for (int i = 0; i < frames; ++i, x += 10) s.step({at(x)}, coast_frames, {person(at(x))});
  return x;
}

}  // namespace

TEST(Coasting, AConfirmedWalkerCoastsOnItsPredictionThenIsLookedAtAgain) {
  Scene s;
  int x = walk_detected(s, 4, 2);  // confirmed after 3 scores, velocity 10 px/frame
  ASSERT_TRUE(s.only().true_positive);
  const auto history = s.only().history;
  // Two frames without a detection: the object moves on by its velocity, unaged, its
  // score history untouched.
  for (int i = 0; i < 2; ++i, x += 10) {
    s.step({at(x)}, 2, {});
    EXPECT_EQ(s.plan.coast.size(), 1u) << "frame " << i;
    EXPECT_TRUE(s.plan.motion.empty()) << "its motion is explained";
    EXPECT_TRUE(s.only().coasting);
    EXPECT_FALSE(s.only().matched);
    EXPECT_EQ(s.only().box, at(x)) << "carried on its prediction";
    EXPECT_EQ(s.tracker.tracks()[0].disappeared, 0);
    EXPECT_EQ(s.only().history, history);
  }
  // The third frame it is due: it takes part in region selection and matches again,
  // with the velocity of the frames it coasted.
  s.step({at(x)}, 2, {person(at(x))});
  EXPECT_TRUE(s.plan.coast.empty());
  EXPECT_TRUE(s.only().matched);
  EXPECT_FALSE(s.only().coasting);
  EXPECT_EQ(Tracker::predict(s.tracker.tracks()[0]), at(x + 10));
}

TEST(Coasting, MotionAwayFromCoastingObjectsKeepsItsRegion) {
  Scene s;
  int x = walk_detected(s, 4, 2);
  // Someone new far away: the walker coasts, the newcomer's motion stays.
  Box newcomer{1000, 200, 1060, 360};
  s.step({at(x), newcomer}, 2, {});
  EXPECT_EQ(s.plan.coast.size(), 1u);
  ASSERT_EQ(s.plan.motion.size(), 1u);
  EXPECT_EQ(s.plan.motion[0], newcomer);
  x += 10;
  // Motion trailing behind the walker (0.8's running average) is its own.
  Box trail{at(x).x1 - 40, at(x).y1, at(x).x2, at(x).y2};
  s.step({trail}, 2, {});
  EXPECT_EQ(s.plan.coast.size(), 1u);
  EXPECT_TRUE(s.plan.motion.empty());
  x += 10;
  // Due: looked at, and so is whoever joined it meanwhile.
  s.step({at(x)}, 2, {person(at(x)), person(at(x + 80))});
  EXPECT_TRUE(s.plan.coast.empty());
  EXPECT_EQ(s.states.objects().size(), 2u);
}

TEST(Coasting, NewObjectsAndZeroCoastFramesAreLookedAtEveryFrame) {
  Scene s;
  // Not a true positive (scores below the 0.7 threshold) and looked at twice: does not
  // coast yet (a new real object is confirmed by its third look).
  s.step({at(100)}, 2, {person(at(100), 0.6)});
  s.step({at(110)}, 2, {person(at(110), 0.6)});
  ASSERT_FALSE(s.only().true_positive);
  s.step({at(120)}, 2, {person(at(120), 0.6)});
  EXPECT_TRUE(s.plan.coast.empty());
  EXPECT_TRUE(s.only().matched);
  // After three looks a steady unconfirmed object coasts too.
  s.step({at(130)}, 2, {});
  EXPECT_FALSE(s.only().true_positive);
  EXPECT_TRUE(s.only().coasting);

  Scene z;
  int x = walk_detected(z, 5, 0);
  z.step({at(x)}, 0, {});
  EXPECT_TRUE(z.plan.coast.empty()) << "coast_frames 0 is 0.8's every-frame detection";
  EXPECT_EQ(z.tracker.tracks()[0].disappeared, 1);
  z.step({at(x)}, 0, {});
  EXPECT_TRUE(z.plan.lost.empty()) << "and 0.8's region for every lost object";
}

TEST(Coasting, ATrackInsideAChosenRegionIsLookedAtInstead) {
  Scene s;
  int x = walk_detected(s, 4, 2);
  s.step({at(x)}, 2, {person(at(x))}, {Box{0, 0, 720, 720}});
  EXPECT_TRUE(s.plan.coast.empty());
  EXPECT_TRUE(s.only().matched);
  // A region elsewhere leaves it coasting.
  x += 10;
  s.step({at(x)}, 2, {}, {Box{800, 0, 1280, 480}});
  EXPECT_EQ(s.plan.coast.size(), 1u);
  EXPECT_TRUE(s.only().coasting);
}

TEST(Coasting, ATrackMissedOnItsDueFrameAgesAsUsual) {
  Scene s;
  int x = walk_detected(s, 4, 1);
  s.step({at(x)}, 1, {});  // coasts one frame
  EXPECT_TRUE(s.only().coasting);
  x += 10;
  s.step({at(x)}, 1, {});  // due, looked at, not found
  EXPECT_FALSE(s.only().coasting);
  EXPECT_EQ(s.tracker.tracks()[0].disappeared, 1);
  s.step({at(x + 10)}, 1, {});  // unmatched since: never coasts again until matched,
  EXPECT_TRUE(s.plan.coast.empty());
  EXPECT_EQ(s.plan.lost, std::set<std::string>{"id0"}) << "and has no region of its own";
  EXPECT_EQ(s.tracker.tracks()[0].disappeared, 2);
}

}  // namespace vigil

namespace vigil {

// A coasting object is looked for where it is now: its last patch, searched around the
// prediction in the new frame's luma.
TEST(Coasting, ALastPatchIsFoundWhereTheObjectMoved) {
  const int W = 320, H = 240;
  std::vector<uint8_t> before(size_t(W) * H), after(size_t(W) * H);
  uint32_t seed = 7;
  for (auto& p : before) p = uint8_t((seed = seed * 1103515245 + 12345) >> 24);  // texture
  // The same scene moved 7 px right and 3 px down.
  for (int r = 0; r < H; ++r)
    for (int c = 0; c < W; ++c) after[size_t(r) * W + c] = before[size_t(std::max(0, r - 3)) * W + std::max(0, c - 7)];
  Detection last;
  last.box = {100, 80, 130, 160};
  last.patch = luma_patch(before.data(), W, W, H, last.box);
  ASSERT_EQ(last.patch.size(), 30u * 80u);
  // The prediction is 4 px off the truth: the search finds the truth.
  auto found = find_patch(after.data(), W, W, H, last, Box{103, 80, 133, 160});
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, (Box{107, 83, 137, 163}));
  // Nothing like it in a flat frame: no match, the prediction stays.
  std::vector<uint8_t> flat(size_t(W) * H, 90);
  EXPECT_FALSE(find_patch(flat.data(), W, W, H, last, Box{103, 80, 133, 160}));
  // Big boxes carry no patch.
  EXPECT_TRUE(luma_patch(before.data(), W, W, H, Box{0, 0, 200, 200}).empty());
}

}  // namespace vigil
