#include "events/event_lifecycle.h"

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

struct Scene {
  CameraConfig cfg;
  Tracker tracker{3, [n = 0](double) mutable { return "id" + std::to_string(n++); }};
  std::unique_ptr<ObjectStates> states;
  EventLifecycle life{"cam"};
  double t = 1000;
  std::vector<EventMessage> all;
  Scene() {
    cfg.name = "cam";
    cfg.width = 1280;
    cfg.height = 720;
    cfg.filters["person"] = ObjectFilter{};
    states = std::make_unique<ObjectStates>(cfg);
  }
  void step(std::vector<Detection> d, double dt = 0.2) {
    t += dt;
    Box moving{0, 0, 1280, 720};  // motion everywhere: nothing is held as stationary
    auto held = states->held_ids(t, {moving});
    tracker.update(t, d, held);
    auto f = make_black_frame(1280, 720);
    auto ended = states->update(tracker, f, held);
    for (auto& m : life.update(t, *states, ended)) all.push_back(m);
  }
};

}  // namespace

TEST(EventLifecycle, NewUpdatesAtMostEveryFiveSecondsThenEnd) {
  Scene r;
  // 20 s of a person whose score keeps rising (so the best thumbnail keeps changing).
  for (int i = 0; i < 100; ++i) r.step({person({100 + i, 100, 200 + i, 300}, std::min(0.99, 0.75 + i * 0.01))});
  for (int i = 0; i < 5; ++i) r.step({});  // gone: ends after max_disappeared + 1 = 4 frames
  ASSERT_GE(r.all.size(), 3u);
  EXPECT_EQ(r.all.front().type, EventMessage::kNew);
  EXPECT_FALSE(r.all.front().before.true_positive);
  EXPECT_TRUE(r.all.front().after.true_positive);
  EXPECT_EQ(r.all.back().type, EventMessage::kEnd);
  for (size_t i = 1; i + 1 < r.all.size(); ++i) {
    EXPECT_EQ(r.all[i].type, EventMessage::kUpdate);
    EXPECT_EQ(r.all[i].after.id, r.all[0].after.id);
  }
  // Updates are at least 5 s of frame time apart.
  double last = 0;
  for (const auto& m : r.all)
    if (m.type != EventMessage::kEnd) {
      if (last > 0) {
        EXPECT_GT(m.after.frame_time - last, 5.0);
      }
      last = m.after.frame_time;
    }
  const EventMessage& end = r.all.back();
  EXPECT_NEAR(end.end_time, r.t - 0.2, 1e-6);  // dropped on the 4th unmatched frame
  EXPECT_GE(end.after.top_score, 0.75);
}

TEST(EventLifecycle, FalsePositivesNeverBecomeEvents) {
  Scene r;
  for (int i = 0; i < 10; ++i) r.step({person({100, 100, 200, 300}, 0.55)});  // median 0.55 < 0.7
  for (int i = 0; i < 5; ++i) r.step({});
  EXPECT_TRUE(r.all.empty());
}

TEST(EventLifecycle, EndAllClosesOpenEventsOnShutdown) {
  Scene r;
  for (int i = 0; i < 5; ++i) r.step({person({100, 100, 200, 300}, 0.9)});
  ASSERT_EQ(r.all.size(), 1u);
  auto end = r.life.end_all(r.t, *r.states);
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0].type, EventMessage::kEnd);
  EXPECT_DOUBLE_EQ(end[0].end_time, r.t);
}

}  // namespace vigil
